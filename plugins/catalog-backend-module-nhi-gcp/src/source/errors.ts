/**
 * Google's errors as the source meets them: the JSON error body
 * (`{ error: { code, message, status, details, errors } }`), what it means
 * for a retry, and which permission a refusal names.
 */

/** One entry of `error.details`, as far as the source reads it. */
interface ErrorDetail {
  '@type'?: string;
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
}

/** The `error` object of a Google API error response. */
export interface GoogleErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: ErrorDetail[];
  /** The legacy form: `[{ domain, reason, message }]`. */
  errors?: Array<{ domain?: string; reason?: string; message?: string }>;
}

/** Reasons of the legacy `errors[]` that mean "too many requests". */
const RATE_REASONS = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
  'backendError',
]);

/** Network failures worth another attempt. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/**
 * A Google API call failed for good (after any retries): the operation,
 * HTTP status, Google's status and message, and the permission the caller
 * lacks when it is a refusal.
 *
 * @public
 */
export class GcpApiError extends Error {
  constructor(
    /** The operation, e.g. `iam.projects.serviceAccounts.list`. */
    readonly operation: string,
    /** The HTTP status; undefined for a network failure. */
    readonly httpStatus: number | undefined,
    /** Google's status, e.g. `PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`. */
    readonly status: string | undefined,
    /** Google's message, or the network error's. */
    readonly detail: string,
    /** The permission the refusal names or the operation needs, for a 403. */
    readonly missingPermission?: string,
    /** For `SERVICE_DISABLED`: the API that is not enabled, e.g. `cloudasset.googleapis.com`. */
    readonly disabledService?: string,
  ) {
    super(
      `${operation}: ${[httpStatus, status].filter(Boolean).join(' ')}${
        httpStatus || status ? ': ' : ''
      }${detail}${
        missingPermission && !detail.includes(missingPermission)
          ? ` (missing permission ${missingPermission})`
          : ''
      }`,
    );
    this.name = 'GcpApiError';
  }

  /** Refused for lack of a permission (not a disabled API, not a quota). */
  get permissionDenied(): boolean {
    return (
      this.httpStatus === 403 &&
      !this.disabledService &&
      this.status !== 'RESOURCE_EXHAUSTED'
    );
  }
}

/** The parts of a gaxios error the source reads. */
interface ErrorLike {
  status?: number;
  code?: string | number;
  message?: string;
  response?: {
    status?: number;
    data?: unknown;
    headers?: { get?(name: string): string | null } & Record<string, unknown>;
  };
}

/** Google's error body of a failed response, if it has one. */
export function googleErrorBody(e: unknown): GoogleErrorBody | undefined {
  const data = (e as ErrorLike)?.response?.data;
  let parsed = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const body = (parsed as { error?: unknown })?.error;
  return body && typeof body === 'object'
    ? (body as GoogleErrorBody)
    : undefined;
}

/** HTTP status of a failed call, if it got a response. */
export function httpStatusOf(e: unknown): number | undefined {
  const err = e as ErrorLike;
  const s = err?.response?.status ?? err?.status;
  return typeof s === 'number' ? s : undefined;
}

/** A header of a failed response (gaxios 7 gives `Headers`, older a record). */
export function headerOf(e: unknown, name: string): string | undefined {
  const headers = (e as ErrorLike)?.response?.headers;
  if (!headers) return undefined;
  if (typeof headers.get === 'function') {
    return headers.get(name) ?? undefined;
  }
  const v = headers[name] ?? headers[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Whether a failure is throttling or a quota that waiting fixes: 429, a 403
 * whose reason is a rate limit, `RESOURCE_EXHAUSTED`, or `RATE_LIMIT_EXCEEDED`.
 */
export function isThrottling(e: unknown): boolean {
  const status = httpStatusOf(e);
  const body = googleErrorBody(e);
  if (status === 429 || body?.status === 'RESOURCE_EXHAUSTED') return true;
  if (status !== 403) return false;
  return (
    (body?.errors ?? []).some(x => x.reason && RATE_REASONS.has(x.reason)) ||
    (body?.details ?? []).some(
      d =>
        d.reason === 'RATE_LIMIT_EXCEEDED' ||
        d.reason === 'RESOURCE_PROJECT_INVALID_QUOTA',
    )
  );
}

/** Whether a failure is transient: throttling, a 5xx, or a dropped connection. */
export function isRetryable(e: unknown): boolean {
  if (isThrottling(e)) return true;
  const status = httpStatusOf(e);
  if (status !== undefined) {
    return status === 408 || status === 500 || status >= 502;
  }
  const code = (e as ErrorLike)?.code;
  const cause = (e as { cause?: { code?: string; name?: string } })?.cause;
  // An attempt that outlived the request timeout (AbortSignal.timeout).
  const timedOut = [e as { name?: string }, cause].some(
    x => x?.name === 'TimeoutError',
  );
  return (
    timedOut ||
    (typeof code === 'string' && RETRYABLE_CODES.has(code)) ||
    (typeof cause?.code === 'string' && RETRYABLE_CODES.has(cause.code))
  );
}

/**
 * How long a throttled response asks to wait: `Retry-After` in seconds or
 * as an HTTP date, or `RetryInfo.retryDelay` in the details; undefined when
 * it does not say.
 */
export function retryAfterMs(e: unknown, now = Date.now()): number | undefined {
  const header = headerOf(e, 'retry-after')?.trim();
  if (header) {
    if (/^\d+(\.\d+)?$/.test(header)) return Number(header) * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  for (const d of googleErrorBody(e)?.details ?? []) {
    const delay = (d as { retryDelay?: string }).retryDelay;
    const m = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
    if (m) return Number(m[1]) * 1000;
  }
  return undefined;
}

/**
 * Turns whatever a call threw into a {@link GcpApiError}, naming the
 * permission: the one Google's `ErrorInfo` or message names, else the one
 * the operation needs.
 */
export function toGcpApiError(
  operation: string,
  e: unknown,
  neededPermission?: string,
): GcpApiError {
  if (e instanceof GcpApiError) return e;
  const status = httpStatusOf(e);
  const body = googleErrorBody(e);
  const err = e as ErrorLike;
  const detail =
    body?.message ||
    (typeof err?.message === 'string' ? err.message : '') ||
    String(e);
  const info = (body?.details ?? []).find(d =>
    (d['@type'] ?? '').endsWith('google.rpc.ErrorInfo'),
  );
  let disabledService: string | undefined;
  if (info?.reason === 'SERVICE_DISABLED' || info?.reason === 'API_DISABLED') {
    disabledService = info.metadata?.service ?? info.metadata?.serviceTitle;
  } else if (/has not been used in project .* or it is disabled/.test(detail)) {
    disabledService = 'the API';
  }
  let missingPermission: string | undefined;
  if (status === 403 && !disabledService && !isThrottling(e)) {
    missingPermission =
      info?.metadata?.permission ??
      /[Pp]ermission '?([a-z0-9]+\.[A-Za-z0-9.]+)'? denied/.exec(detail)?.[1] ??
      neededPermission;
  }
  return new GcpApiError(
    operation,
    status,
    body?.status ??
      (typeof err?.code === 'string' && !status ? err.code : undefined),
    detail,
    missingPermission,
    disabledService,
  );
}
