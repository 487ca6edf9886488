import { mockServices } from '@backstage/backend-test-utils';
import { NhiInventorySummary } from './summary';
import { builtIdentity } from './__testUtils__/run';

function setup() {
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
    inventorySyncedSources: jest.fn(async () => new Set<string>()),
  };
  const catalog = {
    getEntitiesByRefs: jest.fn(async () => ({
      items: [kept.entity, undefined],
    })),
    streamEntities: jest.fn(async function* stream() {
      yield [];
    }),
  };
  const summary = new NhiInventorySummary({
    store: store as any,
    catalog: catalog as any,
    auth: mockServices.auth(),
  });
  return { kept, detailed, store, catalog, summary };
}

describe('NhiInventorySummary', () => {
  it('writes and removes the rows the emit and removal steps give it', async () => {
    const { kept, store, summary } = setup();
    await summary.write('test:unit', [kept.full]);
    await summary.remove('test:unit', [kept.entityRef]);
    expect(store.inventory.upsert).toHaveBeenCalledWith('test:unit', [
      kept.full,
    ]);
    expect(store.inventory.delete).toHaveBeenCalledWith('test:unit', [
      kept.entityRef,
    ]);
  });

  it('resyncs a source: kept identities without detail from the catalog, rows it no longer has dropped, marked synced', async () => {
    const { kept, detailed, store, catalog, summary } = setup();
    await summary.resyncSource('test:unit', {
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

  it('adds the hand-written identities once per database, then only drops rows of those gone', async () => {
    const { store, catalog, summary } = setup();
    await summary.syncDeclared();
    expect(catalog.streamEntities).toHaveBeenCalledTimes(1);
    expect(store.markInventorySynced).toHaveBeenCalledWith(
      'declared',
      expect.any(Date),
    );
    store.inventorySyncedSources.mockResolvedValue(new Set(['declared']));
    await summary.syncDeclared();
    expect(catalog.streamEntities).toHaveBeenCalledTimes(1);
  });
});
