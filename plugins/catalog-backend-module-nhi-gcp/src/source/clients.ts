import { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import { iam_v1 } from '@googleapis/iam';
import {
  APIRequestContext,
  createAPIRequest,
  GlobalOptions,
  GoogleAuth,
  OAuth2Client,
} from 'googleapis-common';
import {
  GcpApiError,
  isRetryable,
  isThrottling,
  retryAfterMs,
  toGcpApiError,
} from './errors';

/**
 * The OAuth scope the source asks for. Cloud Asset Inventory and Policy
 * Analyzer accept only `cloud-platform`; what the source may do is what
 * the principal's IAM roles allow (read-only roles, see the README).
 */
export const CLOUD_PLATFORM_SCOPE =
  'https://www.googleapis.com/auth/cloud-platform';

/**
 * What authenticates the source's requests: a google-auth-library client
 * (`GoogleAuth` with a key file or Application Default Credentials, or an
 * `OAuth2Client`, e.g. one holding a fixed access token).
 *
 * @public
 */
export type GcpAuthClient = GoogleAuth | OAuth2Client;

/**
 * Counts the Google API operations a read issues (by operation name), the
 * HTTP attempts they took and the waits for throttling.
 *
 * @public
 */
export class GcpCallCounter {
  /** Calls by operation, e.g. `iam.projects.serviceAccounts.list`. */
  readonly operations = new Map<string, number>();
  /** HTTP attempts, retries included. */
  attempts = 0;
  /** Attempts answered with throttling or a quota error. */
  throttled = 0;
  /** Time spent waiting before retries, in ms. */
  waitedMs = 0;

  add(operation: string): void {
    this.operations.set(operation, (this.operations.get(operation) ?? 0) + 1);
  }

  /** Calls of operations starting with `prefix` (e.g. `iam.`), or all. */
  total(prefix = ''): number {
    let n = 0;
    for (const [k, v] of this.operations) if (k.startsWith(prefix)) n += v;
    return n;
  }
}

/**
 * How the source's clients retry and where they send requests.
 *
 * @public
 */
export interface GcpClientSettings {
  auth: GcpAuthClient;
  /** One root URL for every API (emulators, tests, demos); Google's own per API when absent. */
  rootUrl?: string;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Base of the exponential backoff in ms (full jitter). Default 1000. */
  retryBaseDelayMs?: number;
  /** Longest single wait, Retry-After included, in ms. Default 60,000. */
  maxRetryDelayMs?: number;
  /** Longest time one HTTP attempt may take, in ms; a slower one is retried. Default 60,000. */
  requestTimeoutMs?: number;
  /** How to wait; for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A policy binding as the IAM and Resource Manager APIs return it. */
export interface GcpBinding {
  role?: string | null;
  members?: string[] | null;
  condition?: { title?: string | null; expression?: string | null } | null;
}

/** An IAM policy (version 3). */
export interface GcpPolicy {
  bindings?: GcpBinding[] | null;
  etag?: string | null;
  version?: number | null;
}

/** One Cloud Asset Inventory asset (`assets.list`). */
export interface GcpAsset {
  name?: string;
  assetType?: string;
  resource?: {
    parent?: string;
    data?: Record<string, unknown>;
  };
  iamPolicy?: GcpPolicy;
  updateTime?: string;
}

/** One Policy Analyzer activity (`activities.query`). */
export interface GcpActivity {
  fullResourceName?: string;
  activityType?: string;
  observationPeriod?: { startTime?: string; endTime?: string };
  activity?: {
    lastAuthenticatedTime?: string;
    serviceAccount?: {
      serviceAccountId?: string;
      projectNumber?: string;
      fullResourceName?: string;
    };
    serviceAccountKey?: {
      serviceAccountId?: string;
      projectNumber?: string;
      fullResourceName?: string;
    };
  };
}

/** What a call resolves to: the parsed body (and more the source ignores). */
type ApiResponse<T> = Promise<{ data: T }>;

/** A page of a list call. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('aborted'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    function onAbort() {
      clearTimeout(timer);
      reject(new Error('aborted'));
    }
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A minimal client of an API without a per-API package of Google's
 * (Cloud Asset Inventory, Policy Analyzer), built the way the generated
 * clients are: `createAPIRequest` of googleapis-common, with the same
 * auth, options and error handling.
 */
function request<T>(
  context: APIRequestContext,
  defaultRoot: string,
  path: string,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): ApiResponse<T> {
  const rootUrl = context._options.rootUrl || defaultRoot;
  return createAPIRequest<T>({
    options: {
      url: `${rootUrl}${path}`.replace(/([^:]\/)\/+/g, '$1'),
      method: 'GET',
      apiVersion: '',
      signal,
    },
    params,
    requiredParams: [],
    pathParams: [],
    context,
  });
}

/**
 * The Google API clients of one read: Resource Manager v3 and IAM v1 from
 * Google's per-API packages, Cloud Asset Inventory v1 and Policy Analyzer
 * v1 on googleapis-common; one auth client, counted calls, and bounded
 * retries that wait out 429, quota errors (403 `rateLimitExceeded`,
 * `RESOURCE_EXHAUSTED`) and 5xx, honouring `Retry-After`.
 *
 * @public
 */
export class GcpClients {
  private readonly crm: cloudresourcemanager_v3.Cloudresourcemanager;
  private readonly iam: iam_v1.Iam;
  private readonly raw: APIRequestContext;

  constructor(
    private readonly settings: GcpClientSettings,
    readonly counter: GcpCallCounter,
  ) {
    const options: GlobalOptions = {
      auth: settings.auth,
      // Retries are ours: gaxios's would neither count, nor read Retry-After,
      // nor retry a 403 quota error or a POST.
      retry: false,
      timeout: settings.requestTimeoutMs ?? 60_000,
      // Node's own fetch: gaxios would otherwise load node-fetch with a
      // dynamic import on first use (which a CommonJS test VM refuses).
      fetchImplementation:
        globalThis.fetch as GlobalOptions['fetchImplementation'],
      ...(settings.rootUrl ? { rootUrl: settings.rootUrl } : {}),
    };
    this.crm = new cloudresourcemanager_v3.Cloudresourcemanager(options);
    this.iam = new iam_v1.Iam(options);
    this.raw = { _options: options };
  }

  /**
   * Runs one operation with bounded retries. `permission` is what the
   * operation needs, named in the error when Google's refusal does not.
   */
  async call<T>(
    operation: string,
    permission: string | undefined,
    fn: () => ApiResponse<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    this.counter.add(operation);
    const sleep = this.settings.sleep ?? defaultSleep;
    const base = this.settings.retryBaseDelayMs ?? 1000;
    const cap = this.settings.maxRetryDelayMs ?? 60_000;
    for (let attempt = 1; ; attempt++) {
      this.counter.attempts++;
      try {
        const res = await fn();
        return res.data;
      } catch (e) {
        if (signal?.aborted) throw e;
        const throttled = isThrottling(e);
        if (throttled) this.counter.throttled++;
        if (!isRetryable(e) || attempt >= this.settings.maxAttempts) {
          const err = toGcpApiError(operation, e, permission);
          if (isRetryable(e)) {
            throw new GcpApiError(
              operation,
              err.httpStatus,
              err.status,
              `${err.detail} (gave up after ${attempt} attempts)`,
            );
          }
          throw err;
        }
        const asked = throttled ? retryAfterMs(e) : undefined;
        const backoff = Math.floor(
          Math.random() * Math.min(base * 2 ** (attempt - 1), cap),
        );
        const wait = Math.min(asked ?? backoff, cap);
        this.counter.waitedMs += wait;
        await sleep(wait, signal);
      }
    }
  }

  /** `projects.search` (v3): every project the caller may see matching `query`. */
  async searchProjects(
    query: string | undefined,
    pageToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<Page<cloudresourcemanager_v3.Schema$Project>> {
    const data = await this.call(
      'cloudresourcemanager.projects.search',
      'resourcemanager.projects.get',
      () =>
        this.crm.projects.search(
          { query, pageToken, pageSize: 500 },
          { signal },
        ),
      signal,
    );
    return {
      items: data.projects ?? [],
      nextPageToken: data.nextPageToken ?? undefined,
    };
  }

  /** `projects.get` (v3) of one project id. */
  getProject(
    projectId: string,
    signal?: AbortSignal,
  ): Promise<cloudresourcemanager_v3.Schema$Project> {
    return this.call(
      'cloudresourcemanager.projects.get',
      'resourcemanager.projects.get',
      () =>
        this.crm.projects.get({ name: `projects/${projectId}` }, { signal }),
      signal,
    );
  }

  /** `folders.search` (v3): every folder the caller may see. */
  async searchFolders(
    pageToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<Page<cloudresourcemanager_v3.Schema$Folder>> {
    const data = await this.call(
      'cloudresourcemanager.folders.search',
      'resourcemanager.folders.get',
      () =>
        this.crm.folders.search(
          { query: 'state:ACTIVE', pageToken, pageSize: 500 },
          { signal },
        ),
      signal,
    );
    return {
      items: data.folders ?? [],
      nextPageToken: data.nextPageToken ?? undefined,
    };
  }

  /** `getIamPolicy` (v3) of a project, folder or organization (`projects/x`, `folders/1`, `organizations/1`). */
  resourceIamPolicy(
    resource: string,
    signal?: AbortSignal,
  ): Promise<GcpPolicy> {
    const kind = resource.split('/')[0];
    const body = { options: { requestedPolicyVersion: 3 } };
    if (kind === 'organizations') {
      return this.call(
        'cloudresourcemanager.organizations.getIamPolicy',
        'resourcemanager.organizations.getIamPolicy',
        () =>
          this.crm.organizations.getIamPolicy(
            { resource, requestBody: body },
            { signal },
          ),
        signal,
      );
    }
    if (kind === 'folders') {
      return this.call(
        'cloudresourcemanager.folders.getIamPolicy',
        'resourcemanager.folders.getIamPolicy',
        () =>
          this.crm.folders.getIamPolicy(
            { resource, requestBody: body },
            { signal },
          ),
        signal,
      );
    }
    return this.call(
      'cloudresourcemanager.projects.getIamPolicy',
      'resourcemanager.projects.getIamPolicy',
      () =>
        this.crm.projects.getIamPolicy(
          { resource, requestBody: body },
          { signal },
        ),
      signal,
    );
  }

  /** `projects.serviceAccounts.list` (IAM v1), 100 a page. */
  async listServiceAccounts(
    projectId: string,
    pageToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<Page<iam_v1.Schema$ServiceAccount>> {
    const data = await this.call(
      'iam.projects.serviceAccounts.list',
      'iam.serviceAccounts.list',
      () =>
        this.iam.projects.serviceAccounts.list(
          { name: `projects/${projectId}`, pageSize: 100, pageToken },
          { signal },
        ),
      signal,
    );
    return {
      items: data.accounts ?? [],
      nextPageToken: data.nextPageToken ?? undefined,
    };
  }

  /** `projects.serviceAccounts.keys.list` (IAM v1) of one account, user-managed keys only. */
  async listKeys(
    projectId: string,
    email: string,
    signal?: AbortSignal,
  ): Promise<iam_v1.Schema$ServiceAccountKey[]> {
    const data = await this.call(
      'iam.projects.serviceAccounts.keys.list',
      'iam.serviceAccountKeys.list',
      () =>
        this.iam.projects.serviceAccounts.keys.list(
          {
            name: `projects/${projectId}/serviceAccounts/${email}`,
            keyTypes: ['USER_MANAGED'],
          },
          { signal },
        ),
      signal,
    );
    return data.keys ?? [];
  }

  /** `projects.serviceAccounts.getIamPolicy` (IAM v1): who may act as one account. */
  serviceAccountIamPolicy(
    projectId: string,
    email: string,
    signal?: AbortSignal,
  ): Promise<GcpPolicy> {
    return this.call(
      'iam.projects.serviceAccounts.getIamPolicy',
      'iam.serviceAccounts.getIamPolicy',
      () =>
        this.iam.projects.serviceAccounts.getIamPolicy(
          {
            resource: `projects/${projectId}/serviceAccounts/${email}`,
            'options.requestedPolicyVersion': 3,
          },
          { signal },
        ),
      signal,
    );
  }

  /**
   * Cloud Asset Inventory `assets.list` (v1) under a project: the assets of
   * one type with their resource data or their IAM policy, 1,000 a page.
   */
  async listAssets(
    projectId: string,
    assetType: string,
    contentType: 'RESOURCE' | 'IAM_POLICY',
    pageToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<Page<GcpAsset>> {
    const data = await this.call<{
      assets?: GcpAsset[];
      nextPageToken?: string;
    }>(
      'cloudasset.assets.list',
      contentType === 'RESOURCE'
        ? 'cloudasset.assets.listResource'
        : 'cloudasset.assets.listIamPolicy',
      () =>
        request(
          this.raw,
          'https://cloudasset.googleapis.com/',
          `/v1/projects/${encodeURIComponent(projectId)}/assets`,
          { assetTypes: assetType, contentType, pageSize: 1000, pageToken },
          signal,
        ),
      signal,
    );
    return {
      items: data.assets ?? [],
      nextPageToken: data.nextPageToken || undefined,
    };
  }

  /**
   * Policy Analyzer `projects.locations.activityTypes.activities.query`
   * (v1, location `global`): `serviceAccountLastAuthentication` or
   * `serviceAccountKeyLastAuthentication` of a project, 1,000 a page.
   */
  async queryActivities(
    projectId: string,
    activityType:
      | 'serviceAccountLastAuthentication'
      | 'serviceAccountKeyLastAuthentication',
    pageToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<Page<GcpActivity>> {
    const data = await this.call<{
      activities?: GcpActivity[];
      nextPageToken?: string;
    }>(
      `policyanalyzer.activities.query:${activityType}`,
      activityType === 'serviceAccountLastAuthentication'
        ? 'policyanalyzer.serviceAccountLastAuthenticationActivities.query'
        : 'policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query',
      () =>
        request(
          this.raw,
          'https://policyanalyzer.googleapis.com/',
          `/v1/projects/${encodeURIComponent(
            projectId,
          )}/locations/global/activityTypes/${activityType}/activities:query`,
          { pageSize: 1000, pageToken },
          signal,
        ),
      signal,
    );
    return {
      items: data.activities ?? [],
      nextPageToken: data.nextPageToken || undefined,
    };
  }
}

/**
 * Reads every page of a list call, refusing a page token that comes twice
 * (a server bug would otherwise loop for ever).
 */
export async function readAllPages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    out.push(...page.items);
    token = page.nextPageToken;
    if (token) {
      if (seen.has(token)) {
        throw new Error(`the page token ${token.slice(0, 16)}… came twice`);
      }
      seen.add(token);
    }
  } while (token);
  return out;
}
