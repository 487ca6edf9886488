import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { seededRandom } from '@backstage-nhi/plugin-nhi-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { EntraTenantModel } from './model';

/** The token the endpoint accepts unless told otherwise. @public */
export const FAKE_GRAPH_TOKEN = 'nhi-fake-graph-token';

/**
 * A `TokenCredential` that returns a fixed token without asking anyone: the
 * credential to read the fake Graph endpoint with (no call leaves the
 * machine). Counts the tokens it was asked for.
 *
 * @public
 */
export class StaticTokenCredential implements TokenCredential {
  /** Scopes asked for, in order. */
  readonly requests: string[] = [];

  constructor(
    private readonly token: string = FAKE_GRAPH_TOKEN,
    private readonly lifetimeMs: number = 3_600_000,
  ) {}

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.requests.push(...([] as string[]).concat(scopes));
    return {
      token: this.token,
      expiresOnTimestamp: Date.now() + this.lifetimeMs,
    };
  }
}

/**
 * Parts of the tenant the endpoint refuses with 403
 * `Authorization_RequestDenied`, as Graph does when the caller lacks the
 * permission:
 *
 * - `servicePrincipals`, `applications`, `federatedIdentityCredentials`,
 *   `owners`, `appRoleAssignments` (Application.Read.All);
 * - `roleManagement` (RoleManagement.Read.Directory);
 * - `reports` (AuditLog.Read.All).
 *
 * @public
 */
export type GraphEndpointPart =
  | 'servicePrincipals'
  | 'applications'
  | 'federatedIdentityCredentials'
  | 'owners'
  | 'appRoleAssignments'
  | 'roleManagement'
  | 'reports';

/**
 * Faults the endpoint injects.
 *
 * @public
 */
export interface GraphEndpointFaults {
  /** Fraction (0–1) of requests, and of `$batch` parts, answered 429. */
  throttleRate?: number;
  /** The first this many requests (and `$batch` parts) are answered 429. */
  throttleFirst?: number;
  /** The `Retry-After` of a 429, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Seed of the throttling draws. */
  seed?: number;
  /** Parts refused with 403 Authorization_RequestDenied. */
  deny?: GraphEndpointPart[];
  /** The reports answer as in a tenant without Entra ID P1 or P2. */
  noPremiumLicence?: boolean;
}

/**
 * Options of {@link startGraphEndpoint}.
 *
 * @public
 */
export interface GraphEndpointOptions {
  model: EntraTenantModel;
  /** Port on 127.0.0.1; a free one by default. */
  port?: number;
  /** The bearer token requests must carry. Default {@link FAKE_GRAPH_TOKEN}. */
  token?: string;
  faults?: GraphEndpointFaults;
}

/**
 * A running endpoint.
 *
 * @public
 */
export interface GraphEndpoint {
  /** `http://127.0.0.1:<port>`: the Graph root (without a version). */
  url: string;
  /** Requests by `<METHOD> /<version>/<path>` (ids as `{id}`), retries and throttled ones included. */
  calls: Record<string, number>;
  /** Requests carried inside `$batch` calls. */
  batchedRequests: number;
  /** Requests and `$batch` parts answered 429. */
  throttled: number;
  /** Sum of {@link GraphEndpoint.calls}. */
  totalCalls(): number;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

class GraphFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TOP = 999;
const DEFAULT_TOP = 100;
/** Graph caps pages of directory objects at 100 with `$expand`, and expanded owners at 20. */
const EXPAND_PAGE = 100;
const EXPANDED_OWNERS = 20;

/** Splits at commas outside parentheses: `a,owners($select=b,c)` → `a`, `owners($select=b,c)`. */
function splitTop(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** `owners($select=id,mail)` → `{ name: 'owners', select: ['id', 'mail'] }`. */
function parseExpand(value: string | null) {
  if (!value) return [];
  return splitTop(value).map(item => {
    const m = /^(\w+)(?:\((.*)\))?$/.exec(item);
    if (!m) {
      throw new GraphFault(400, 'BadRequest', `Invalid $expand: ${item}`);
    }
    const select = /\$select=([^;)]*)/.exec(m[2] ?? '')?.[1];
    return {
      name: m[1],
      select: select ? select.split(',').map(s => s.trim()) : undefined,
    };
  });
}

function project(
  item: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return { ...item };
  const out: Record<string, unknown> = { id: item.id };
  for (const key of select) {
    if (key in item) out[key] = item[key];
    else out[key] = null;
  }
  return out;
}

function errorBody(code: string, message: string) {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': '00000000-0000-0000-0000-000000000000',
        'client-request-id': '00000000-0000-0000-0000-000000000000',
      },
    },
  };
}

