import { mockServices } from '@backstage/backend-test-utils';
import { NhiBackendFeeds } from './feeds';

/** A fake claims backend: pages by path and cursor, and the requests it saw. */
function fakeBackend(pages: Record<string, Record<string, object>>) {
  const requests: Array<{ path: string; query: string; auth: string | null }> =
    [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const u = new URL(url);
    requests.push({
      path: u.pathname,
      query: u.search,
      auth: new Headers(init?.headers).get('authorization'),
    });
    const page = pages[u.pathname]?.[u.searchParams.get('cursor') ?? ''];
    if (!page) {
      return new Response(
        JSON.stringify({ error: { name: 'NotFoundError', message: 'no' } }),
        { status: 404, headers: { 'content-type': 'application/json' } },
      );
    }
    return new Response(JSON.stringify(page), { status: 200 });
  }) as unknown as typeof fetch;
  const feeds = new NhiBackendFeeds({
    discovery: mockServices.discovery(),
    auth: mockServices.auth(),
    pageSize: 1,
    fetch: fetchImpl,
  });
  return { feeds, requests };
}

describe('NhiBackendFeeds', () => {
  it('reads since when identities are unowned, page by page, by lower-case ref, as the catalog', async () => {
    const { feeds, requests } = fakeBackend({
      '/api/nhi/unowned': {
        '': {
          items: [
            {
              entityRef: 'nonhumanidentity:default/A',
              since: '2027-01-01T00:00:00.000Z',
            },
          ],
          nextCursor: 'MQ',
        },
        MQ: {
          items: [
            {
              entityRef: 'nonhumanidentity:default/b',
              since: '2027-01-02T00:00:00.000Z',
            },
          ],
        },
      },
    });
    expect(await feeds.readUnownedSince()).toEqual(
      new Map([
        ['nonhumanidentity:default/a', '2027-01-01T00:00:00.000Z'],
        ['nonhumanidentity:default/b', '2027-01-02T00:00:00.000Z'],
      ]),
    );
    expect(requests.map(r => `${r.path}${r.query}`)).toEqual([
      '/api/nhi/unowned?limit=1',
      '/api/nhi/unowned?limit=1&cursor=MQ',
    ]);
    expect(requests[0].auth).toMatch(/^Bearer /);
  });

  it('reads approved claims and accepted risks with the same cursor scheme', async () => {
    const claim = (n: number) => ({
      entityRef: `nonhumanidentity:default/i${n}`,
      owner: 'group:default/payments',
      claimedBy: 'user:default/a',
      approvedBy: 'user:default/b',
      approvedAt: '2027-01-01T00:00:00.000Z',
      claimId: `c${n}`,
    });
    const risk = { ruleId: 'NHI-X', until: '2027-06-01', by: 'user:default/a' };
    const { feeds, requests } = fakeBackend({
      '/api/nhi/ownership': {
        '': { items: [claim(1)], nextCursor: 'YzE' },
        YzE: { items: [claim(2)] },
      },
      '/api/nhi/exceptions/active': {
        '': {
          items: [{ ...risk, entityRef: 'nonhumanidentity:default/i1' }],
          nextCursor: 'MQ',
        },
        MQ: {
          items: [
            {
              ...risk,
              ruleId: 'NHI-Y',
              entityRef: 'nonhumanidentity:default/i1',
            },
          ],
        },
      },
    });
    expect(await feeds.readApprovedClaims()).toEqual([claim(1), claim(2)]);
    expect(await feeds.readAcceptedRisks()).toEqual(
      new Map([
        ['nonhumanidentity:default/i1', [risk, { ...risk, ruleId: 'NHI-Y' }]],
      ]),
    );
    expect(requests.map(r => r.query)).toEqual([
      '?limit=1',
      '?limit=1&cursor=YzE',
      '?limit=1',
      '?limit=1&cursor=MQ',
    ]);
  });

  it('stops, with an error, a feed that answers the same cursor again', async () => {
    const { feeds } = fakeBackend({
      '/api/nhi/ownership': {
        '': { items: [], nextCursor: 'MQ' },
        MQ: { items: [], nextCursor: 'MQ' },
      },
    });
    await expect(feeds.readApprovedClaims()).rejects.toThrow(
      'the list answered the cursor MQ twice',
    );
  });

  it('reads nothing when the claims backend is not installed', async () => {
    const { feeds } = fakeBackend({});
    expect(await feeds.readUnownedSince()).toEqual(new Map());
    expect(await feeds.readApprovedClaims()).toEqual([]);
    expect(await feeds.readAcceptedRisks()).toEqual(new Map());
  });
});
