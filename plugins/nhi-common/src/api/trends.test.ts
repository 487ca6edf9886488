import { NhiClient } from './client';
import {
  formatNhiInventorySort,
  NHI_INVENTORY_DEFAULT_SORT,
  parseNhiInventorySort,
} from './inventory';
import { nhiOwnershipCoverage } from './trends';

function client(body: unknown) {
  const urls: string[] = [];
  return {
    urls,
    client: new NhiClient({
      discoveryApi: { getBaseUrl: async id => `http://backend/api/${id}` },
      fetchApi: {
        fetch: (async (url: string) => {
          urls.push(url);
          return new Response(JSON.stringify(body), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          });
        }) as any,
      },
    }),
  };
}

describe('the inventory sort', () => {
  it('reads a field with an optional order, and nothing else', () => {
    expect(parseNhiInventorySort('risk:desc')).toEqual({
      field: 'risk',
      order: 'desc',
    });
    expect(parseNhiInventorySort('lastUsed')).toEqual({
      field: 'lastUsed',
      order: 'asc',
    });
    for (const bad of ['', 'risk:down', 'score', 'risk:desc:1', undefined]) {
      expect(parseNhiInventorySort(bad)).toBeUndefined();
    }
    expect(formatNhiInventorySort(NHI_INVENTORY_DEFAULT_SORT)).toBe(
      'risk:desc',
    );
  });
});

describe('nhiOwnershipCoverage', () => {
  it('rounds down, so 89.999 % never passes as 90 %, and is 100 with nothing to own', () => {
    expect(nhiOwnershipCoverage(2, 3)).toBe(66.66);
    expect(nhiOwnershipCoverage(8999, 10000)).toBe(89.99);
    expect(nhiOwnershipCoverage(0, 0)).toBe(100);
    expect(nhiOwnershipCoverage(0, 5)).toBe(0);
  });
});

describe('NhiClient', () => {
  it('asks the catalog for trends, the export and a sorted page', async () => {
    const { client: c, urls } = client({ ready: true, items: [] });
    await c.getTrends({ owners: ['all', 'group:default/payments'], days: 30 });
    await c.exportInventory({ after: 'nonhumanidentity:default/a', limit: 2 });
    await c.exportInventory();
    await c.queryInventory({ owner: 'unowned', sort: 'risk:desc', limit: 20 });
    expect(urls).toEqual([
      'http://backend/api/catalog/nhi/trends?owners=all%2Cgroup%3Adefault%2Fpayments&days=30',
      'http://backend/api/catalog/nhi/inventory/export?after=nonhumanidentity%3Adefault%2Fa&limit=2',
      'http://backend/api/catalog/nhi/inventory/export',
      'http://backend/api/catalog/nhi/inventory?owner=unowned&sort=risk%3Adesc&limit=20',
    ]);
  });
});
