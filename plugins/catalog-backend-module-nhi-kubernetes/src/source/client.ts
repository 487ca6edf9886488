import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import fs from 'node:fs/promises';
import { KubernetesClusterConfig } from '../config';

/**
 * The resource types the source lists, one paginated list per type per
 * cluster, across all namespaces.
 *
 * @public
 */
export type ListedResource =
  | 'namespaces'
  | 'serviceaccounts'
  | 'secrets'
  | 'pods'
  | 'replicasets'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'jobs'
  | 'cronjobs'
  | 'roles'
  | 'clusterroles'
  | 'rolebindings'
  | 'clusterrolebindings';

/** API group of each listed resource, for messages naming a permission. */
export const RESOURCE_GROUPS: Record<ListedResource, string> = {
  namespaces: '',
  serviceaccounts: '',
  secrets: '',
  pods: '',
  replicasets: 'apps',
  deployments: 'apps',
  statefulsets: 'apps',
  daemonsets: 'apps',
  jobs: 'batch',
  cronjobs: 'batch',
  roles: 'rbac.authorization.k8s.io',
  clusterroles: 'rbac.authorization.k8s.io',
  rolebindings: 'rbac.authorization.k8s.io',
  clusterrolebindings: 'rbac.authorization.k8s.io',
};

const CLUSTER_SCOPED = new Set<ListedResource>([
  'namespaces',
  'clusterroles',
  'clusterrolebindings',
]);

/** `roles.rbac.authorization.k8s.io`, `serviceaccounts`: how RBAC names a resource. */
export const groupResource = (r: ListedResource) =>
  RESOURCE_GROUPS[r] ? `${r}.${RESOURCE_GROUPS[r]}` : r;

/** The permission a list needs, as a sentence. */
export const listPermission = (r: ListedResource) =>
  `list on ${groupResource(r)}${
    CLUSTER_SCOPED.has(r) ? '' : ' in all namespaces'
  } (a ClusterRole bound with a ClusterRoleBinding)`;

/**
 * Counts what a read asks of the API servers: requests (one per page, and
 * one per restart of a list), HTTP attempts (retries included) and list
 * restarts after an expired continue token.
 *
 * @public
 */
export class KubernetesCallCounter {
  /** Requests by resource type, retries not counted. */
  readonly requests = new Map<string, number>();
  /** HTTP attempts, retries included. */
  attempts = 0;
  /** Lists restarted from the first page after 410 Gone. */
  restarts = 0;
  /** Attempts answered 429 and waited out. */
  throttled = 0;

  add(resource: string): void {
    this.requests.set(resource, (this.requests.get(resource) ?? 0) + 1);
  }

  /** Requests of all resource types. */
  total(): number {
    let n = 0;
    for (const count of this.requests.values()) n += count;
    return n;
  }
}

/**
 * A request to a cluster's API server failed: the HTTP status and the
 * `Status` reason when the server answered, or the network error.
 *
 * @public
 */
export class KubernetesRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status; absent for network errors and time-outs. */
    readonly status?: number,
    /** The `reason` of the server's `Status` (`Forbidden`, `Expired`…). */
    readonly reason?: string,
    /** For 410 Gone: the continue token the server offered, if any. */
    readonly continueToken?: string,
    /** For 429: seconds the server asked to wait. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubernetesRequestError';
  }

  /** Whether retrying the same request may succeed. */
  get retryable(): boolean {
    if (this.status === undefined) return true;
    return [429, 500, 502, 503, 504].includes(this.status);
  }
}

/** Turns whatever the client library threw into a {@link KubernetesRequestError}. */
export function toRequestError(e: unknown): KubernetesRequestError {
  if (e instanceof KubernetesRequestError) return e;
  const err = e as {
    code?: unknown;
    body?: unknown;
    headers?: Record<string, string>;
    message?: string;
    name?: string;
    type?: string;
  };
  if (typeof err?.code === 'number') {
    let body:
      | {
          message?: string;
          reason?: string;
          metadata?: { continue?: string };
          details?: { retryAfterSeconds?: number };
        }
      | undefined;
    if (typeof err.body === 'string') {
      try {
        body = JSON.parse(err.body);
      } catch {
        body = { message: err.body.slice(0, 200) };
      }
    } else if (err.body && typeof err.body === 'object') {
      body = err.body as typeof body;
    }
    const status = err.code;
    const reason =
      body?.reason ?? (status === 401 ? 'Unauthorized' : undefined);
    let message = body?.message;
    if (status === 401) {
      message =
        'the cluster refused the credentials (a service-account token or client certificate it does not accept, or one that expired)';
    }
    const header = err.headers?.['retry-after'];
    const retryAfter =
      header !== undefined && /^\d+$/.test(header)
        ? Number(header)
        : body?.details?.retryAfterSeconds;
    return new KubernetesRequestError(
      `${status}${reason ? ` ${reason}` : ''}: ${message ?? 'no message'}`,
      status,
      reason,
      body?.metadata?.continue,
      retryAfter,
    );
  }
  if (err?.name === 'AbortError' || err?.type === 'aborted') {
    return new KubernetesRequestError(
      'the request was aborted (time-out or shutdown)',
    );
  }
  const code = (e as { code?: string })?.code;
  return new KubernetesRequestError(
    `unreachable: ${err?.message ?? String(e)}${
      code && !err?.message?.includes(code) ? ` (${code})` : ''
    }`,
  );
}

