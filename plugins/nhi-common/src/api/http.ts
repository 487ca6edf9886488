import { ResponseError } from '@backstage/errors';

/**
 * Fetches JSON from Backstage backends: a discovery service and a fetch
 * that adds the caller's credentials (the frontend's `fetchApi`, or a backend
 * fetch with a service token).
 *
 * @public
 */
export interface NhiClientOptions {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  fetchApi: { fetch: typeof fetch };
}

/** A request body sent as JSON with POST. */
export type NhiRequestInit = { method: 'POST'; body?: unknown };

/**
 * The query string of a request (`?a=1&b=x,y`): empty values are left out,
 * lists joined with commas.
 */
export function queryString(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    q.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * One request to a plugin's backend. A non-2xx answer throws `ResponseError`
 * whose message is the backend's own sentence (not "Request failed with
 * 409"), so that it can be shown to people as it is.
 */
export async function nhiFetch(
  options: NhiClientOptions,
  pluginId: string,
  path: string,
  init?: NhiRequestInit,
): Promise<Response> {
  const base = await options.discoveryApi.getBaseUrl(pluginId);
  const response = await options.fetchApi.fetch(`${base}${path}`, {
    method: init?.method ?? 'GET',
    headers: init ? { 'Content-Type': 'application/json' } : undefined,
    body: init ? JSON.stringify(init.body ?? {}) : undefined,
  });
  if (!response.ok) {
    const error = await ResponseError.fromResponse(response);
    const message = (error.body as { error?: { message?: string } })?.error
      ?.message;
    if (message) error.message = message;
    throw error;
  }
  return response;
}

/** {@link nhiFetch} answering the JSON body (nothing for 202 and 204). */
export async function nhiCall<T>(
  options: NhiClientOptions,
  pluginId: string,
  path: string,
  init?: NhiRequestInit,
): Promise<T> {
  const response = await nhiFetch(options, pluginId, path, init);
  if (response.status === 202 || response.status === 204) {
    return undefined as T;
  }
  return response.json();
}
