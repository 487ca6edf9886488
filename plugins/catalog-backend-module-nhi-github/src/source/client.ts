import { createCallbackAuth } from '@octokit/auth-callback';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

/** Octokit with GitHub's recommended throttling and retry of server errors. */
const GithubOctokit: typeof Octokit = Octokit.plugin(throttling, retry);

/**
 * An Octokit client of this source (with the throttling and retry plugins).
 *
 * @public
 */
export type GithubClient = Octokit;

/**
 * One rate-limit budget as the last response told it.
 *
 * @public
 */
export interface GithubBudget {
  limit: number;
  remaining: number;
  /** Epoch seconds of the next reset. */
  reset: number;
}

/**
 * What a read cost: HTTP requests, conditional requests GitHub answered with
 * 304 (free), and the rate-limit points spent — one per REST request that was
 * not a 304, and for GraphQL the cost GitHub reports per query — with the
 * budgets as the last responses stated them.
 *
 * @public
 */
export class GithubApiAccounting {
  /** Requests sent, retries included. */
  requests = 0;
  /** REST requests answered 304 Not Modified: they cost no points. */
  notModified = 0;
  /** REST points spent. */
  restPoints = 0;
  /** GraphQL queries sent. */
  graphqlQueries = 0;
  /** GraphQL points spent (`rateLimit.cost`). */
  graphqlPoints = 0;
  /** Requests refused by a secondary rate limit (then waited out). */
  secondaryLimited = 0;
  /** Requests by kind, e.g. `rest:deploy-keys`, `graphql:repositories`. */
  readonly byKind = new Map<string, number>();
  /** Budgets by resource (`core`, `graphql`) from the latest response. */
  readonly budgets = new Map<string, GithubBudget>();

  /** Records one HTTP response (every attempt). */
  observe(status: number, headers: Headers): void {
    this.requests++;
    const resource = headers.get('x-ratelimit-resource') ?? undefined;
    const remaining = headers.get('x-ratelimit-remaining');
    const limit = headers.get('x-ratelimit-limit');
    const reset = headers.get('x-ratelimit-reset');
    if (resource && remaining !== null && limit !== null) {
      this.budgets.set(resource, {
        limit: Number(limit),
        remaining: Number(remaining),
        reset: Number(reset ?? 0),
      });
    }
    const refused =
      (status === 403 || status === 429) &&
      (headers.has('retry-after') || remaining === '0');
    if (refused && headers.has('retry-after')) this.secondaryLimited++;
    if (status === 304) this.notModified++;
    else if (resource !== 'graphql' && !refused && resource) this.restPoints++;
  }

  /** Counts one logical request of a kind. */
  count(kind: string): void {
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }

  /** Points left of a budget, or undefined when no response told it yet. */
  remaining(resource: 'core' | 'graphql'): number | undefined {
    return this.budgets.get(resource)?.remaining;
  }

  /** Records the budgets `GET /rate_limit` reports. */
  setBudgets(resources: Record<string, GithubBudget | undefined>): void {
    for (const [name, b] of Object.entries(resources)) {
      if (b && typeof b.remaining === 'number') this.budgets.set(name, b);
    }
  }
}

/**
 * How the source's Octokit clients wait and retry.
 *
 * @public
 */
export interface GithubClientSettings {
  /** REST API base URL, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiBaseUrl: string;
  /** The token of each request (an installation token, cached and renewed by `@backstage/integration`). */
  token: () => Promise<string | undefined>;
  /** Times a request refused by a secondary rate limit is retried. */
  maxRetries: number;
  /** Longest wait for a secondary rate limit, in seconds; longer ones fail the request. */
  maxWaitSeconds: number;
  /** Milliseconds per second of `retry-after` (1000; tests shorten it). */
  retryAfterBaseMs?: number;
  /** Least time between two GraphQL queries, in ms (GitHub asks for serial queries; default 1000 as the throttling plugin). */
  graphqlMinTimeMs?: number;
  signal?: AbortSignal;
  accounting: GithubApiAccounting;
  log?: {
    warn(message: string): void;
    debug?(message: string): void;
  };
}

/** The GraphQL endpoint of a REST base URL, as `@octokit/graphql` derives it. */
export function graphqlUrlOf(apiBaseUrl: string): string {
  const base = apiBaseUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(base)
    ? `${base.replace(/\/api\/v3$/, '/api')}/graphql`
    : `${base}/graphql`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      },
      { once: true },
    );
  });

/**
 * Makes an Octokit client: `@octokit/plugin-throttling` waits out secondary
 * rate limits (403 with `retry-after`, bounded by `maxRetries` and
 * `maxWaitSeconds`) and gives up at once on an exhausted budget (a run does
 * not sleep for an hour; it ends partial and the next continues);
 * `@octokit/plugin-retry` retries server errors; 429 secondary limits, which
 * the throttling plugin leaves alone, are waited out the same way here.
 * Every HTTP attempt is counted in `accounting`.
 */