/** The client library's API classes for one cluster. */
export interface ClusterApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
}

/** Base64 of PEM: accepts PEM text as well as base64, as people paste either. */
function base64Pem(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.trimStart().startsWith('-----BEGIN')
    ? Buffer.from(value, 'utf8').toString('base64')
    : value.replace(/\s+/g, '');
}

/**
 * The client library's APIs for a cluster, authenticated as configured: a
 * bearer token (read from its file at every read when it is one, as
 * projected tokens rotate) or a client certificate.
 */
export async function clusterApis(
  cluster: KubernetesClusterConfig,
): Promise<ClusterApis> {
  const auth = cluster.auth;
  const user: Record<string, string> = { name: 'nhi' };
  if (auth.type === 'token') {
    user.token = auth.token;
  } else if (auth.type === 'tokenFile') {
    user.token = (await fs.readFile(auth.path, 'utf8')).trim();
  } else if (auth.type === 'clientCertificate') {
    user.certData = base64Pem(auth.certificateData)!;
    user.keyData = base64Pem(auth.keyData)!;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        skipTLSVerify: cluster.skipTLSVerify,
        ...(cluster.caData ? { caData: base64Pem(cluster.caData) } : {}),
        ...(cluster.caFile ? { caFile: cluster.caFile } : {}),
      },
    ],
    users: [user],
    contexts: [{ name: 'nhi', cluster: cluster.name, user: 'nhi' }],
    currentContext: 'nhi',
  });
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
  };
}

/** One page of a list, as the client library returns it. */
interface Page {
  items: unknown[];
  metadata?: { _continue?: string };
}

type PageParams = { limit: number; _continue?: string };
/** Per-request options of the client library: a middleware that sets the abort signal. */
type RequestOptions = Parameters<CoreV1Api['listNamespace']>[1];

const SERVICE_ACCOUNT_TOKENS = 'type=kubernetes.io/service-account-token';

/** How each resource type is listed across all namespaces. */
const LISTS: Record<
  ListedResource,
  (apis: ClusterApis, p: PageParams, o: RequestOptions) => Promise<Page>
> = {
  namespaces: (a, p, o) => a.core.listNamespace(p, o),
  serviceaccounts: (a, p, o) => a.core.listServiceAccountForAllNamespaces(p, o),
  secrets: (a, p, o) =>
    a.core.listSecretForAllNamespaces(
      { ...p, fieldSelector: SERVICE_ACCOUNT_TOKENS },
      o,
    ),
  pods: (a, p, o) => a.core.listPodForAllNamespaces(p, o),
  replicasets: (a, p, o) => a.apps.listReplicaSetForAllNamespaces(p, o),
  deployments: (a, p, o) => a.apps.listDeploymentForAllNamespaces(p, o),
  statefulsets: (a, p, o) => a.apps.listStatefulSetForAllNamespaces(p, o),
  daemonsets: (a, p, o) => a.apps.listDaemonSetForAllNamespaces(p, o),
  jobs: (a, p, o) => a.batch.listJobForAllNamespaces(p, o),
  cronjobs: (a, p, o) => a.batch.listCronJobForAllNamespaces(p, o),
  roles: (a, p, o) => a.rbac.listRoleForAllNamespaces(p, o),
  clusterroles: (a, p, o) => a.rbac.listClusterRole(p, o),
  rolebindings: (a, p, o) => a.rbac.listRoleBindingForAllNamespaces(p, o),
  clusterrolebindings: (a, p, o) => a.rbac.listClusterRoleBinding(p, o),
};

/**
 * How requests are sent: page size, attempts and waits, the time-out of one
 * request, the read's abort signal.
 */
