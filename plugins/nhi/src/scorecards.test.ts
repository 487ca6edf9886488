import { mockApis } from '@backstage/test-utils';
import { NhiScorecardsClient } from './scorecards';

const BASE = 'http://localhost:7007/api/tech-insights';

const CHECKS = [
  { id: 'nhi-component-no-critical-identities' },
  { id: 'nhi-group-no-critical-identities' },
  { id: 'nhi-group-identities-owned' },
  { id: 'docs-have-readme' },
].map(c => ({ ...c, type: 'json-rules-engine', name: c.id, factIds: [] }));

type Call = { url: string; method: string; body?: any; auth: string | null };

/** A Tech Insights backend answering from a list, recording the requests. */
function backend(
  answer: (call: Call) => { status?: number; body: unknown } | undefined,
) {
  const calls: Call[] = [];
  global.fetch = jest.fn(async (input: RequestInfo | URL) => {
    const request = input as Request;
    const text = await request.text();
    const call = {
      url: request.url,
      method: request.method,
      body: text ? JSON.parse(text) : undefined,
      auth: request.headers.get('authorization'),
    };
    calls.push(call);
    const { status = 200, body } = (call.url === `${BASE}/checks`
      ? { body: CHECKS }
      : answer(call)) ?? { status: 404, body: {} };
    return new Response(JSON.stringify(body), {
      status,
      statusText: status === 200 ? 'OK' : 'Error',
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return calls;
}

const client = () =>
  new NhiScorecardsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    identityApi: mockApis.identity({ token: 'user-token' }),
  });

describe('NhiScorecardsClient', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('runs the NHI checks of the entity’s kind, and only those, as the user', async () => {
    const result = [{ check: { id: 'nhi-group-identities-owned' } }];
    const calls = backend(() => ({ body: result }));
    await expect(client().run('group:default/payments')).resolves.toEqual(
      result,
    );
    expect(calls.at(-1)).toEqual({
      url: `${BASE}/checks/run/default/group/payments`,
      method: 'POST',
      body: {
        checks: [
          'nhi-group-no-critical-identities',
          'nhi-group-identities-owned',
        ],
      },
      auth: 'Bearer user-token',
    });
  });

  it('runs nothing when no NHI check is configured for the kind', async () => {
    const calls = backend(() => undefined);
    await expect(client().run('user:default/farah')).resolves.toEqual([]);
    expect(calls.map(c => c.url)).toEqual([`${BASE}/checks`]);
  });

  it('shows the backend’s reason for a refusal', async () => {
    backend(() => ({
      status: 403,
      // as the backend's error handler writes it
      body: {
        error: { name: 'NotAllowedError', message: 'Unauthorized' },
        request: { method: 'POST', url: '/checks/run/default/group/payments' },
        response: { statusCode: 403 },
      },
    }));
    await expect(client().run('group:default/payments')).rejects.toThrow(
      /^Unauthorized$/,
    );
  });

  it('runs the checks of many entities in one bulk request', async () => {
    const calls = backend(call => ({
      body: call.body.entities.map((e: any) => ({
        entity: `${e.kind}:${e.namespace}/${e.name}`,
        results: [],
      })),
    }));
    const refs = ['group:default/payments', 'group:default/platform'];
    await expect(client().runMany(refs, 'nhi-group-')).resolves.toEqual(
      refs.map(entity => ({ entity, results: [] })),
    );
    const runs = calls.filter(c => c.url === `${BASE}/checks/run`);
    expect(runs).toHaveLength(1);
    expect(runs[0].body.checks).toEqual([
      'nhi-group-no-critical-identities',
      'nhi-group-identities-owned',
    ]);
  });

  it('never sends a bulk request without entities (the backend would run every entity)', async () => {
    const calls = backend(call => ({
      body: call.body.entities.map((e: any) => ({
        entity: `${e.kind}:${e.namespace}/${e.name}`,
        results: [],
      })),
    }));
    const refs = Array.from({ length: 750 }, (_, i) => `group:default/t${i}`);
    const results = await client().runMany(refs, 'nhi-group-');
    expect(results.map(r => r.entity)).toEqual(refs);
    const runs = calls.filter(c => c.url === `${BASE}/checks/run`);
    expect(runs.every(r => r.body.entities.length > 0)).toBe(true);
    await expect(client().runMany([], 'nhi-group-')).resolves.toEqual([]);
  });
});
