import { NhiClient } from './client';

function client(responses: Array<{ status: number; body?: unknown }>) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetchFn = jest.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const r = responses.shift()!;
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
      status: r.status,
      statusText: r.status >= 400 ? 'Bad' : 'OK',
      headers: { 'Content-Type': 'application/json' },
    });
  });
  return {
    calls,
    client: new NhiClient({
      discoveryApi: { getBaseUrl: async id => `http://backend/api/${id}` },
      fetchApi: { fetch: fetchFn as any },
    }),
  };
}

describe('NhiClient', () => {
  it('sends claims as JSON to the nhi backend and lists with a query', async () => {
    const { client: c, calls } = client([
      { status: 201, body: { id: 'c1', status: 'open' } },
      { status: 200, body: { items: [], totalCount: 0 } },
    ]);
    await c.createClaim({
      entityRef: 'nonhumanidentity:default/x',
      group: 'group:default/a',
      justification: 'ours, really',
    });
    expect(calls[0].url).toBe('http://backend/api/nhi/claims');
    expect(calls[0].init).toMatchObject({
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(String(calls[0].init!.body))).toEqual({
      entityRef: 'nonhumanidentity:default/x',
      group: 'group:default/a',
      justification: 'ours, really',
    });
    await c.listClaims({
      status: ['open', 'approved'],
      toReview: true,
      limit: 10,
    });
    expect(calls[1].url).toBe(
      'http://backend/api/nhi/claims?status=open%2Capproved&toReview=true&limit=10',
    );
  });

  it('talks to the catalog for sources and accepts 202 without a body', async () => {
    const { client: c, calls } = client([{ status: 202 }]);
    await expect(c.runSource('file', 'demo')).resolves.toBeUndefined();
    expect(calls[0].url).toBe(
      'http://backend/api/catalog/nhi/sources/file/demo/run',
    );
  });

  it('confirms a held removal, naming the hold it confirms', async () => {
    const { client: c, calls } = client([{ status: 202 }]);
    await c.confirmHeldRemoval('file', 'demo', '2026-12-06T10:00:00.000Z');
    expect(calls[0].url).toBe(
      'http://backend/api/catalog/nhi/sources/file/demo/removals/confirm',
    );
    expect(calls[0].init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init!.body))).toEqual({
      heldSince: '2026-12-06T10:00:00.000Z',
    });
  });

  it('requests, decides and lists exceptions, and reads the exception policy', async () => {
    const { client: c, calls } = client([
      { status: 200, body: { items: [], totalCount: 0 } },
      { status: 200, body: { id: 'e/1', status: 'active' } },
      { status: 200, body: { id: 'e2', status: 'rejected' } },
      { status: 200, body: { maxDays: {}, reviewer: false } },
    ]);
    await c.listExceptions({
      entityRef: 'nonhumanidentity:default/x',
      status: ['requested', 'active'],
    });
    expect(calls[0].url).toBe(
      'http://backend/api/nhi/exceptions?entityRef=nonhumanidentity%3Adefault%2Fx&status=requested%2Cactive',
    );
    await c.approveException('e/1');
    expect(calls[1].url).toBe(
      'http://backend/api/nhi/exceptions/e%2F1/approve',
    );
    expect(JSON.parse(String(calls[1].init!.body))).toEqual({});
    await c.rejectException('e2', 'rotate it instead');
    expect(calls[2].url).toBe('http://backend/api/nhi/exceptions/e2/reject');
    expect(JSON.parse(String(calls[2].init!.body))).toEqual({
      comment: 'rotate it instead',
    });
    await c.getExceptionPolicy();
    expect(calls[3]).toMatchObject({
      url: 'http://backend/api/nhi/exceptions/policy',
      init: { method: 'GET' },
    });
  });

  it('throws the backend’s error message', async () => {
    const { client: c } = client([
      {
        status: 409,
        body: {
          error: { name: 'ConflictError', message: 'already owned' },
          request: {},
          response: { statusCode: 409 },
        },
      },
    ]);
    await expect(c.approveClaim('c1')).rejects.toThrow(/already owned/);
  });
});
