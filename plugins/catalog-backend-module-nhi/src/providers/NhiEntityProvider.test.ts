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
  constructor(readonly id = 'unit') {}
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
    // as the catalog filters: by each entity field given
    streamEntities: jest.fn(async function* stream({ filter }: any) {
      yield [...catalogCopies.values()].filter(e =>
        Object.entries(filter ?? {}).every(([path, value]) => {
          const actual = path === 'kind' ? e.kind : undefined;
          if (path.startsWith('metadata.annotations.')) {
            const name = path.slice('metadata.annotations.'.length);
            return e.metadata.annotations?.[name] === value;
          }
          return String(actual).toLowerCase() === String(value).toLowerCase();
        }),
      );
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
  const provider = async (more: Record<string, unknown> = {}) => {
    const p = new NhiEntityProvider({ ...options, ...more } as any);
    await p.connect(connection);
    return p;
  };
  const names = async () =>
    (await store.inventory.query({}, { offset: 0, limit: 100 })).items.map(
      i => i.metadata.title ?? i.metadata.name,
    );
  return { store, source, provider, names, connection, catalogCopies };
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

  it('does not emit an identity another source emits already, and says so', async () => {
    const { store, source, provider, names, connection, catalogCopies } =
      await setup();
    const sourceKeys = ['test:unit', 'test:other'];
    const other = new ListSource('other');
    const shared = mockNhiRecord({ name: 'shared', description: 'from unit' });
    source.records = [shared, mockNhiRecord({ name: 'only-unit' })];
    const first = await provider({ sourceKeys });
    expect((await first.run()).status).toBe('succeeded');

    other.records = [
      { ...shared, description: 'from other' },
      mockNhiRecord({ name: 'only-other' }),
    ];
    const second = await provider({ source: other, sourceKeys });
    connection.applyMutation.mockClear();
    const run = await second.run();
    expect(run.status).toBe('partial');
    expect(run.counts).toMatchObject({ read: 2, changed: 1, duplicate: 1 });
    expect(run.counts.entities).toBe(1);
    const ref = [...catalogCopies.keys()].find(r => r.includes('shared'))!;
    expect(run.errors).toEqual([
      {
        message: `${shared.externalId}: source test:unit emits the same identity (${ref}) and keeps it; list it in one source only`,
        scope: shared.account,
      },
    ]);
    // only its own identity went to the catalog; the summary keeps unit's
    const sent = connection.applyMutation.mock.calls.flatMap(([m]: any) =>
      m.added.map((a: any) => a.entity.metadata.title),
    );
    expect(sent).toEqual(['only-other']);
    expect(catalogCopies.get(ref).metadata.description).toBe('from unit');
    expect((await names()).sort()).toEqual([
      'only-other',
      'only-unit',
      'shared',
    ]);
    expect(await store.inventory.refsOf('test:unit')).toContain(ref);
    expect(await store.inventory.refsOf('test:other')).toHaveLength(1);

    // reported on every run, not taken for unchanged
    expect((await second.run()).counts.duplicate).toBe(1);

    // once the first source no longer has it, the other one emits it
    source.records = [mockNhiRecord({ name: 'only-unit' })];
    expect((await first.run()).counts.removed).toBe(1);
    const after = await second.run();
    expect(after.status).toBe('succeeded');
    expect(after.counts).toMatchObject({ changed: 1, duplicate: 0 });
    expect(after.counts.entities).toBe(2);
    expect(catalogCopies.get(ref).metadata.description).toBe('from other');
    expect(await store.inventory.refsOf('test:other')).toContain(ref);
    expect((await names()).sort()).toEqual([
      'only-other',
      'only-unit',
      'shared',
    ]);
  });

  it('does not stop at an identity of a source that is no longer configured', async () => {
    const { source, provider } = await setup();
    source.records = [mockNhiRecord({ name: 'moved' })];
    expect((await (await provider()).run()).status).toBe('succeeded');
    // test:unit is removed from the configuration; test:other lists it now
    const other = new ListSource('other');
    other.records = [mockNhiRecord({ name: 'moved' })];
    const run = await (
      await provider({ source: other, sourceKeys: ['test:other'] })
    ).run();
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ changed: 1, duplicate: 0 });
  });
});
