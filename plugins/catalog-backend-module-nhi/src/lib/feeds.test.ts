import { mockServices } from '@backstage/backend-test-utils';
import { NhiBackendFeeds } from './feeds';

describe('NhiBackendFeeds', () => {
  it('reads since when identities are unowned, page by page, by lower-case ref', async () => {
    const pages: Record<string, object> = {
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
    };
    const urls: string[] = [];
    const feeds = new NhiBackendFeeds({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      pageSize: 1,
      fetch: (async (url: string) => {
        urls.push(url);
        const cursor = new URL(url).searchParams.get('cursor') ?? '';
        return new Response(JSON.stringify(pages[cursor]), { status: 200 });
      }) as any,
    });
    expect(await feeds.readUnownedSince()).toEqual(
      new Map([
        ['nonhumanidentity:default/a', '2027-01-01T00:00:00.000Z'],
        ['nonhumanidentity:default/b', '2027-01-02T00:00:00.000Z'],
      ]),
    );
    expect(urls.map(u => new URL(u).pathname)).toEqual([
      '/api/nhi/unowned',
      '/api/nhi/unowned',
    ]);
  });

  it('reads nothing when the claims backend is not installed', async () => {
    const feeds = new NhiBackendFeeds({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async () => new Response('', { status: 404 })) as any,
    });
    expect(await feeds.readUnownedSince()).toEqual(new Map());
  });
});
