import { seededRandom } from '@backstage-nhi/plugin-nhi-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  GcpCompanyModel,
  GcpModelBinding,
  GcpModelFolder,
  GcpModelKey,
  GcpModelProject,
  GcpModelServiceAccount,
} from './model';

/**
 * Faults the endpoint injects.
 *
 * @public
 */
export interface GcpEndpointFaults {
  /** Fraction (0–1) of requests answered as throttled: 429 `RESOURCE_EXHAUSTED` and 403 `rateLimitExceeded`, alternately. */
  throttleRate?: number;
  /** Seed of the throttling draws. */
  seed?: number;
  /** `Retry-After` seconds sent with a 429. Default 0. */
  retryAfterSeconds?: number;
  /**
   * Permissions refused, by project id (or `organization` for project and
   * folder search), e.g. `{ 'acme-pay': ['iam.serviceAccounts.list'] }`;
   * `['*']` refuses everything in the project.
   */
  denied?: Record<string, string[]>;
  /** Projects where the Cloud Asset API is not enabled. */
  assetInventoryDisabled?: string[];
}

/**
 * Options of {@link startGcpEndpoint}.
 *
 * @public
 */
export interface GcpEndpointOptions {
  model: GcpCompanyModel;
  /** Port on 127.0.0.1; a free one by default. */
  port?: number;
  /** The bearer token requests must carry. Default {@link GCP_FAKE_ACCESS_TOKEN}. */
  accessToken?: string;
  faults?: GcpEndpointFaults;
  /** Largest page of each list, whatever `pageSize` asks. */
  pageSizes?: {
    projects?: number;
    serviceAccounts?: number;
    assets?: number;
    activities?: number;
  };
  /** "Now" of activity observation periods and asset read times; the clock by default. */
  now?: () => Date;
}

/**
 * A running endpoint.
 *
 * @public
 */
export interface GcpEndpoint {
  /** `http://127.0.0.1:<port>`: the `rootUrl` of every Google API client. */
  url: string;
  /** The bearer token it accepts. */
  accessToken: string;
  /** Requests answered by operation (`iam.projects.serviceAccounts.list`, `cloudasset.assets.list`…); throttled ones are counted in `throttled` only. */
  calls: Record<string, number>;
  /** Requests answered as throttled. */
  throttled: number;
  /** Sum of {@link GcpEndpoint.calls}. */
  totalCalls(): number;
  stop(): Promise<void>;
}

/** The access token the endpoint accepts by default (not a secret). @public */
export const GCP_FAKE_ACCESS_TOKEN = 'nhi-fake-gcp-access-token';

const NO_EXPIRY = '9999-12-31T23:59:59Z';

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly details: unknown[] = [],
    readonly errors?: unknown[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const denied = (permission: string, resource: string) =>
  new ApiError(
    403,
    'PERMISSION_DENIED',
    `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'iam.googleapis.com',
        metadata: { permission, resource },
      },
    ],
  );

const disabled = (service: string, title: string, project: GcpModelProject) =>
  new ApiError(
    403,
    'PERMISSION_DENIED',
    `${title} has not been used in project ${project.number} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${service}/overview?project=${project.number} then retry.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'SERVICE_DISABLED',
        domain: 'googleapis.com',
        metadata: { service, consumer: `projects/${project.number}` },
      },
    ],
  );

/** An opaque page token: the offset into a list, bound to the list it pages. */
function token(list: string, offset: number): string {
  return Buffer.from(`${list}|${offset}`).toString('base64url');
}

function page<T>(
  items: T[],
  params: URLSearchParams,
  list: string,
  max: number,
  fallback: number,
): { items: T[]; nextPageToken?: string } {
  const asked = Number(params.get('pageSize') ?? fallback);
  const size = Math.max(
    1,
    Math.min(Number.isFinite(asked) && asked > 0 ? asked : fallback, max),
  );
  let offset = 0;
  const raw = params.get('pageToken');
  if (raw) {
    const [forList, n] = Buffer.from(raw, 'base64url')
      .toString('utf8')
      .split('|');
    if (forList !== list || !/^\d+$/.test(n ?? '')) {
      throw new ApiError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
    }
    offset = Number(n);
  }
  const end = Math.min(items.length, offset + size);
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextPageToken: token(list, end) } : {}),
  };
}

const policyOf = (bindings: GcpModelBinding[] | undefined) => ({
  version: bindings?.some(b => b.condition) ? 3 : 1,
  etag: Buffer.from(JSON.stringify(bindings ?? []).slice(0, 12)).toString(
    'base64',
  ),
  ...(bindings?.length ? { bindings } : {}),
});

