import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  Client,
  Context,
  HTTPMessageHandler,
  Middleware,
} from '@microsoft/microsoft-graph-client';

/**
 * Counts what a read asks Microsoft Graph: requests by operation (method and
 * path with ids replaced, e.g. `GET /applications/{id}/owners`), the HTTP
 * attempts they took (retries included), the requests answered 429, and the
 * requests carried inside `$batch` calls.
 *
 * @public
 */
export class GraphCallCounter {
  /** Requests by `<METHOD> <path>`, each page and each `$batch` counted once. */
  readonly operations = new Map<string, number>();
  /** HTTP attempts, retries included. */
  attempts = 0;
  /** Responses (or `$batch` parts) that were 429 Too Many Requests. */
  throttled = 0;
  /** Requests sent inside `$batch` calls. */
  batched = 0;

  /** Records one request. */
  add(operation: string): void {
    this.operations.set(operation, (this.operations.get(operation) ?? 0) + 1);
  }

  /** Requests sent to Graph (each `$batch` once, whatever it carries). */
  total(): number {
    let n = 0;
    for (const count of this.operations.values()) n += count;
    return n;
  }
}

const GUIDISH =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** `GET /servicePrincipals/{id}/owners` from a request path (version and query dropped). */
export function operationOf(method: string, path: string): string {
  const clean = path
    .replace(/\?.*$/, '')
    .replace(/^\/?(v1\.0|beta)\//i, '/')
    .replace(/\(appId='[^']*'\)/g, '(appId={appId})')
    .replace(GUIDISH, '{id}');
  return `${method.toUpperCase()} ${
    clean.startsWith('/') ? clean : `/${clean}`
  }`;
}

/**
 * A request Graph refused or that could not be made: the HTTP status (0 when
 * no response came), Graph's error code (`Authorization_RequestDenied`, …)
 * and, when the caller knows it, the permission the read needs.
 *
 * @public
 */
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }

  /** Whether Graph refused for want of a permission (or of a licence). */
  get isPermissionDenied(): boolean {
    return (
      this.status === 403 ||
      this.code === 'Authorization_RequestDenied' ||
      this.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant'
    );
  }

  /** Whether the tenant lacks the Entra ID P1/P2 licence the reports need. */
  get isLicenceMissing(): boolean {
    return (
      this.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant'
    );
  }
}

/** A Graph error as the client library throws it. */
interface ThrownGraphError {
  statusCode?: number;
  code?: string | null;
  message?: string;
  body?: unknown;
}

/** The name of the error the token middleware throws (the client keeps only a thrown error's name and message). */
const CREDENTIAL_ERROR = 'GraphCredentialError';

function toRequestError(e: unknown, path: string): GraphRequestError {
  if (e instanceof GraphRequestError) return e;
  const g = e as ThrownGraphError;
  if (g?.code === CREDENTIAL_ERROR) {
    return new GraphRequestError(
      401,
      'CredentialUnavailable',
      `401 CredentialUnavailable: ${g.message}`,
      path,
    );
  }
  const status =
    typeof g?.statusCode === 'number' && g.statusCode > 0 ? g.statusCode : 0;
  const message =
    status === 0
      ? `Microsoft Graph could not be reached: ${g?.message ?? String(e)}`
      : `${status}${g?.code ? ` ${g.code}` : ''}: ${
          g?.message ?? 'no message'
        }`;
  return new GraphRequestError(status, g?.code ?? undefined, message, path);
}

/** Waits `ms`, or rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The clock's sleep. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('aborted'));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), in ms. */
export function retryAfterMs(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function requestUrl(context: Context): string {
  return typeof context.request === 'string'
    ? context.request
    : context.request.url;
}

function setHeader(context: Context, name: string, value: string) {
  const options = (context.options ??= {});
  const headers = options.headers as
    | Headers
    | Record<string, string>
    | undefined;
  if (!headers) options.headers = { [name]: value };
  else if (typeof (headers as Headers).set === 'function') {
    (headers as Headers).set(name, value);
  } else (headers as Record<string, string>)[name] = value;
}

/**
 * Adds the bearer token of a `TokenCredential` to requests for the
 * configured Graph root only (the library's own handler only knows Graph's
 * https hosts), caching it until five minutes before it expires.
 */
class BearerTokenMiddleware implements Middleware {
  private next?: Middleware;
  private token?: Promise<AccessToken>;
  private expiresAt = 0;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly root: string,
  ) {}

  private async accessToken(signal?: AbortSignal): Promise<string> {
    if (!this.token || Date.now() > this.expiresAt - 5 * 60_000) {
      const pending = this.credential
        .getToken(this.scope, { abortSignal: signal })
        .then(t => {
          if (!t?.token) throw new Error('the credential gave none');
          this.expiresAt = t.expiresOnTimestamp;
          return t;
        });
      this.token = pending;
      // Requests sent meanwhile wait for this token instead of asking again.
      this.expiresAt = Number.POSITIVE_INFINITY;
      pending.catch(() => {
        if (this.token === pending) this.token = undefined;
      });
    }
    return (await this.token).token;
  }

  async execute(context: Context): Promise<void> {
    if (requestUrl(context).startsWith(this.root)) {
      let token: string;
      try {
        token = await this.accessToken(context.options?.signal ?? undefined);
      } catch (e) {
        const error = new Error(
          `no access token for Microsoft Graph: ${(e as Error)?.message ?? e}`,
        );
        error.name = CREDENTIAL_ERROR;
        throw error;
      }
      setHeader(context, 'Authorization', `Bearer ${token}`);
    }
    await this.next!.execute(context);
  }

  setNext(next: Middleware) {
    this.next = next;
  }
}

