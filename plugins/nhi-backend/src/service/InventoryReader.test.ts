import { mockServices } from '@backstage/backend-test-utils';
import { NhiInventoryItem } from '@backstage-nhi/plugin-nhi-common';
import { InventoryReader } from './InventoryReader';

const item = (name: string): NhiInventoryItem => ({
  kind: 'NonHumanIdentity',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'iam-role',
    category: 'service-account',
    provider: 'aws',
    externalId: name,
    ownership: { status: 'unowned', provenance: 'none' },
  },
});

/**
 * The inventory routes over lists, as the catalog module answers them: the
 * count (`/facets`) and keyset pages (the cursor is the index of the next
 * item here). `changed` adds identities after the count was given.
 */
function fakeInventory(
  all: Record<string, NhiInventoryItem[]>,
  extra: object = {},
  changed: NhiInventoryItem[] = [],
) {
  const calls: URL[] = [];
  const fetch = jest.fn(async (url: string, init: any) => {
    const u = new URL(url);
    calls.push(u);
    expect(init.headers.Authorization).toMatch(/^Bearer /);
    const items = all[u.searchParams.get('owner') ?? ''] ?? [];
    let body: object;
    if (u.pathname.endsWith('/facets')) {
      body = { totalCount: items.length, facets: {} };
    } else {
      const now = [...items, ...changed];
      const from = Number(u.searchParams.get('cursor') ?? 0);
      const to = from + Number(u.searchParams.get('limit'));
      body = {
        items: now.slice(from, to),
        ...(to < now.length ? { nextCursor: String(to) } : {}),
      };
    }
    return new Response(JSON.stringify({ ready: true, ...body, ...extra }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  const reader = new InventoryReader({
    discovery: mockServices.discovery(),
    auth: mockServices.auth(),
    fetch: fetch as any,
  });
  return { reader, calls, fetch };
}

describe('InventoryReader', () => {
  it('reads every page of each filter set, 500 at a time, and merges what several sets match', async () => {
    const team = Array.from({ length: 1203 }, (_, i) => item(`role-${i}`));
    const { reader, calls } = fakeInventory({
      'group:default/payments': team,
      unowned: [item('orphan'), item('role-7')],
    });
    const read = await reader.read([
      { owner: 'group:default/payments', dormant: true },
      { owner: 'unowned' },
    ]);
    expect(read.items).toHaveLength(1204);
    expect(read.items[1203]).toMatchObject({
      entityRef: 'nonhumanidentity:default/orphan',
    });
    expect(read.note).toBeUndefined();
    // the count, then keyset pages to the last, for each set
    expect(calls.map(c => `${c.pathname}?${c.searchParams}`)).toEqual([
      '/api/catalog/nhi/inventory/facets?owner=group%3Adefault%2Fpayments&dormant=true&facet=spec.category',
      '/api/catalog/nhi/inventory?owner=group%3Adefault%2Fpayments&dormant=true&limit=500&paging=keyset',
      '/api/catalog/nhi/inventory?owner=group%3Adefault%2Fpayments&dormant=true&limit=500&cursor=500',
      '/api/catalog/nhi/inventory?owner=group%3Adefault%2Fpayments&dormant=true&limit=500&cursor=1000',
      '/api/catalog/nhi/inventory/facets?owner=unowned&facet=spec.category',
      '/api/catalog/nhi/inventory?owner=unowned&limit=500&paging=keyset',
    ]);
  });

  it('stops on a last page that is full, and says when the inventory changed while it was read', async () => {
    const all = Array.from({ length: 1000 }, (_, i) => item(`r${i}`));
    const exact = fakeInventory({ '': all });
    expect(await exact.reader.read([{}])).toEqual({
      items: expect.any(Array),
    });
    expect(exact.calls.map(c => c.searchParams.get('cursor'))).toEqual([
      null,
      null,
      '500',
    ]);
    const changed = fakeInventory({ '': all }, {}, [item('new-one')]);
    const read = await changed.reader.read([{}]);
    expect(read.items).toHaveLength(1001);
    expect(read.note).toBe(
      'the inventory changed while it was read (1000 identities at first, 1001 read)',
    );
    expect(changed.calls).toHaveLength(4);
  });

  it('refuses a scope larger than a campaign may hold before reading it all', async () => {
    const { reader, calls } = fakeInventory({
      '': Array.from({ length: 2000 }, (_, i) => item(`r${i}`)),
    });
    await expect(reader.read([{}], 1000)).rejects.toThrow(
      'the scope holds 2000 identities, more than the 1000 a campaign may hold (nhi.campaigns.maxItems); narrow it',
    );
    expect(calls).toHaveLength(1);
  });

  it('says what the inventory does not hold yet, and refuses when it cannot answer', async () => {
    const pending = fakeInventory(
      { '': [item('a')] },
      { pending: 'still reading aws:prod' },
    );
    expect((await pending.reader.read([{}])).note).toBe(
      'still reading aws:prod',
    );
    const notReady = new InventoryReader({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async () =>
        new Response(
          JSON.stringify({
            ready: false,
            reason: 'the catalog read permission is conditional',
          }),
          {
            status: 200,
          },
        )) as any,
    });
    await expect(notReady.read([{}])).rejects.toThrow(
      'the inventory summary cannot answer: the catalog read permission is conditional',
    );
  });
});
