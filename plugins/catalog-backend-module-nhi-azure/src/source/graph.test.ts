import {
  EntraTenantModel,
  generateEntraTenant,
  GraphEndpoint,
  GraphEndpointFaults,
  StaticTokenCredential,
  startGraphEndpoint,
} from '../testUtils';
import {
  GraphCallCounter,
  GraphPage,
  GraphReader,
  GraphRequestError,
  operationOf,
  realSleep,
  retryAfterMs,
} from './graph';

jest.setTimeout(30_000);

const endpoints: GraphEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.stop()));
});

const model: EntraTenantModel = generateEntraTenant({ identities: 230 });

async function setup(
  options: {
    faults?: GraphEndpointFaults;
    token?: string;
    maxRetries?: number;
    maxDelayMs?: number;
  } = {},
) {
  const endpoint = await startGraphEndpoint({ model, faults: options.faults });
  endpoints.push(endpoint);
  const counter = new GraphCallCounter();
  const waits: number[] = [];
  const graph = new GraphReader({
    credential: new StaticTokenCredential(options.token),
    baseUrl: endpoint.url,
    counter,
    retry: {
      maxRetries: options.maxRetries ?? 3,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      sleep: async ms => {
        waits.push(ms);
      },
    },
  });
  return { endpoint, counter, waits, graph };
}