export interface RequestSettings {
  pageSize: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Restarts of one list after 410 Gone before it fails. */
  maxListRestarts: number;
  requestTimeoutMs: number;
  /**
   * Base of the exponential backoff between attempts, in ms. When set it
   * also replaces a 429's `Retry-After` (tests); by default `Retry-After` is
   * honoured (at most 60 s) and the base is 500 ms.
   */
  retryBaseDelayMs?: number;
  signal: AbortSignal;
  counter: KubernetesCallCounter;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new KubernetesRequestError('the read was aborted'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    function onAbort() {
      clearTimeout(timer);
      reject(new KubernetesRequestError('the read was aborted'));
    }
    timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Options that make the client library send one request with this signal. */
function withSignal(signal: AbortSignal): RequestOptions {
  return {
    middleware: [
      {
        pre: (context: { setSignal(s: AbortSignal): void }) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response: unknown) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  } as unknown as RequestOptions;
}

/**
 * Sends one request with bounded retries: throttling (429, waiting out
 * `Retry-After`), server errors and network errors are retried with
 * exponential backoff; anything else is thrown at once as a
 * {@link KubernetesRequestError}.
 */
export async function sendWithRetry<T>(
  resource: string,
  send: (options: RequestOptions) => Promise<T>,
  settings: RequestSettings,
): Promise<T> {
  const { counter, signal } = settings;
  counter.add(resource);
  for (let attempt = 1; ; attempt++) {
    counter.attempts++;
    const timeout = AbortSignal.timeout(settings.requestTimeoutMs);
    try {
      return await send(withSignal(AbortSignal.any([signal, timeout])));
    } catch (e) {
      let error = toRequestError(e);
      if (signal.aborted)
        throw new KubernetesRequestError('the read was aborted');
      if (timeout.aborted) {
        error = new KubernetesRequestError(
          `no answer within ${Math.round(settings.requestTimeoutMs / 1000)} s`,
        );
      }
      if (!error.retryable || attempt >= settings.maxAttempts) throw error;
      if (error.status === 429) counter.throttled++;
      const base = settings.retryBaseDelayMs ?? 500;
      const backoff = Math.min(base * 2 ** (attempt - 1), 30_000);
      const wait =
        error.retryAfterSeconds !== undefined &&
        settings.retryBaseDelayMs === undefined
          ? Math.min(error.retryAfterSeconds, 60) * 1000
          : Math.floor(backoff / 2 + Math.random() * (backoff / 2));
      await sleep(wait, signal);
    }
  }
}

/**
 * Lists every object of a resource type across all namespaces, page by
 * page (`limit` + `continue`). When the server answers 410 Gone (the
 * continue token expired), the list starts again from the first page, so
 * that the result is one consistent snapshot rather than pages of two; at
 * most `maxListRestarts` times. Each item is converted as its page
 * arrives (undefined drops it).
 */
export async function listAll<T>(
  apis: ClusterApis,
  resource: ListedResource,
  settings: RequestSettings,
  convert: (item: any) => T | undefined,
): Promise<T[]> {
  for (let restart = 0; ; restart++) {
    const items: T[] = [];
    let token: string | undefined;
    try {
      do {
        const params = {
          limit: settings.pageSize,
          ...(token ? { _continue: token } : {}),
        };
        const page = await sendWithRetry(
          resource,
          options => LISTS[resource](apis, params, options),
          settings,
        );
        // Converted page by page: the client's objects are far larger.
        for (const item of page.items) {
          const converted = convert(item);
          if (converted !== undefined) items.push(converted);
        }
        token = page.metadata?._continue || undefined;
      } while (token);
      return items;
    } catch (e) {
      const error = toRequestError(e);
      if (error.status !== 410 || restart >= settings.maxListRestarts) {
        throw error;
      }
      settings.counter.restarts++;
    }
  }
}

/**
 * Since when the API server tracks the use of legacy service-account
 * tokens: the `since` date of the ConfigMap it keeps for that in
 * `kube-system`. Undefined when the ConfigMap is absent (tracking off) or
 * may not be read.
 */
export async function readTokenTrackingSince(
  apis: ClusterApis,
  settings: RequestSettings,
): Promise<string | undefined> {
  try {
    const cm = await sendWithRetry(
      'configmaps',
      options =>
        apis.core.readNamespacedConfigMap(
          {
            name: 'kube-apiserver-legacy-service-account-token-tracking',
            namespace: 'kube-system',
          },
          options,
        ),
      { ...settings, maxAttempts: Math.min(settings.maxAttempts, 2) },
    );
    const since = cm.data?.since;
    return since && /^\d{4}-\d{2}-\d{2}/.test(since) ? since : undefined;
  } catch (e) {
    const error = toRequestError(e);
    if (error.status === 404 || error.status === 403) return undefined;
    throw error;
  }
}
