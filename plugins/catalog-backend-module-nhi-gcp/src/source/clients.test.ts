import { OAuth2Client } from 'googleapis-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { GcpCallCounter, GcpClients } from './clients';
import { GcpApiError } from './errors';

/** A server answering each request with the next of `responses` (then the last again). */
async function scripted(
  responses: Array<{
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }>,
) {
  let i = 0;
  const server = http.createServer((_req, res) => {
    const r = responses[Math.min(i++, responses.length - 1)];
    res.writeHead(r.status, {
      'content-type': 'application/json',
      ...r.headers,
    });
    res.end(JSON.stringify(r.body));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => i,
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

function clients(url: string, maxAttempts: number, waits: number[]) {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'token' });
  return new GcpClients(
    {
      auth,
      rootUrl: url,
      maxAttempts,
      retryBaseDelayMs: 100,
      maxRetryDelayMs: 30_000,
      sleep: async ms => {
        waits.push(ms);
      },
    },
    new GcpCallCounter(),
  );
}

const ok = {
  status: 200,
  body: { accounts: [{ email: 'a@p.iam.gserviceaccount.com' }] },
};
const quota = (retryAfter?: string) => ({
  status: 429,
  body: {
    error: {
      code: 429,
      message: 'Quota exceeded',
      status: 'RESOURCE_EXHAUSTED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
        },
      ],
    },
  },
  headers: (retryAfter ? { 'retry-after': retryAfter } : {}) as Record<
    string,
    string
  >,
});
const rateLimit403 = {
  status: 403,
  body: {
    error: {
      code: 403,
      message: 'Rate Limit Exceeded',
      errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded' }],
      status: 'PERMISSION_DENIED',
    },
  },
};

describe('GcpClients', () => {
  it('waits as long as Retry-After asks, then succeeds', async () => {
    const server = await scripted([quota('7'), ok]);
    const waits: number[] = [];
    const c = clients(server.url, 5, waits);
    const page = await c.listServiceAccounts('p', undefined);
    await server.stop();
    expect(page.items).toHaveLength(1);
    expect(waits).toEqual([7000]);
    expect(c.counter).toMatchObject({
      attempts: 2,
      throttled: 1,
      waitedMs: 7000,
    });
    expect(c.counter.total()).toBe(1);
  });

  it('waits out a 403 rateLimitExceeded with backoff, never longer than the cap', async () => {
    const server = await scripted([rateLimit403, quota('3600'), ok]);
    const waits: number[] = [];
    const c = clients(server.url, 5, waits);
    await c.listServiceAccounts('p', undefined);
    await server.stop();
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(100);
    expect(waits[1]).toBe(30_000);
  });

  it('gives up after maxAttempts, saying so', async () => {
    const server = await scripted([quota('1')]);
    const waits: number[] = [];
    const c = clients(server.url, 3, waits);
    const error = await c.listServiceAccounts('p', undefined).catch(e => e);
    await server.stop();
    expect(server.requests()).toBe(3);
    expect(error).toBeInstanceOf(GcpApiError);
    expect(error.message).toBe(
      'iam.projects.serviceAccounts.list: 429 RESOURCE_EXHAUSTED: Quota exceeded (gave up after 3 attempts)',
    );
  });

  it('does not retry a refused permission, and names it', async () => {
    const server = await scripted([
      {
        status: 403,
        body: {
          error: {
            code: 403,
            message:
              "Permission 'iam.serviceAccounts.list' denied on resource (or it may not exist).",
            status: 'PERMISSION_DENIED',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'IAM_PERMISSION_DENIED',
                metadata: { permission: 'iam.serviceAccounts.list' },
              },
            ],
          },
        },
      },
    ]);
    const c = clients(server.url, 5, []);
    const error: GcpApiError = await c
      .listServiceAccounts('p', undefined)
      .catch(e => e);
    await server.stop();
    expect(server.requests()).toBe(1);
    expect(error.permissionDenied).toBe(true);
    expect(error.missingPermission).toBe('iam.serviceAccounts.list');
  });

  it('names the permission the operation needs when Google does not, and tells a disabled API apart', async () => {
    const server = await scripted([
      {
        status: 403,
        body: {
          error: {
            code: 403,
            message: 'The caller does not have permission',
            status: 'PERMISSION_DENIED',
          },
        },
      },
      {
        status: 403,
        body: {
          error: {
            code: 403,
            message:
              'Cloud Asset API has not been used in project 1 before or it is disabled.',
            status: 'PERMISSION_DENIED',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'SERVICE_DISABLED',
                metadata: { service: 'cloudasset.googleapis.com' },
              },
            ],
          },
        },
      },
    ]);
    const c = clients(server.url, 5, []);
    const refused: GcpApiError = await c
      .queryActivities('p', 'serviceAccountLastAuthentication', undefined)
      .catch(e => e);
    const disabled: GcpApiError = await c
      .listAssets(
        'p',
        'iam.googleapis.com/ServiceAccountKey',
        'RESOURCE',
        undefined,
      )
      .catch(e => e);
    await server.stop();
    expect(refused.missingPermission).toBe(
      'policyanalyzer.serviceAccountLastAuthenticationActivities.query',
    );
    expect(disabled.disabledService).toBe('cloudasset.googleapis.com');
    expect(disabled.permissionDenied).toBe(false);
  });

  it('retries an attempt that outlives the request timeout', async () => {
    let n = 0;
    const server = http.createServer((_req, res) => {
      // The first request never gets an answer.
      if (n++ === 0) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok.body));
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'token' });
    const c = new GcpClients(
      {
        auth,
        rootUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        maxAttempts: 3,
        requestTimeoutMs: 200,
        sleep: async () => {},
      },
      new GcpCallCounter(),
    );
    const page = await c.listServiceAccounts('p', undefined);
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
    expect(page.items).toHaveLength(1);
    expect(c.counter.attempts).toBe(2);
  });
});
