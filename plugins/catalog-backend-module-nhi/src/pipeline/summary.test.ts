import { mockServices } from '@backstage/backend-test-utils';
import { resyncSourceSummary } from './summary';
import { builtIdentity } from './__testUtils__/run';

describe('resyncSourceSummary', () => {
  it('summarises kept identities without detail from the catalog, drops rows the source no longer has, and marks it synced', async () => {
    const kept = builtIdentity({ name: 'kept' });
    const detailed = builtIdentity({ name: 'detailed' });
    const store = {
      inventory: {
        details: jest.fn(
          async () => new Map([[detailed.entityRef, detailed.full.spec]]),
        ),
        upsert: jest.fn(),
        refsOf: jest.fn(async () => [
          kept.entityRef,
          detailed.entityRef,
          'nonhumanidentity:default/gone',
        ]),
        delete: jest.fn(),
      },
      markInventorySynced: jest.fn(),
    };
    const catalog = {
      getEntitiesByRefs: jest.fn(async () => ({
        items: [kept.entity, undefined],
      })),
    };
    await resyncSourceSummary({
      sourceKey: 'test:unit',
      store: store as any,
      catalog: catalog as any,
      auth: mockServices.auth(),
      kept: [kept.entityRef, detailed.entityRef],
      present: [kept.entityRef, detailed.entityRef.toUpperCase()],
    });
    expect(catalog.getEntitiesByRefs).toHaveBeenCalledWith(
      { entityRefs: [kept.entityRef] },
      expect.anything(),
    );
    expect(store.inventory.upsert).toHaveBeenCalledWith('test:unit', [
      kept.entity,
    ]);
    expect(store.inventory.delete).toHaveBeenCalledWith('test:unit', [
      'nonhumanidentity:default/gone',
    ]);
    expect(store.markInventorySynced).toHaveBeenCalledWith(
      'test:unit',
      expect.any(Date),
    );
  });
});