/** Settings of the retry of throttled and unavailable requests. */
export interface RetrySettings {
  maxRetries: number;
  maxDelayMs: number;
  sleep?: Sleep;
}

const RETRY_STATUSES = new Set([429, 503, 504]);

/**
 * Retries 429 (throttled), 503 and 504 answers after the wait `Retry-After`
 * asks for (an exponential backoff without one), and requests that got no
 * answer, bounded by `maxRetries` and `maxDelayMs`; counts every attempt.
 * Abort-aware, unlike the library's RetryHandler.
 */
class RetryMiddleware implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly settings: RetrySettings,
    private readonly counter: GraphCallCounter,
  ) {}

  async execute(context: Context): Promise<void> {
    const sleep = this.settings.sleep ?? realSleep;
    const signal = context.options?.signal ?? undefined;
    for (let attempt = 0; ; attempt++) {
      this.counter.attempts++;
      let failure: unknown;
      try {
        await this.next!.execute(context);
      } catch (e) {
        failure = e;
      }
      const status = context.response?.status;
      const retryable =
        failure !== undefined
          ? !signal?.aborted
          : status !== undefined && RETRY_STATUSES.has(status);
      if (status === 429 && failure === undefined) this.counter.throttled++;
      if (!retryable || attempt >= this.settings.maxRetries) {
        if (failure !== undefined) throw failure;
        return;
      }
      const asked =
        failure === undefined
          ? retryAfterMs(context.response?.headers.get('Retry-After'))
          : undefined;
      const delay = Math.min(
        asked ?? Math.min(1000 * 2 ** attempt, 30_000),
        this.settings.maxDelayMs,
      );
      // The refused answer is not read: free its connection.
      await context.response?.body?.cancel().catch(() => {});
      context.response = undefined;
      await sleep(delay, signal);
    }
  }

  setNext(next: Middleware) {
    this.next = next;
  }
}

/** One page of a Graph collection. */
export interface GraphPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** One answer inside a `$batch` response. */
export interface GraphBatchAnswer {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: any;
}

/**
 * Options of {@link GraphReader}.
 *
 * @public
 */
export interface GraphReaderOptions {
  credential: TokenCredential;
  /** Graph's root without a version, e.g. `https://graph.microsoft.com`. */
  baseUrl: string;
  counter: GraphCallCounter;
  retry: RetrySettings;
  signal?: AbortSignal;
}

/** Graph's `$batch` limit. */
export const BATCH_LIMIT = 20;

/**
 * Microsoft Graph through its JavaScript client library
 * (`@microsoft/microsoft-graph-client`): GETs, collections followed through
 * `@odata.nextLink`, and `$batch` of up to 20 requests whose throttled
 * parts are sent again after their `Retry-After`. Every request carries a
 * token of the `TokenCredential` and is counted.
 *
 * @public
 */
