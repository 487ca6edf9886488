import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { NhiIdentityRecord, NhiIdentitySource } from '@backstage-nhi/nhi-node';
import { mockNhiRecord } from '@backstage-nhi/nhi-node/testUtils';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { DeclarationIndex } from '../lib/declarations';
import { CatalogDirectory } from '../lib/directory';
import { NhiEntityProvider } from './NhiEntityProvider';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

class ListSource implements NhiIdentitySource {
  readonly type = 'test';
  readonly id = 'unit';
  records: NhiIdentityRecord[] = [];
  async read(context: { emit(r: NhiIdentityRecord[]): Promise<void> }) {
    await context.emit(this.records);
    return { complete: true, errors: [] };
  }
}

async function setup() {
  const knex = await databases.init('SQLITE_3');
  const store = await NhiPipelineStore.create(
    mockServices.database.mock({ getClient: async () => knex }),
  );
  const source = new ListSource();
  const catalogCopies = new Map<string, any>();
  const catalog = {
    getEntitiesByRefs: jest.fn(async ({ entityRefs }: any) => ({
      items: entityRefs.map((ref: string) => catalogCopies.get(ref)),
    })),
    getEntityByRef: jest.fn(async (ref: string) => catalogCopies.get(ref)),
    streamEntities: jest.fn(async function* stream() {
      yield [...catalogCopies.values()];
    }),
  } as any;
  const options = {
    source,
    store,
    logger: mockServices.logger.mock(),
    catalog,
    auth: mockServices.auth(),
    schedule: { frequency: { trigger: 'manual' as const }, timeout: {} },
    batchSize: 10,
    evaluate: <T>(e: T) => e,
    loadContext: async () => ({
      context: {
        directory: new CatalogDirectory([], []),
        declarations: new DeclarationIndex([]),
        claims: new Map(),
      },
      stats: { directoryEntities: 0, declarations: 0, agents: 0, claims: 0 },
    }),
  };
  const connection = {
    applyMutation: jest.fn(async (mutation: any) => {
      for (const { entity } of mutation.added ?? []) {
        catalogCopies.set(
          `nonhumanidentity:default/${entity.metadata.name}`,
          entity,
        );
      }
      for (const { entityRef } of mutation.removed ?? []) {
        catalogCopies.delete(entityRef);
      }
    }),
    refresh: jest.fn(),
  };
  /** A provider as a freshly started backend process has it. */
  const provider = async () => {
    const p = new NhiEntityProvider(options as any);
    await p.connect(connection);
    return p;
  };
  const names = async () =>
    (await store.inventory.query({}, { offset: 0, limit: 100 })).items.map(
      i => i.metadata.title ?? i.metadata.name,
    );
  return { store, source, provider, names, connection };
}

describe('NhiEntityProvider and the inventory summary', () => {
  it('summarises what it emits, removes what disappears and marks the source synced', async () => {
    const { store, source, provider, names } = await setup();
    source.records = [
      mockNhiRecord({ name: 'one' }),
      mockNhiRecord({ name: 'two' }),
    ];
    const p = await provider();
    expect((await p.run()).status).toBe('succeeded');
    expect((await names()).sort()).toEqual(['one', 'two']);
    expect(await store.inventorySyncedSources()).toEqual(
      new Set(['test:unit']),
    );
    source.records = [mockNhiRecord({ name: 'one' })];
    expect((await p.run()).counts.removed).toBe(1);
    expect(await names()).toEqual(['one']);
  });

  it('on a new process, summarises identities kept because their record is invalid now', async () => {
    const { store, source, provider, names } = await setup();
    source.records = [
      mockNhiRecord({ name: 'steady' }),
      mockNhiRecord({ name: 'breaks-later' }),
    ];
    expect((await (await provider()).run()).status).toBe('succeeded');
    // the summary is lost (e.g. installed after the entities were emitted)
    for (const ref of await store.inventory.refsOf('test:unit')) {
      await store.inventory.delete('test:unit', [ref]);
    }
    // next process: one record is now invalid but still names its entity
    source.records = [
      mockNhiRecord({ name: 'steady' }),
      mockNhiRecord({ name: 'breaks-later', category: 'nonsense' as any }),
    ];
    const run = await (await provider()).run();
    expect(run.counts.invalid).toBe(1);
    // the kept identity is summarised from the catalog's copy
    expect((await names()).sort()).toEqual(['breaks-later', 'steady']);
  });

  it('writes the summary before the hashes, so a failed write is retried next run', async () => {
    const { store, source, provider, names } = await setup();
    source.records = [mockNhiRecord({ name: 'one' })];
    const p = await provider();
    const upsert = jest
      .spyOn(store.inventory, 'upsert')
      .mockRejectedValueOnce(new Error('disk full'));
    expect((await p.run()).status).toBe('failed');
    expect(await names()).toEqual([]);
    upsert.mockRestore();
    const again = await p.run();
    expect(again.counts.changed).toBe(1);
    expect(await names()).toEqual(['one']);
  });
});