/**
 * Starts an HTTP endpoint on 127.0.0.1 that answers, from an in-memory
 * tenant, what the Microsoft Graph JavaScript client sends for the source's
 * reads, in Graph's JSON: collections with `@odata.context`, `value` and
 * `@odata.nextLink` (`$skiptoken`), `$select`, `$expand` (owners with at
 * most 20 per object and pages of at most 100, federated identity
 * credentials), `$top` (at most 999), JSON `$batch` of up to 20 requests,
 * the beta sign-in activity reports (which v1.0 does not have), a bearer
 * token on every request, 429 with `Retry-After`, and 403 with Graph's
 * error body for the parts denied.
 *
 * @public
 */
export async function startGraphEndpoint(
  options: GraphEndpointOptions,
): Promise<GraphEndpoint> {
  const { model } = options;
  const token = options.token ?? FAKE_GRAPH_TOKEN;
  const faults = options.faults ?? {};
  const denied = new Set(faults.deny ?? []);
  const random = seededRandom(faults.seed ?? 1);
  const calls: Record<string, number> = {};
  let batchedRequests = 0;
  let throttled = 0;
  let requests = 0;

  const users = new Map(model.users.map(u => [u.id, u]));
  const sps = new Map(model.servicePrincipals.map(s => [s.id, s]));
  const spsByAppId = new Map(model.servicePrincipals.map(s => [s.appId, s]));
  const apps = new Map(model.applications.map(a => [a.id, a]));
  const grantsByResource = new Map<string, typeof model.appRoleAssignments>();
  for (const g of model.appRoleAssignments) {
    const list = grantsByResource.get(g.resourceId) ?? [];
    list.push(g);
    grantsByResource.set(g.resourceId, list);
  }

  let base = '';

  const ownerObject = (id: string, select?: string[]) => {
    const user = users.get(id);
    if (user) {
      return {
        '@odata.type': '#microsoft.graph.user',
        ...project({ ...user }, select),
      };
    }
    const sp = sps.get(id);
    if (sp) {
      return {
        '@odata.type': '#microsoft.graph.servicePrincipal',
        ...project({ id: sp.id, displayName: sp.displayName }, select),
      };
    }
    return { '@odata.type': '#microsoft.graph.directoryObject', id };
  };

  const deny = (part: GraphEndpointPart) => {
    if (!denied.has(part)) return;
    throw new GraphFault(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  };

  const throttle = () => {
    requests++;
    const first = faults.throttleFirst ?? 0;
    if (
      requests <= first ||
      (faults.throttleRate && random() < faults.throttleRate)
    ) {
      throttled++;
      throw new GraphFault(
        429,
        'TooManyRequests',
        'Too many requests. Please retry after the time the Retry-After header says.',
        { 'Retry-After': String(faults.retryAfterSeconds ?? 1) },
      );
    }
  };

  /** One page of a collection, with `$top`, `$skiptoken` and `$select`. */
  const page = (
    version: string,
    path: string,
    query: URLSearchParams,
    items: Array<Record<string, unknown>>,
    context: string,
    map: (item: Record<string, unknown>) => Record<string, unknown> = i => i,
    maxPage = MAX_TOP,
  ) => {
    const topValue = query.get('$top');
    const top = topValue === null ? DEFAULT_TOP : Number(topValue);
    if (!Number.isInteger(top) || top < 1) {
      throw new GraphFault(
        400,
        'BadRequest',
        `Invalid $top value: ${topValue}`,
      );
    }
    if (top > MAX_TOP) {
      throw new GraphFault(
        400,
        'Request_UnsupportedQuery',
        `Invalid page size specified: '${top}'. Must be between 1 and ${MAX_TOP} inclusive.`,
      );
    }
    const size = Math.min(top, maxPage);
    const skip = query.get('$skiptoken');
    let offset = 0;
    if (skip) {
      try {
        offset = JSON.parse(Buffer.from(skip, 'base64url').toString()).o;
      } catch {
        throw new GraphFault(400, 'BadRequest', 'Invalid $skiptoken');
      }
    }
    const expanded = parseExpand(query.get('$expand')).map(e => e.name);
    const select = query
      .get('$select')
      ?.split(',')
      .map(s => s.trim())
      .concat(expanded);
    const value = items
      .slice(offset, offset + size)
      .map(i => project(map(i), select));
    const body: Record<string, unknown> = {
      '@odata.context': `${base}/${version}/$metadata#${context}`,
      value,
    };
    if (offset + size < items.length) {
      const next = new URLSearchParams(query);
      next.set(
        '$skiptoken',
        Buffer.from(JSON.stringify({ o: offset + size })).toString('base64url'),
      );
      body['@odata.nextLink'] = `${base}/${version}/${path}?${next
        .toString()
        .replace(/%24/g, '$')
        .replace(/%2C/g, ',')}`;
    }
    return body;
  };

  const withOwners = (
    item: { owners: string[] } & Record<string, unknown>,
    select: string[] | undefined,
  ) => ({
    ...item,
    owners: item.owners
      .slice(0, EXPANDED_OWNERS)
      .map(id => ownerObject(id, select)),
  });

  /** Answers one GET (top-level or inside a `$batch`). */
  const get = (version: string, rawPath: string, query: URLSearchParams) => {
    const path = rawPath.replace(/^\/+|\/+$/g, '');
    const expand = parseExpand(query.get('$expand'));
    const ownersExpand = expand.find(e => e.name === 'owners');
    const ficExpand = expand.find(
      e => e.name === 'federatedIdentityCredentials',
    );
    const unknown = expand.find(
      e => e.name !== 'owners' && e.name !== 'federatedIdentityCredentials',
    );
    if (unknown) {
      throw new GraphFault(
        400,
        'BadRequest',
        `Could not find a property named '${unknown.name}' on type 'microsoft.graph.directoryObject'.`,
      );
    }
    if (expand.length > 1) {
      throw new GraphFault(
        400,
        'Request_UnsupportedQuery',
        'Expanding more than one navigation property is not supported here.',
      );
    }
    const maxPage = expand.length ? EXPAND_PAGE : MAX_TOP;

    if (path === 'servicePrincipals') {
      deny('servicePrincipals');
      if (ficExpand) {
        throw new GraphFault(
          400,
          'BadRequest',
          "Could not find a property named 'federatedIdentityCredentials' on type 'microsoft.graph.servicePrincipal'.",
        );
      }
      return page(
        version,
        path,
        query,
        model.servicePrincipals as unknown as Array<Record<string, unknown>>,
        'servicePrincipals',
        sp => {
          const { appRoles, ...rest } = sp as any;
          const out = { ...rest, appRoles };
          return ownersExpand
            ? withOwners(out, ownersExpand.select)
            : (({ owners, ...r }) => r)(out);
        },
        maxPage,
      );
    }
    if (path === 'applications') {
      deny(ficExpand ? 'federatedIdentityCredentials' : 'applications');
      return page(
        version,
        path,
        query,
        model.applications as unknown as Array<Record<string, unknown>>,
        'applications',
        app => {
          const { owners, federatedIdentityCredentials, ...rest } = app as any;
          if (ownersExpand)
            return withOwners({ ...rest, owners }, ownersExpand.select);
          if (ficExpand) {
            return {
              ...rest,
              federatedIdentityCredentials: (
                federatedIdentityCredentials as Array<Record<string, unknown>>
              ).map(f => project(f, ficExpand.select)),
            };
          }
          return rest;
        },
        maxPage,
      );
    }
    let m = /^(servicePrincipals|applications)\/([^/]+)\/owners$/.exec(path);
    if (m) {
      deny('owners');
      const owner = m[1] === 'applications' ? apps.get(m[2]) : sps.get(m[2]);
      if (!owner) {
        throw new GraphFault(
          404,
          'Request_ResourceNotFound',
          `Resource '${m[2]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      const select = query.get('$select')?.split(',');
      return page(
        version,
        path,
        new URLSearchParams([...query].filter(([k]) => k !== '$select')),
        owner.owners.map(id => ownerObject(id, select)),
        'directoryObjects',
      );
    }
    m =
      /^servicePrincipals(?:\(appId='([^']+)'\)|\/([^/]+))(\/appRoleAssignedTo)?$/.exec(
        path,
      );
    if (m) {
      deny('appRoleAssignments');
      const sp = m[1] ? spsByAppId.get(m[1]) : sps.get(m[2]);
      if (!sp) {
        throw new GraphFault(
          404,
          'Request_ResourceNotFound',
          `Resource '${
            m[1] ?? m[2]
          }' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      if (!m[3]) {
        const select = query.get('$select')?.split(',');
        return {
          '@odata.context': `${base}/${version}/$metadata#servicePrincipals/$entity`,
          ...project(sp as unknown as Record<string, unknown>, select),
        };
      }
      return page(
        version,
        path,
        query,
        (grantsByResource.get(sp.id) ?? []) as unknown as Array<
          Record<string, unknown>
        >,
        `servicePrincipals('${sp.id}')/appRoleAssignedTo`,
      );
    }
    if (path === 'roleManagement/directory/roleDefinitions') {
      deny('roleManagement');
      return page(
        version,
        path,
        query,
        model.roleDefinitions as unknown as Array<Record<string, unknown>>,
        'roleManagement/directory/roleDefinitions',
      );
    }
    if (path === 'roleManagement/directory/roleAssignments') {
      deny('roleManagement');
      return page(
        version,
        path,
        query,
        model.roleAssignments as unknown as Array<Record<string, unknown>>,
        'roleManagement/directory/roleAssignments',
      );
    }
    m =
      /^reports\/(servicePrincipalSignInActivities|appCredentialSignInActivities)$/.exec(
        path,
      );
    if (m) {
      if (version !== 'beta') {
        throw new GraphFault(
          400,
          'BadRequest',
          `Resource not found for the segment '${m[1]}'.`,
        );
      }
      deny('reports');
      if (faults.noPremiumLicence) {
        throw new GraphFault(
          403,
          'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
          "Neither tenant is B2C or tenant doesn't have premium license",
        );
      }
      const rows =
        m[1] === 'servicePrincipalSignInActivities'
          ? model.servicePrincipalSignInActivities.map(r => ({
              id: Buffer.from(r.appId).toString('base64'),
              ...r,
            }))
          : model.appCredentialSignInActivities.map((r, i) => ({
              id: Buffer.from(`${r.keyId}:${i}`).toString('base64'),
              ...r,
            }));
      return page(
        version,
        path,
        query,
        rows as unknown as Array<Record<string, unknown>>,
        `reports/${m[1]}`,
      );
    }
    throw new GraphFault(
      400,
      'BadRequest',
      `Resource not found for the segment '${path.split('/')[0]}'.`,
    );
  };

  const key = (method: string, version: string, path: string) =>
    `${method} /${version}/${path
      .replace(/^\/+/, '')
      .replace(/\?.*$/, '')
      .split('/')
      .map(s => (GUID.test(s) ? '{id}' : s))
      .join('/')
      .replace(/\(appId='[^']*'\)/, '(appId={appId})')}`;

  const answer = (fn: () => unknown): Answer => {
    try {
      throttle();
      return { status: 200, body: fn() };
    } catch (e) {
      if (e instanceof GraphFault) {
        return {
          status: e.status,
          headers: e.headers,
          body: errorBody(e.code, e.message),
        };
      }
      return {
        status: 500,
        body: errorBody('InternalServerError', String(e)),
      };
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const [, version, ...rest] = decodeURIComponent(url.pathname).split('/');
      const path = rest.join('/');
      const method = req.method ?? 'GET';
      calls[key(method, version, path)] =
        (calls[key(method, version, path)] ?? 0) + 1;
      const send = (a: Answer) => {
        res.writeHead(a.status, {
          'Content-Type': 'application/json; odata.metadata=minimal',
          ...a.headers,
        });
        res.end(a.body === undefined ? undefined : JSON.stringify(a.body));
      };
      if (req.headers.authorization !== `Bearer ${token}`) {
        send({
          status: 401,
          body: errorBody(
            'InvalidAuthenticationToken',
            req.headers.authorization
              ? 'Access token validation failure. Invalid audience.'
              : 'Access token is empty.',
          ),
        });
        return;
      }
      if (version !== 'v1.0' && version !== 'beta') {
        send({
          status: 400,
          body: errorBody('BadRequest', `Invalid version: ${version}`),
        });
        return;
      }
      if (method === 'POST' && path === '$batch') {
        let requestsOf: Array<{ id: string; method: string; url: string }>;
        try {
          requestsOf = JSON.parse(Buffer.concat(chunks).toString()).requests;
        } catch {
          send({
            status: 400,
            body: errorBody('BadRequest', 'Invalid batch payload.'),
          });
          return;
        }
        if (!Array.isArray(requestsOf) || requestsOf.length > 20) {
          send({
            status: 400,
            body: errorBody(
              'BadRequest',
              'A maximum of 20 requests is allowed in a batch.',
            ),
          });
          return;
        }
        const responses = requestsOf.map(r => {
          batchedRequests++;
          const sub = new URL(
            r.url.startsWith('/') ? r.url : `/${r.url}`,
            base,
          );
          if ((r.method ?? 'GET').toUpperCase() !== 'GET') {
            return {
              id: r.id,
              status: 405,
              body: errorBody('BadRequest', 'Only GET in this batch.'),
            };
          }
          const a = answer(() =>
            get(version, decodeURIComponent(sub.pathname), sub.searchParams),
          );
          return { id: r.id, ...a };
        });
        send({ status: 200, body: { responses } });
        return;
      }
      if (method !== 'GET') {
        send({
          status: 405,
          body: errorBody('BadRequest', 'Method not allowed.'),
        });
        return;
      }
      send(answer(() => get(version, path, url.searchParams)));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    calls,
    get batchedRequests() {
      return batchedRequests;
    },
    get throttled() {
      return throttled;
    },
    totalCalls: () => Object.values(calls).reduce((s, n) => s + n, 0),
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