export class GraphReader {
  private readonly client: Client;
  private readonly root: string;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly options: GraphReaderOptions) {
    this.root = `${options.baseUrl.replace(/\/+$/, '')}/`;
    const parsed = new URL(this.root);
    this.origin = parsed.origin;
    this.basePath = parsed.pathname;
    this.client = Client.initWithMiddleware({
      baseUrl: this.root,
      defaultVersion: 'v1.0',
      middleware: [
        new BearerTokenMiddleware(
          options.credential,
          `${new URL(this.root).origin}/.default`,
          this.root,
        ),
        new RetryMiddleware(options.retry, options.counter),
        new HTTPMessageHandler(),
      ],
    });
  }

  private request(path: string, version: string) {
    const r = this.client.api(path).version(version);
    if (this.options.signal) r.option('signal', this.options.signal);
    return r;
  }

  /** GETs one resource or page: `path` relative to the version (`/servicePrincipals?$top=999`). */
  async get<T>(path: string, version = 'v1.0'): Promise<T> {
    this.options.counter.add(operationOf('GET', path));
    try {
      return (await this.request(path, version).get()) as T;
    } catch (e) {
      throw toRequestError(e, path);
    }
  }

  /** Splits an `@odata.nextLink` into version and path, refusing another host. */
  private nextOf(link: string): { version: string; path: string } {
    const u = new URL(link);
    if (u.origin !== this.origin || !u.pathname.startsWith(this.basePath)) {
      throw new GraphRequestError(
        0,
        'UnexpectedNextLink',
        `Graph gave a next page outside ${this.root}: ${u.origin}${u.pathname}`,
        link,
      );
    }
    const [version, ...rest] = u.pathname
      .slice(this.basePath.length)
      .split('/');
    return { version, path: `/${rest.join('/')}${u.search}` };
  }

  /** The pages of a collection, from its first page (already read, e.g. in a `$batch`) or its path. */
  async *pages<T>(
    start: { path: string; version?: string } | { page: GraphPage<T> },
  ): AsyncGenerator<T[]> {
    let page: GraphPage<T> =
      'page' in start
        ? start.page
        : await this.get<GraphPage<T>>(start.path, start.version);
    for (;;) {
      yield page.value ?? [];
      const link = page['@odata.nextLink'];
      if (!link) return;
      const next = this.nextOf(link);
      page = await this.get<GraphPage<T>>(next.path, next.version);
    }
  }

  /** Every item of a collection. */
  async all<T>(
    start: { path: string; version?: string } | { page: GraphPage<T> },
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const items of this.pages<T>(start)) {
      for (const item of items) out.push(item);
    }
    return out;
  }

  /**
   * GETs many paths in `$batch` calls of up to 20, and sends the parts
   * answered 429 (or 503/504) again after the longest `Retry-After` they
   * ask for, up to the configured retries. Returns every answer by the
   * index of its path; a part still throttled after the last retry keeps
   * its 429.
   */
  async batch(
    paths: string[],
    version = 'v1.0',
  ): Promise<Map<number, GraphBatchAnswer>> {
    const { counter, retry } = this.options;
    const sleep = retry.sleep ?? realSleep;
    const answers = new Map<number, GraphBatchAnswer>();
    let pending = paths.map((path, index) => ({ path, index }));
    for (let attempt = 0; pending.length; attempt++) {
      const retryNext: typeof pending = [];
      let wait = 0;
      for (let i = 0; i < pending.length; i += BATCH_LIMIT) {
        const chunk = pending.slice(i, i + BATCH_LIMIT);
        counter.add('POST /$batch');
        counter.batched += chunk.length;
        let response: { responses?: GraphBatchAnswer[] };
        try {
          response = await this.request('/$batch', version).post({
            requests: chunk.map(p => ({
              id: String(p.index),
              method: 'GET',
              url: p.path,
            })),
          });
        } catch (e) {
          throw toRequestError(e, '/$batch');
        }
        for (const answer of response.responses ?? []) {
          const index = Number(answer.id);
          const part = chunk.find(p => p.index === index);
          if (!part) continue;
          answers.set(index, answer);
          if (answer.status === 429) counter.throttled++;
          if (RETRY_STATUSES.has(answer.status) && attempt < retry.maxRetries) {
            retryNext.push(part);
            const header = Object.entries(answer.headers ?? {}).find(
              ([k]) => k.toLowerCase() === 'retry-after',
            )?.[1];
            wait = Math.max(
              wait,
              retryAfterMs(header) ?? Math.min(1000 * 2 ** attempt, 30_000),
            );
          }
        }
      }
      if (retryNext.length) {
        await sleep(
          Math.min(wait, retry.maxDelayMs),
          this.options.signal ?? undefined,
        );
      }
      pending = retryNext;
    }
    return answers;
  }

  /** The error a `$batch` answer stands for, or undefined when it succeeded. */
  static errorOf(
    answer: GraphBatchAnswer | undefined,
    path: string,
  ): GraphRequestError | undefined {
    if (!answer) {
      return new GraphRequestError(0, 'NoAnswer', 'no answer in $batch', path);
    }
    if (answer.status >= 200 && answer.status < 300) return undefined;
    const error = answer.body?.error as
      | { code?: string; message?: string }
      | undefined;
    return new GraphRequestError(
      answer.status,
      error?.code,
      `${answer.status}${error?.code ? ` ${error.code}` : ''}: ${
        error?.message ?? 'no message'
      }`,
      path,
    );
  }
}
