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

/** The inventory route over a list, as the catalog module answers it. */
function fakeInventory(
  all: Record<string, NhiInventoryItem[]>,
  extra: object = {},
) {
  const calls: URL[] = [];
  const fetch = jest.fn(async (url: string, init: any) => {
    const u = new URL(url);
    calls.push(u);
    expect(init.headers.Authorization).toMatch(/^Bearer /);
    const items = all[u.searchParams.get('owner') ?? ''] ?? [];
    const offset = Number(u.searchParams.get('offset'));
    const limit = Number(u.searchParams.get('limit'));
    return new Response(
      JSON.stringify({
        ready: true,
        items: items.slice(offset, offset + limit),
        totalCount: items.length,
        ...extra,
      }),
      { status: 200, headers: { 'content-type': 'application/json' } },
    );
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
    expect(calls.map(c => c.searchParams.get('offset'))).toEqual([
      '0',
      '500',
      '1000',
      '0',
    ]);
    expect(calls[0].pathname).toBe('/api/catalog/nhi/inventory');
    expect(calls[0].searchParams.get('dormant')).toBe('true');
    expect(calls[0].searchParams.get('limit')).toBe('500');
    expect(calls[0].searchParams.get('sort')).toBe('name:asc');
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