/**
 * Starts an HTTP endpoint on 127.0.0.1 that answers, from an in-memory
 * model, the JSON REST calls Google's Node.js clients make when their
 * `rootUrl` points at it:
 *
 * - Resource Manager v3: `projects:search`, `projects.get`,
 *   `folders:search`, `getIamPolicy` of projects, folders and the
 *   organization (POST);
 * - IAM v1: `projects.serviceAccounts.list`, `keys.list` (with
 *   `keyTypes`), `serviceAccounts.getIamPolicy` (POST);
 * - Cloud Asset Inventory v1: `assets.list` of `iam.googleapis.com/ServiceAccountKey`
 *   (RESOURCE) and `iam.googleapis.com/ServiceAccount` (IAM_POLICY);
 * - Policy Analyzer v1: `activities:query` of
 *   `serviceAccountLastAuthentication` and
 *   `serviceAccountKeyLastAuthentication`.
 *
 * Lists page with `pageSize`/`pageToken`/`nextPageToken`; errors come in
 * Google's shape (`{ error: { code, message, status, details } }`), with
 * throttling (429 with `Retry-After`, 403 `rateLimitExceeded`), refused
 * permissions per project and disabled APIs. Requests must carry the
 * bearer token.
 *
 * @public
 */
export async function startGcpEndpoint(
  options: GcpEndpointOptions,
): Promise<GcpEndpoint> {
  const { model } = options;
  const faults = options.faults ?? {};
  const accessToken = options.accessToken ?? GCP_FAKE_ACCESS_TOKEN;
  const now = options.now ?? (() => new Date());
  const sizes = {
    projects: options.pageSizes?.projects ?? 500,
    serviceAccounts: options.pageSizes?.serviceAccounts ?? 100,
    assets: options.pageSizes?.assets ?? 1000,
    activities: options.pageSizes?.activities ?? 1000,
  };
  const random = seededRandom(faults.seed ?? 1);
  const calls: Record<string, number> = {};
  let throttled = 0;

  const allProjects = [...model.projects, ...(model.otherProjects ?? [])];
  const projects = new Map<string, GcpModelProject>();
  for (const p of allProjects) {
    projects.set(p.projectId, p);
    projects.set(p.number, p);
  }
  const folders = new Map<string, GcpModelFolder>(
    model.folders.map(f => [f.id, f]),
  );
  const accountIn = (p: GcpModelProject, id: string) => {
    const lower = decodeURIComponent(id).toLowerCase();
    return p.serviceAccounts.find(
      sa => sa.email === lower || sa.uniqueId === lower,
    );
  };

  const projectOf = (id: string): GcpModelProject => {
    const p = projects.get(decodeURIComponent(id));
    if (!p) {
      throw new ApiError(
        403,
        'PERMISSION_DENIED',
        `The caller does not have permission`,
      );
    }
    return p;
  };
  const check = (scope: string, permission: string, resource: string) => {
    const list = faults.denied?.[scope];
    if (list && (list.includes(permission) || list.includes('*'))) {
      throw denied(permission, resource);
    }
  };

  const projectJson = (p: GcpModelProject) => ({
    name: `projects/${p.number}`,
    parent: p.parent,
    projectId: p.projectId,
    state: p.state ?? 'ACTIVE',
    displayName: p.displayName,
    createTime: p.createdAt,
    updateTime: p.createdAt,
    etag: `W/"${p.number}"`,
    labels: p.labels,
  });
  const accountJson = (p: GcpModelProject, sa: GcpModelServiceAccount) => ({
    name: `projects/${p.projectId}/serviceAccounts/${sa.email}`,
    projectId: p.projectId,
    uniqueId: sa.uniqueId,
    email: sa.email,
    ...(sa.displayName ? { displayName: sa.displayName } : {}),
    ...(sa.description ? { description: sa.description } : {}),
    etag: 'MDEwMjE5MjA=',
    oauth2ClientId: sa.uniqueId,
    ...(sa.disabled ? { disabled: true } : {}),
  });
  const keyJson = (
    p: GcpModelProject,
    sa: GcpModelServiceAccount,
    k: GcpModelKey,
    keyType = 'USER_MANAGED',
  ) => ({
    name: `projects/${p.projectId}/serviceAccounts/${sa.email}/keys/${k.id}`,
    validAfterTime: k.createdAt,
    validBeforeTime: k.expiresAt ?? NO_EXPIRY,
    keyAlgorithm: 'KEY_ALG_RSA_2048',
    keyOrigin: k.origin ?? 'GOOGLE_PROVIDED',
    keyType,
    ...(k.disabled ? { disabled: true } : {}),
    ...(k.exposed
      ? {
          extendedStatus: [
            { key: 'SERVICE_ACCOUNT_KEY_EXPOSED', value: 'public repository' },
          ],
        }
      : {}),
  });
  /** Google keeps a system-managed key per account; Cloud Asset lists it too. */
  const systemKey = (sa: GcpModelServiceAccount): GcpModelKey => ({
    id: `${sa.uniqueId.slice(0, 10)}${'0'.repeat(30)}`,
    createdAt: '2026-11-01T00:00:00Z',
    expiresAt: '2026-12-31T00:00:00Z',
  });

  type Handler = (
    m: RegExpExecArray,
    params: URLSearchParams,
  ) => { op: string; body: unknown; project?: GcpModelProject };
  const routes: Array<{ method: string; path: RegExp; handle: Handler }> = [
    {
      method: 'GET',
      path: /^\/v3\/projects:search$/,
      handle: (_m, params) => {
        check('organization', 'resourcemanager.projects.get', 'projects');
        const query = params.get('query') ?? '';
        const stateWanted = /state:(\w+)/.exec(query)?.[1];
        const parentWanted = /parent:(\S+)/.exec(query)?.[1];
        const list = allProjects.filter(
          p =>
            (!stateWanted || (p.state ?? 'ACTIVE') === stateWanted) &&
            (!parentWanted || p.parent === parentWanted),
        );
        const r = page(
          list,
          params,
          `projects:${query}`,
          sizes.projects,
          sizes.projects,
        );
        return {
          op: 'cloudresourcemanager.projects.search',
          body: {
            projects: r.items.map(projectJson),
            ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}),
          },
        };
      },
    },
    {
      method: 'GET',
      path: /^\/v3\/folders:search$/,
      handle: (_m, params) => {
        check('organization', 'resourcemanager.folders.get', 'folders');
        const r = page(model.folders, params, 'folders', 500, 500);
        return {
          op: 'cloudresourcemanager.folders.search',
          body: {
            folders: r.items.map(f => ({
              name: `folders/${f.id}`,
              parent: f.parent,
              displayName: f.displayName,
              state: 'ACTIVE',
            })),
            ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}),
          },
        };
      },
    },
    {
      method: 'GET',
      path: /^\/v3\/projects\/([^/:]+)$/,
      handle: m => {
        const p = projectOf(m[1]);
        check(p.projectId, 'resourcemanager.projects.get', `projects/${m[1]}`);
        return {
          op: 'cloudresourcemanager.projects.get',
          body: projectJson(p),
          project: p,
        };
      },
    },
    {
      method: 'POST',
      path: /^\/v3\/(projects|folders|organizations)\/([^/:]+):getIamPolicy$/,
      handle: m => {
        const [, kind, id] = m;
        if (kind === 'organizations') {
          if (id !== model.organizationId) {
            throw denied(
              'resourcemanager.organizations.getIamPolicy',
              `organizations/${id}`,
            );
          }
          check(
            'organization',
            'resourcemanager.organizations.getIamPolicy',
            `organizations/${id}`,
          );
          return {
            op: 'cloudresourcemanager.organizations.getIamPolicy',
            body: policyOf(model.organizationIamPolicy),
          };
        }
        if (kind === 'folders') {
          const f = folders.get(id);
          if (!f) throw denied('resourcemanager.folders.getIamPolicy', id);
          check(
            'organization',
            'resourcemanager.folders.getIamPolicy',
            `folders/${id}`,
          );
          return {
            op: 'cloudresourcemanager.folders.getIamPolicy',
            body: policyOf(f.iamPolicy),
          };
        }
        const p = projectOf(id);
        check(
          p.projectId,
          'resourcemanager.projects.getIamPolicy',
          `projects/${id}`,
        );
        return {
          op: 'cloudresourcemanager.projects.getIamPolicy',
          body: policyOf(p.iamPolicy),
          project: p,
        };
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/projects\/([^/]+)\/serviceAccounts$/,
      handle: (m, params) => {
        const p = projectOf(m[1]);
        check(p.projectId, 'iam.serviceAccounts.list', `projects/${m[1]}`);
        const r = page(
          p.serviceAccounts,
          params,
          `sa:${p.projectId}`,
          sizes.serviceAccounts,
          20,
        );
        return {
          op: 'iam.projects.serviceAccounts.list',
          body: {
            accounts: r.items.map(sa => accountJson(p, sa)),
            ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}),
          },
          project: p,
        };
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys$/,
      handle: (m, params) => {
        const p = projectOf(m[1]);
        const sa = accountIn(p, m[2]);
        const resource = `projects/${m[1]}/serviceAccounts/${m[2]}`;
        check(p.projectId, 'iam.serviceAccountKeys.list', resource);
        if (!sa) {
          throw new ApiError(404, 'NOT_FOUND', `Unknown service account`);
        }
        const types = params.getAll('keyTypes');
        const keys = [
          ...(types.length === 0 || types.includes('USER_MANAGED')
            ? sa.keys.map(k => keyJson(p, sa, k))
            : []),
          ...(types.length === 0 || types.includes('SYSTEM_MANAGED')
            ? [keyJson(p, sa, systemKey(sa), 'SYSTEM_MANAGED')]
            : []),
        ];
        return {
          op: 'iam.projects.serviceAccounts.keys.list',
          body: { keys },
          project: p,
        };
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+):getIamPolicy$/,
      handle: m => {
        const p = projectOf(m[1]);
        const sa = accountIn(p, m[2]);
        check(
          p.projectId,
          'iam.serviceAccounts.getIamPolicy',
          `projects/${m[1]}/serviceAccounts/${m[2]}`,
        );
        if (!sa) {
          throw new ApiError(404, 'NOT_FOUND', `Unknown service account`);
        }
        return {
          op: 'iam.projects.serviceAccounts.getIamPolicy',
          body: policyOf(sa.iamPolicy),
          project: p,
        };
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/projects\/([^/]+)\/assets$/,
      handle: (m, params) => {
        const p = projectOf(m[1]);
        if (faults.assetInventoryDisabled?.includes(p.projectId)) {
          throw disabled('cloudasset.googleapis.com', 'Cloud Asset API', p);
        }
        const contentType = params.get('contentType') ?? 'RESOURCE';
        const types = params.getAll('assetTypes');
        check(
          p.projectId,
          contentType === 'IAM_POLICY'
            ? 'cloudasset.assets.listIamPolicy'
            : 'cloudasset.assets.listResource',
          `projects/${m[1]}`,
        );
        const accountName = (sa: GcpModelServiceAccount) =>
          `//iam.googleapis.com/projects/${p.projectId}/serviceAccounts/${sa.uniqueId}`;
        const ancestors = [`projects/${p.number}`];
        const assets: unknown[] = [];
        if (
          contentType === 'RESOURCE' &&
          types.includes('iam.googleapis.com/ServiceAccountKey')
        ) {
          for (const sa of p.serviceAccounts) {
            const all = [
              ...sa.keys.map(k => [k, 'USER_MANAGED'] as const),
              ...(sa.keys.length
                ? [[systemKey(sa), 'SYSTEM_MANAGED'] as const]
                : []),
            ];
            for (const [k, keyType] of all) {
              assets.push({
                name: `${accountName(sa)}/keys/${k.id}`,
                assetType: 'iam.googleapis.com/ServiceAccountKey',
                resource: {
                  version: 'v1',
                  discoveryDocumentUri:
                    'https://iam.googleapis.com/$discovery/rest',
                  discoveryName: 'ServiceAccountKey',
                  parent: accountName(sa),
                  data: keyJson(p, sa, k, keyType),
                },
                ancestors,
                updateTime: k.createdAt,
              });
            }
          }
        }
        if (
          contentType === 'IAM_POLICY' &&
          types.includes('iam.googleapis.com/ServiceAccount')
        ) {
          for (const sa of p.serviceAccounts) {
            if (!sa.iamPolicy?.length) continue;
            assets.push({
              name: accountName(sa),
              assetType: 'iam.googleapis.com/ServiceAccount',
              iamPolicy: policyOf(sa.iamPolicy),
              ancestors,
              updateTime: p.createdAt,
            });
          }
        }
        const r = page(
          assets,
          params,
          `assets:${p.projectId}:${contentType}:${types.join(',')}`,
          sizes.assets,
          100,
        );
        return {
          op: 'cloudasset.assets.list',
          body: {
            readTime: now().toISOString(),
            assets: r.items,
            ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}),
          },
          project: p,
        };
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/projects\/([^/]+)\/locations\/global\/activityTypes\/(serviceAccountLastAuthentication|serviceAccountKeyLastAuthentication)\/activities:query$/,
      handle: (m, params) => {
        const p = projectOf(m[1]);
        const type = m[2];
        check(
          p.projectId,
          type === 'serviceAccountLastAuthentication'
            ? 'policyanalyzer.serviceAccountLastAuthenticationActivities.query'
            : 'policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query',
          `projects/${m[1]}`,
        );
        const end = now().toISOString();
        const activities: unknown[] = [];
        for (const sa of p.serviceAccounts) {
          const saName = `//iam.googleapis.com/projects/${p.projectId}/serviceAccounts/${sa.email}`;
          const serviceAccount = {
            serviceAccountId: sa.uniqueId,
            projectNumber: p.number,
            fullResourceName: saName,
          };
          if (type === 'serviceAccountLastAuthentication') {
            if (!sa.lastAuthenticatedAt) continue;
            activities.push({
              fullResourceName: saName,
              activityType: type,
              observationPeriod: { startTime: end, endTime: end },
              activity: {
                lastAuthenticatedTime: sa.lastAuthenticatedAt,
                serviceAccount,
              },
            });
          } else {
            for (const k of sa.keys) {
              if (!k.lastAuthenticatedAt) continue;
              const keyName = `${saName}/keys/${k.id}`;
              activities.push({
                fullResourceName: keyName,
                activityType: type,
                observationPeriod: { startTime: end, endTime: end },
                activity: {
                  lastAuthenticatedTime: k.lastAuthenticatedAt,
                  serviceAccount,
                  serviceAccountKey: {
                    serviceAccountId: sa.uniqueId,
                    projectNumber: p.number,
                    fullResourceName: keyName,
                  },
                },
              });
            }
          }
        }
        const r = page(
          activities,
          params,
          `activities:${p.projectId}:${type}`,
          sizes.activities,
          1000,
        );
        return {
          op: `policyanalyzer.activities.query:${type}`,
          body: {
            activities: r.items,
            ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}),
          },
          project: p,
        };
      },
    },
  ];

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, e: ApiError) =>
    send(
      res,
      e.code,
      {
        error: {
          code: e.code,
          message: e.message,
          ...(e.errors ? { errors: e.errors } : {}),
          status: e.status,
          ...(e.details.length ? { details: e.details } : {}),
        },
      },
      e.headers,
    );

  let throttleCount = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = routes.find(
        r => r.method === req.method && r.path.test(url.pathname),
      );
      const op = route ? undefined : `unknown ${req.method} ${url.pathname}`;
      try {
        if (!route) {
          calls[op!] = (calls[op!] ?? 0) + 1;
          throw new ApiError(404, 'NOT_FOUND', `No route ${url.pathname}`);
        }
        if (req.headers.authorization !== `Bearer ${accessToken}`) {
          throw new ApiError(
            401,
            'UNAUTHENTICATED',
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          );
        }
        const m = route.path.exec(url.pathname)!;
        if (faults.throttleRate && random() < faults.throttleRate) {
          throttled++;
          throttleCount++;
          calls.throttled = (calls.throttled ?? 0) + 1;
          if (throttleCount % 2) {
            throw new ApiError(
              429,
              'RESOURCE_EXHAUSTED',
              "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service.",
              [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'RATE_LIMIT_EXCEEDED',
                  domain: 'googleapis.com',
                  metadata: { quota_limit: 'ReadRequestsPerMinutePerProject' },
                },
              ],
              undefined,
              { 'retry-after': String(faults.retryAfterSeconds ?? 0) },
            );
          }
          throw new ApiError(
            403,
            'PERMISSION_DENIED',
            'Rate Limit Exceeded',
            [],
            [
              {
                message: 'Rate Limit Exceeded',
                domain: 'usageLimits',
                reason: 'rateLimitExceeded',
              },
            ],
          );
        }
        const out = route.handle(m, url.searchParams);
        calls[out.op] = (calls[out.op] ?? 0) + 1;
        send(res, 200, out.body);
      } catch (e) {
        if (e instanceof ApiError) sendError(res, e);
        else {
          sendError(
            res,
            new ApiError(500, 'INTERNAL', (e as Error)?.message ?? 'error'),
          );
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accessToken,
    calls,
    get throttled() {
      return throttled;
    },
    totalCalls: () =>
      Object.entries(calls)
        .filter(([k]) => k !== 'throttled')
        .reduce((n, [, v]) => n + v, 0) + throttled,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
