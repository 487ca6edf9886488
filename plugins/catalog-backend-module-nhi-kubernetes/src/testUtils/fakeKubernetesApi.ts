import { seededRandom } from '@backstage-nhi/plugin-nhi-common';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  KUBERNETES_RESOURCES,
  KubeObject,
  KubernetesClusterModel,
  KubernetesResource,
} from './model';

/**
 * Faults the fake API server injects. They can be changed while it runs
 * ({@link FakeKubernetesApi.setFaults}), e.g. to take a cluster down between
 * two reads.
 *
 * @public
 */
export interface FakeKubernetesApiFaults {
  /** Resource types whose list (and get) answers 403 Forbidden. */
  forbidden?: KubernetesResource[];
  /** Every request answers 403 Forbidden (a token without any RBAC grant). */
  forbidAll?: boolean;
  /** Every connection is reset before an answer (a cluster that is down). */
  down?: boolean;
  /** Fraction (0–1) of requests answered 429 Too Many Requests. */
  throttleRate?: number;
  /** Seed of the throttling draws. Default 1. */
  seed?: number;
  /** The `Retry-After` of a 429, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /**
   * For each resource type, how many of the next continued list requests
   * (those with a `continue` token) answer 410 Gone with reason `Expired`,
   * as the API server does when the token outlived etcd's compaction.
   */
  expireContinue?: Partial<Record<KubernetesResource, number>>;
}

/**
 * Options of {@link startFakeKubernetesApi}.
 *
 * @public
 */
export interface FakeKubernetesApiOptions {
  cluster: KubernetesClusterModel;
  /** Port on 127.0.0.1; a free one by default. */
  port?: number;
  /** Bearer tokens the server accepts. Default `[FAKE_KUBERNETES_TOKEN]`. */
  tokens?: string[];
  /**
   * Serve HTTPS with this key and certificate. With `ca`, the server asks
   * for a client certificate and accepts one the CA signed (client
   * certificate authentication) besides bearer tokens.
   */
  tls?: { key: string; cert: string; ca?: string };
  /** Largest page the server returns, whatever `limit` asks. Default none. */
  maxPageSize?: number;
  faults?: FakeKubernetesApiFaults;
}

/**
 * A running fake API server.
 *
 * @public
 */
export interface FakeKubernetesApi {
  /** `http(s)://127.0.0.1:<port>`: the cluster's `url`. */
  url: string;
  /** A bearer token the server accepts. */
  token: string;
  /** Requests received by resource type (retries, refusals and errors included). */
  calls: Partial<Record<KubernetesResource, number>>;
  /** Requests answered 429, 410, 403 and 401. */
  refused: {
    throttled: number;
    expired: number;
    forbidden: number;
    unauthorized: number;
  };
  /** Every request received, as `GET <path>?<query>`. */
  requests: string[];
  /** Sum of {@link FakeKubernetesApi.calls}. */
  totalCalls(): number;
  /** Replaces the faults (all of them). */
  setFaults(faults: FakeKubernetesApiFaults): void;
  stop(): Promise<void>;
}

/** The bearer token the fake accepts by default: no secret, a placeholder. @public */
export const FAKE_KUBERNETES_TOKEN = 'nhi-fake-kubernetes-token';

/** A Kubernetes `Status` object, as the API server writes errors. */
function status(
  code: number,
  reason: string,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...extra,
  };
}

class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly body: ReturnType<typeof status>,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