describe('GraphReader with the Microsoft Graph client, over HTTP', () => {
  it("sends the credential's token; Graph refusing it is a 401 with Graph's code", async () => {
    const ok = await setup();
    const page = await ok.graph.get<GraphPage<{ id: string }>>(
      '/servicePrincipals?$select=id&$top=1',
    );
    expect(page.value).toHaveLength(1);

    const wrong = await setup({ token: 'someone-elses-token' });
    await expect(
      wrong.graph.get('/servicePrincipals?$select=id&$top=1'),
    ).rejects.toMatchObject({
      name: 'GraphRequestError',
      status: 401,
      code: 'InvalidAuthenticationToken',
    });
  });

  it('follows @odata.nextLink across pages with $top and $select', async () => {
    const { graph, counter, endpoint } = await setup();
    const all = await graph.all<Record<string, unknown>>({
      path: '/servicePrincipals?$select=id,displayName&$top=100',
    });
    expect(all.map(sp => sp.id)).toEqual(
      model.servicePrincipals.map(sp => sp.id),
    );
    expect(Object.keys(all[0]).sort()).toEqual(['displayName', 'id']);
    const pages = Math.ceil(model.servicePrincipals.length / 100);
    expect(counter.operations.get('GET /servicePrincipals')).toBe(pages);
    expect(endpoint.calls['GET /v1.0/servicePrincipals']).toBe(pages);
  });

  it('pages at most 100 objects with $expand, and expands at most 20 owners, as Graph does', async () => {
    const { graph } = await setup();
    const first = await graph.get<GraphPage<{ owners: unknown[] }>>(
      '/applications?$select=id&$expand=owners($select=id,mail)&$top=999',
    );
    expect(first.value).toHaveLength(100);
    expect(first['@odata.nextLink']).toContain('$skiptoken=');
    const all = await graph.all<{ displayName?: string; owners: unknown[] }>({
      path: '/applications?$select=id,displayName&$expand=owners($select=id,mail)&$top=999',
    });
    const shared = all.find(a => a.displayName === 'shared-reporting-app');
    expect(shared?.owners).toHaveLength(20);
  });

  it('waits out 429 for the Retry-After Graph asks, then succeeds', async () => {
    const { graph, counter, waits } = await setup({
      faults: { throttleFirst: 2, retryAfterSeconds: 7 },
    });
    const page = await graph.get<GraphPage<unknown>>(
      '/servicePrincipals?$select=id&$top=5',
    );
    expect(page.value).toHaveLength(5);
    expect(waits).toEqual([7000, 7000]);
    expect(counter.throttled).toBe(2);
    expect(counter.attempts).toBe(3);
    expect(counter.total()).toBe(1);
  });

  it('gives up after maxRetries, and never waits longer than maxDelayMs', async () => {
    const { graph, waits } = await setup({
      faults: { throttleFirst: 10, retryAfterSeconds: 600 },
      maxRetries: 2,
      maxDelayMs: 90_000,
    });
    await expect(
      graph.get('/servicePrincipals?$select=id&$top=5'),
    ).rejects.toMatchObject({ status: 429, code: 'TooManyRequests' });
    expect(waits).toEqual([90_000, 90_000]);
  });

  it('sends $batch calls of at most 20 requests and sends throttled parts again after their Retry-After', async () => {
    const { graph, counter, waits, endpoint } = await setup({
      faults: { throttleFirst: 3, retryAfterSeconds: 2 },
    });
    const apps = model.applications.slice(0, 45);
    const paths = apps.map(a => `/applications/${a.id}/owners?$select=id,mail`);
    const answers = await graph.batch(paths);
    expect(answers.size).toBe(45);
    for (const [i, app] of apps.entries()) {
      expect(answers.get(i)?.status).toBe(200);
      expect(
        (answers.get(i)?.body as GraphPage<{ id: string }>).value?.map(
          o => o.id,
        ),
      ).toEqual(app.owners);
    }
    // 3 calls of 20, 20 and 5, then one more for the 3 throttled parts.
    expect(endpoint.calls['POST /v1.0/$batch']).toBe(4);
    expect(counter.operations.get('POST /$batch')).toBe(4);
    expect(endpoint.batchedRequests).toBe(48);
    expect(counter.throttled).toBe(3);
    expect(waits).toEqual([2000]);
  });

  it("turns a refused $batch part into Graph's error, the other parts answered", async () => {
    const { graph } = await setup({ faults: { deny: ['roleManagement'] } });
    const paths = [
      '/roleManagement/directory/roleDefinitions',
      `/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id,appRoles`,
    ];
    const answers = await graph.batch(paths);
    const error = GraphReader.errorOf(answers.get(0), paths[0]);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({
      status: 403,
      code: 'Authorization_RequestDenied',
      isPermissionDenied: true,
    });
    expect(GraphReader.errorOf(answers.get(1), paths[1])).toBeUndefined();
    expect(
      (answers.get(1)?.body as { appRoles: unknown[] }).appRoles.length,
    ).toBeGreaterThan(10);
  });

  it('has the sign-in activity reports in beta only, as Graph does', async () => {
    const { graph } = await setup();
    await expect(
      graph.get('/reports/servicePrincipalSignInActivities'),
    ).rejects.toMatchObject({ status: 400, code: 'BadRequest' });
    const page = await graph.get<GraphPage<unknown>>(
      '/reports/servicePrincipalSignInActivities?$top=999',
      'beta',
    );
    expect(page.value?.length).toBe(
      model.servicePrincipalSignInActivities.length,
    );
  });

  it('retries a request that got no answer, then says Graph could not be reached', async () => {
    const endpoint = await startGraphEndpoint({ model });
    const url = endpoint.url;
    await endpoint.stop();
    const waits: number[] = [];
    const counter = new GraphCallCounter();
    const graph = new GraphReader({
      credential: new StaticTokenCredential(),
      baseUrl: url,
      counter,
      retry: {
        maxRetries: 2,
        maxDelayMs: 60_000,
        sleep: async ms => {
          waits.push(ms);
        },
      },
    });
    await expect(graph.get('/servicePrincipals')).rejects.toMatchObject({
      status: 0,
      message: expect.stringMatching(/^Microsoft Graph could not be reached: /),
    });
    expect(waits).toEqual([1000, 2000]);
    expect(counter.attempts).toBe(3);
  });

  it('refuses a next page on another host', async () => {
    const { graph } = await setup();
    const pages = graph.pages({
      page: {
        value: [],
        '@odata.nextLink': 'https://attacker.example/v1.0/servicePrincipals',
      },
    });
    await pages.next();
    await expect(pages.next()).rejects.toMatchObject({
      code: 'UnexpectedNextLink',
    });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-28T00:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 28 Nov 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Fri, 27 Nov 2026 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('operationOf', () => {
  it('names an operation without its ids, version and query', () => {
    expect(
      operationOf(
        'get',
        '/applications/1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9/owners?$top=999',
      ),
    ).toBe('GET /applications/{id}/owners');
    expect(
      operationOf(
        'GET',
        "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')/appRoleAssignedTo",
      ),
    ).toBe('GET /servicePrincipals(appId={appId})/appRoleAssignedTo');
  });
});

describe('realSleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits, and stops waiting when the read is aborted', async () => {
    const done = jest.fn();
    realSleep(5000).then(done);
    await jest.advanceTimersByTimeAsync(4999);
    expect(done).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toHaveBeenCalled();

    const abort = new AbortController();
    const waiting = realSleep(60_000, abort.signal);
    abort.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
