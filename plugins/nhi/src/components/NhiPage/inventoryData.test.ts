import { ResponseError } from '@backstage/errors';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { mockNhiApi, nhiEntity } from '../../__testUtils__/fixtures';
import { inventoryFacets, inventoryPage } from './inventoryData';

async function responseError(status: number) {
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText: 'x',
    url: 'http://localhost/api/catalog/nhi/inventory',
    headers: new Headers({ 'content-type': 'application/json' }),
    text: async () =>
      JSON.stringify({ error: { name: 'Error', message: `status ${status}` } }),
  } as unknown as Response);
}

function catalog() {
  return catalogApiMock.mock({
    queryEntities: jest.fn(async () => ({
      items: [nhiEntity({ name: 'from-catalog' })],
      totalItems: 1,
      pageInfo: {},
    })) as any,
    getEntityFacets: jest.fn(async () => ({
      facets: { 'spec.category': [{ value: 'bot', count: 7 }] },
    })) as any,
  });
}

describe('inventory data', () => {
  it('reads the summary when it is ready and never asks the catalog', async () => {
    const catalogApi = catalog();
    const item = {
      kind: 'NonHumanIdentity' as const,
      metadata: { name: 'from-summary', namespace: 'default' },
      spec: {
        type: 'aws-iam-user',
        category: 'service-account' as const,
        provider: 'aws',
        externalId: 'x',
        ownership: { status: 'unowned' as const, provenance: 'none' as const },
      },
    };
    const nhiApi = mockNhiApi({
      queryInventory: async () => ({
        ready: true,
        items: [item],
        totalCount: 450000,
      }),
      getInventoryFacets: async () => ({
        ready: true,
        totalCount: 3,
        facets: { 'spec.category': [{ value: 'api-key', count: 3 }] },
      }),
    });
    const page = await inventoryPage(
      { nhiApi, catalogApi },
      { owner: 'unowned', q: 'akia' },
      { offset: 40, limit: 20 },
    );
    expect(page).toEqual({ items: [item], totalCount: 450000 });
    expect(nhiApi.queryInventory).toHaveBeenCalledWith({
      owner: 'unowned',
      q: 'akia',
      offset: 40,
      limit: 20,
    });
    const facets = await inventoryFacets(
      { nhiApi, catalogApi },
      { provider: 'aws', q: 'akia' },
      ['spec.category'],
    );
    expect(facets).toEqual({
      'spec.category': [{ value: 'api-key', count: 3 }],
    });
    // counts ignore the free text, as the catalog path does
    expect(nhiApi.getInventoryFacets).toHaveBeenCalledWith(
      { provider: 'aws', q: undefined },
      ['spec.category'],
    );
    expect(catalogApi.queryEntities).not.toHaveBeenCalled();
    expect(catalogApi.getEntityFacets).not.toHaveBeenCalled();
  });

  it('asks the catalog when the summary is not ready, missing or refused', async () => {
    for (const nhiApi of [
      mockNhiApi(), // not ready
      mockNhiApi({
        queryInventory: async () => Promise.reject(await responseError(404)),
        getInventoryFacets: async () =>
          Promise.reject(await responseError(404)),
      }),
      mockNhiApi({
        queryInventory: async () => Promise.reject(await responseError(403)),
        getInventoryFacets: async () =>
          Promise.reject(await responseError(403)),
      }),
    ]) {
      const catalogApi = catalog();
      const page = await inventoryPage(
        { nhiApi, catalogApi },
        { owner: 'unowned' },
        { offset: 0, limit: 20 },
      );
      expect(page.items.map(i => i.metadata.name)).toEqual(['from-catalog']);
      expect(page.totalCount).toBe(1);
      expect(catalogApi.queryEntities).toHaveBeenCalledWith(
        expect.objectContaining({
          filter: {
            kind: 'NonHumanIdentity',
            'spec.ownership.status': 'unowned',
          },
          offset: 0,
          limit: 20,
        }),
      );
      expect(
        await inventoryFacets({ nhiApi, catalogApi }, {}, ['spec.category']),
      ).toEqual({ 'spec.category': [{ value: 'bot', count: 7 }] });
    }
  });

  it('shows a failing summary instead of hiding it behind the catalog', async () => {
    const catalogApi = catalog();
    const nhiApi = mockNhiApi({
      queryInventory: async () => Promise.reject(await responseError(500)),
      getInventoryFacets: async () => Promise.reject(await responseError(500)),
    });
    await expect(
      inventoryPage({ nhiApi, catalogApi }, {}, { offset: 0, limit: 20 }),
    ).rejects.toThrow('Request failed with 500');
    await expect(
      inventoryFacets({ nhiApi, catalogApi }, {}, ['spec.category']),
    ).rejects.toThrow('Request failed with 500');
    expect(catalogApi.queryEntities).not.toHaveBeenCalled();
    expect(catalogApi.getEntityFacets).not.toHaveBeenCalled();
  });
});