export function createGithubClient(
  settings: GithubClientSettings,
): GithubClient {
  const { accounting } = settings;
  const base = settings.retryAfterBaseMs ?? 1000;
  const countingFetch: typeof fetch = async (input, init) => {
    // One listener per request on the run's signal, removed when the
    // response arrives: thousands of requests share that signal.
    const controller = new AbortController();
    const abort = () => controller.abort();
    if (settings.signal?.aborted) controller.abort();
    settings.signal?.addEventListener('abort', abort, { once: true });
    try {
      const response = await fetch(input, {
        ...init,
        signal: controller.signal,
      });
      accounting.observe(response.status, response.headers);
      return response;
    } finally {
      settings.signal?.removeEventListener('abort', abort);
    }
  };
  const throttle: Record<string, unknown> = {
    retryAfterBaseValue: base,
    onRateLimit: () => false,
    onSecondaryRateLimit: (
      retryAfter: number,
      options: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const wait =
        retryCount < settings.maxRetries &&
        retryAfter <= settings.maxWaitSeconds;
      settings.log?.warn(
        `GitHub secondary rate limit on ${options.method} ${options.url}: ${
          wait ? `waiting ${retryAfter}s` : 'giving up'
        }`,
      );
      return wait;
    },
  };
  if (settings.graphqlMinTimeMs !== undefined) {
    // The plugin sends GraphQL through its "write" queue (one at a time, a
    // second apart); a queue of our own sets the spacing.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Bottleneck = require('bottleneck/light');
    throttle.write = new Bottleneck.Group({
      maxConcurrent: 1,
      minTime: settings.graphqlMinTimeMs,
    });
  }
  const octokit = new GithubOctokit({
    baseUrl: settings.apiBaseUrl.replace(/\/+$/, ''),
    authStrategy: createCallbackAuth,
    auth: { callback: settings.token },
    userAgent: 'backstage-nhi-github-source',
    request: { fetch: countingFetch },
    throttle: throttle as any,
    retry: {
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      retryAfterBaseValue: Math.min(base, 1000),
    },
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => settings.log?.warn(m),
      error: (m: string) => settings.log?.warn(m),
    },
  });
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (e) {
        const err = e as {
          status?: number;
          message?: string;
          response?: { headers?: Record<string, string> };
        };
        const headers = err.response?.headers ?? {};
        const secondary =
          err.status === 429 &&
          headers['x-ratelimit-remaining'] !== '0' &&
          (headers['retry-after'] !== undefined ||
            /secondary rate/i.test(err.message ?? ''));
        const retryAfter = Number(headers['retry-after']) || 60;
        if (
          !secondary ||
          attempt >= settings.maxRetries ||
          retryAfter > settings.maxWaitSeconds
        ) {
          throw e;
        }
        settings.log?.warn(
          `GitHub secondary rate limit (429) on ${options.method} ${options.url}: waiting ${retryAfter}s`,
        );
        await sleep(retryAfter * base, settings.signal);
      }
    }
  });
  return octokit;
}

/**
 * Why a GitHub request failed, in the terms a reader of the run needs.
 *
 * @public
 */
export type GithubFailureKind =
  | 'rate-limit'
  | 'secondary-rate-limit'
  | 'forbidden'
  | 'not-found'
  | 'unauthorized'
  | 'other';

/** The kind of a failed request, from its status, headers and body. */
export function failureKindOf(error: unknown): GithubFailureKind {
  const e = error as {
    status?: number;
    message?: string;
    data?: { errors?: Array<{ type?: string }> };
    response?: {
      headers?: Record<string, string>;
      data?: { errors?: Array<{ type?: string }> };
    };
  };
  const headers = e?.response?.headers ?? {};
  const gqlErrors = e?.data?.errors ?? e?.response?.data?.errors ?? [];
  if (
    gqlErrors.some(x => x?.type === 'RATE_LIMITED') ||
    ((e?.status === 403 || e?.status === 429) &&
      headers['x-ratelimit-remaining'] === '0')
  ) {
    return 'rate-limit';
  }
  if (/secondary rate/i.test(e?.message ?? '')) return 'secondary-rate-limit';
  if (e?.status === 401) return 'unauthorized';
  if (e?.status === 403) return 'forbidden';
  if (e?.status === 404) return 'not-found';
  return 'other';
}

/** A short description of a failed request: status and GitHub's message. */
export function describeGithubError(error: unknown): string {
  const e = error as {
    status?: number;
    message?: string;
    response?: { data?: { message?: string } };
  };
  const message = e?.response?.data?.message ?? e?.message ?? String(error);
  return e?.status ? `${e.status} ${message}` : message;
}

/**
 * What a conditional GET remembers: the ETag and the data it stood for.
 */
interface CachedResponse {
  etag: string;
  data: unknown;
  link?: string;
  run: number;
}

/**
 * ETags of the REST responses a source read, with their data, kept in memory
 * across runs (not across restarts): a repeated GET sends `If-None-Match`,
 * and GitHub's 304 — which costs no rate-limit point — is answered from here.
 * Entries not used by a complete run are dropped.
 *
 * @public
 */
export class GithubConditionalCache {
  private readonly entries = new Map<string, CachedResponse>();
  private run = 0;

  /** Starts a run (for dropping what it does not use). */
  startRun(): void {
    this.run++;
  }

  /** Drops entries the current run did not use (call after a complete run). */
  prune(): void {
    for (const [key, entry] of this.entries) {
      if (entry.run !== this.run) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * GETs a URL (absolute, or a path under the client's base URL),
   * conditionally when an ETag is known. Returns the data and the `Link`
   * header, and whether GitHub answered 304.
   */
  async get(
    octokit: GithubClient,
    url: string,
  ): Promise<{ data: unknown; link?: string; notModified: boolean }> {
    const cached = this.entries.get(url);
    try {
      const response = await octokit.request({
        method: 'GET',
        url,
        headers: cached ? { 'if-none-match': cached.etag } : {},
      });
      const etag = response.headers.etag;
      const link = response.headers.link;
      if (etag) {
        this.entries.set(url, {
          etag,
          data: response.data,
          link,
          run: this.run,
        });
      }
      return { data: response.data, link, notModified: false };
    } catch (e) {
      if ((e as { status?: number }).status === 304 && cached) {
        cached.run = this.run;
        return { data: cached.data, link: cached.link, notModified: true };
      }
      throw e;
    }
  }
}

/** The `rel="next"` URL of a `Link` header. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (m && m[2] === 'next') return m[1];
  }
  return undefined;
}