const keyOf = (o: KubeObject) =>
  `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The field selectors the API server supports on the lists served here. */
function fieldSelector(selector: string | null, resource: KubernetesResource) {
  if (!selector) return undefined;
  const tests = selector.split(',').map(term => {
    const m = /^([\w.]+)(==|=|!=)(.*)$/.exec(term.trim());
    const field = m?.[1];
    const supported =
      field === 'metadata.name' ||
      field === 'metadata.namespace' ||
      (resource === 'secrets' && field === 'type') ||
      (resource === 'pods' &&
        (field === 'spec.serviceAccountName' || field === 'status.phase'));
    if (!m || !supported) {
      throw new StatusError(
        400,
        status(
          400,
          'BadRequest',
          `field label not supported: ${field ?? term}`,
        ),
      );
    }
    const [, , op, value] = m;
    const get = (o: KubeObject): unknown =>
      field!.split('.').reduce<any>((v, k) => v?.[k], o);
    return (o: KubeObject) =>
      op === '!=' ? get(o) !== value : get(o) === value;
  });
  return (o: KubeObject) => tests.every(t => t(o));
}

/** Equality-based label selectors (`a=b`, `a!=b`, `a`, `!a`). */
function labelSelector(selector: string | null) {
  if (!selector) return undefined;
  const tests = selector.split(',').map(term => {
    const t = term.trim();
    const m = /^([\w./-]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
    if (m) {
      const [, key, op, value] = m;
      return (l: Record<string, string>) =>
        op === '!=' ? l[key] !== value : l[key] === value;
    }
    if (t.startsWith('!'))
      return (l: Record<string, string>) => !(t.slice(1) in l);
    return (l: Record<string, string>) => t in l;
  });
  return (o: KubeObject) => tests.every(test => test(o.metadata.labels ?? {}));
}

function encodeContinue(rv: number, start: string) {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv, start }),
    'utf8',
  ).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (typeof parsed?.start === 'string' && typeof parsed?.rv === 'number') {
      return parsed;
    }
  } catch {
    // answered below
  }
  throw new StatusError(
    400,
    status(
      400,
      'BadRequest',
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    ),
  );
}

interface Route {
  resource: KubernetesResource;
  namespace?: string;
  name?: string;
}

const PATH =
  /^\/(?:api\/v1|apis\/([\w.-]+)\/(v\w+))(?:\/namespaces\/([\w.-]+))?\/([a-z]+)(?:\/([\w.:-]+))?\/?$/;

function route(pathname: string): Route {
  // GET /api/v1/namespaces/<name> reads a namespace, not a list in it.
  const ns = /^\/api\/v1\/namespaces\/([\w.-]+)\/?$/.exec(pathname);
  if (ns) return { resource: 'namespaces', name: ns[1] };
  const m = PATH.exec(pathname);
  const resource = m?.[4] as KubernetesResource | undefined;
  const spec = resource ? KUBERNETES_RESOURCES[resource] : undefined;
  if (
    !m ||
    !spec ||
    (m[1] ?? '') !== spec.group ||
    (m[2] ?? 'v1') !== spec.version ||
    (m[3] && !spec.namespaced)
  ) {
    throw new StatusError(
      404,
      status(
        404,
        'NotFound',
        'the server could not find the requested resource',
      ),
    );
  }
  return { resource: resource!, namespace: m[3], name: m[5] };
}

/**
 * Starts a fake Kubernetes API server on 127.0.0.1 that answers, from an
 * in-memory cluster model, the read requests `@kubernetes/client-node`
 * sends: lists across all namespaces or in one (`/api/v1/…`,
 * `/apis/<group>/<version>/…`) with `limit` and `continue` paging (base64
 * continue tokens, `metadata.resourceVersion`, `remainingItemCount`),
 * `fieldSelector` (`type=` on Secrets, `metadata.name`/`namespace`) and
 * equality `labelSelector`s, and gets of single objects. Errors are
 * Kubernetes `Status` objects: 401 for a missing or unknown bearer token,
 * 403 per resource type, 404, 410 `Expired` for a continue token that
 * expired (with a fresh continue token, as the API server gives), 429 with
 * `Retry-After`.
 *
 * @public
 */
export async function startFakeKubernetesApi(
  options: FakeKubernetesApiOptions,
): Promise<FakeKubernetesApi> {
  const { cluster } = options;
  const tokens = new Set(options.tokens ?? [FAKE_KUBERNETES_TOKEN]);
  let faults: FakeKubernetesApiFaults = options.faults ?? {};
  let random = seededRandom(faults.seed ?? 1);
  let expireLeft = { ...faults.expireContinue };
  const calls: FakeKubernetesApi['calls'] = {};
  const refused = { throttled: 0, expired: 0, forbidden: 0, unauthorized: 0 };
  const requests: string[] = [];
  const resourceVersion =
    1000 +
    Object.values(cluster.objects).reduce(
      (n, list) => n + (list?.length ?? 0),
      0,
    );

  // Sorted once: the API server lists in key order, and paging is a search.
  const sorted = new Map<KubernetesResource, KubeObject[]>();
  const listOf = (resource: KubernetesResource) => {
    let list = sorted.get(resource);
    if (!list) {
      list = [...(cluster.objects[resource] ?? [])].sort((a, b) => {
        const [x, y] = [keyOf(a), keyOf(b)];
        if (x === y) return 0;
        return x < y ? -1 : 1;
      });
      sorted.set(resource, list);
    }
    return list;
  };

  const user = (req: http.IncomingMessage): string | undefined => {
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (bearer && tokens.has(bearer)) return 'system:serviceaccount:nhi:reader';
    const socket = req.socket as TLSSocket;
    if (options.tls?.ca && socket.authorized) {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      if (cn) return Array.isArray(cn) ? cn[0] : cn;
    }
    return undefined;
  };

  const answer = (
    req: http.IncomingMessage,
  ): { body: unknown; headers?: Record<string, string> } => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const r = route(url.pathname);
    calls[r.resource] = (calls[r.resource] ?? 0) + 1;
    if (req.method !== 'GET') {
      throw new StatusError(
        405,
        status(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        ),
      );
    }
    const who = user(req);
    if (!who) {
      refused.unauthorized++;
      throw new StatusError(401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    const spec = KUBERNETES_RESOURCES[r.resource];
    const groupResource = spec.group
      ? `${r.resource}.${spec.group}`
      : r.resource;
    if (faults.forbidAll || faults.forbidden?.includes(r.resource)) {
      refused.forbidden++;
      const where = r.namespace
        ? `in the namespace "${r.namespace}"`
        : 'at the cluster scope';
      throw new StatusError(
        403,
        status(
          403,
          'Forbidden',
          `${groupResource} is forbidden: User "${who}" cannot ${
            r.name ? 'get' : 'list'
          } resource "${r.resource}" in API group "${spec.group}" ${where}`,
          {
            details: {
              group: spec.group,
              kind: r.resource,
              ...(r.name ? { name: r.name } : {}),
            },
          },
        ),
      );
    }
    if (faults.throttleRate && random() < faults.throttleRate) {
      refused.throttled++;
      const seconds = faults.retryAfterSeconds ?? 1;
      throw new StatusError(
        429,
        status(
          429,
          'TooManyRequests',
          'Too many requests, please try again later.',
          {
            details: { retryAfterSeconds: seconds },
          },
        ),
        { 'retry-after': String(seconds) },
      );
    }
    let list = listOf(r.resource);
    if (r.namespace)
      list = list.filter(o => o.metadata.namespace === r.namespace);
    if (r.name) {
      const found = list.find(o => o.metadata.name === r.name);
      if (!found) {
        throw new StatusError(
          404,
          status(404, 'NotFound', `${groupResource} "${r.name}" not found`, {
            details: { name: r.name, group: spec.group, kind: r.resource },
          }),
        );
      }
      return {
        body: {
          kind: spec.kind,
          apiVersion: spec.group
            ? `${spec.group}/${spec.version}`
            : spec.version,
          ...found,
        },
      };
    }
    const byField = fieldSelector(
      url.searchParams.get('fieldSelector'),
      r.resource,
    );
    const byLabel = labelSelector(url.searchParams.get('labelSelector'));
    if (byField || byLabel) {
      list = list.filter(
        o => (!byField || byField(o)) && (!byLabel || byLabel(o)),
      );
    }
    const token = url.searchParams.get('continue');
    let start = 0;
    if (token) {
      const { start: after } = decodeContinue(token);
      if ((expireLeft[r.resource] ?? 0) > 0) {
        expireLeft[r.resource]!--;
        refused.expired++;
        throw new StatusError(
          410,
          status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            {
              metadata: {
                continue: encodeContinue(resourceVersion + 1, after),
              },
            },
          ),
        );
      }
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keyOf(list[mid]) < after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const asked = Number(url.searchParams.get('limit') ?? 0);
    let limit = asked > 0 ? asked : Infinity;
    if (options.maxPageSize) limit = Math.min(limit, options.maxPageSize);
    const items = list.slice(start, start + limit);
    const more = start + items.length < list.length;
    return {
      body: {
        kind: `${spec.kind}List`,
        apiVersion: spec.group ? `${spec.group}/${spec.version}` : spec.version,
        metadata: {
          resourceVersion: String(resourceVersion),
          ...(more
            ? {
                continue: encodeContinue(
                  resourceVersion,
                  `${keyOf(items[items.length - 1])}\u0000`,
                ),
                remainingItemCount: list.length - start - items.length,
              }
            : {}),
        },
        items,
      },
    };
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (faults.down) {
      req.socket.destroy();
      return;
    }
    let code = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      ({ body, headers = {} } = answer(req));
    } catch (e) {
      if (e instanceof StatusError) {
        code = e.code;
        body = e.body;
        headers = e.headers;
      } else {
        code = 500;
        body = status(
          500,
          'InternalError',
          `Internal error occurred: ${(e as Error).message}`,
        );
      }
    }
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const server = options.tls
    ? https.createServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca
            ? {
                ca: options.tls.ca,
                requestCert: true,
                rejectUnauthorized: false,
              }
            : {}),
        },
        handler,
      )
    : http.createServer(handler);
  // Keep-alive sockets would hold stop() open.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    token: [...tokens][0],
    calls,
    refused,
    requests,
    totalCalls: () => Object.values(calls).reduce((n, c) => n + (c ?? 0), 0),
    setFaults(next) {
      faults = next;
      random = seededRandom(next.seed ?? 1);
      expireLeft = { ...next.expireContinue };
    },
    stop: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
