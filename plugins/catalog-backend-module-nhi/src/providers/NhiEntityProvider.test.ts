import { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  DEFAULT_NHI_EVALUATION_POLICY,
  nhiRuleIds,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceError,
} from '@backstage-nhi/plugin-nhi-node';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import fs from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { DeclarationIndex } from '../lib/declarations';
import { CatalogDirectory } from '../lib/directory';
import {
  GITHUB_TOKEN,
  LEAKY_DESCRIPTION,
  SECRET_VALUES,
  SLACK_TOKEN,
} from '../lib/secrets/__fixtures__/secrets';
import { NhiEvaluation } from '../module/evaluation';
import { FileInventorySource } from '../sources/file/FileInventorySource';
import { NhiEntityProvider } from './NhiEntityProvider';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

class ListSource implements NhiIdentitySource {
  readonly type = 'test';
  constructor(readonly id = 'unit') {}
  records: NhiIdentityRecord[] = [];
  errors: NhiSourceError[] = [];
  async read(context: { emit(r: NhiIdentityRecord[]): Promise<void> }) {
    await context.emit(this.records);
    return { complete: true, errors: this.errors };
  }
}

/** A logger that keeps every line, its children's included. */
function recordingLogger() {
  const lines: string[] = [];
  const logger: any = {};
  for (const level of ['error', 'warn', 'info', 'debug']) {
    logger[level] = (message: string, meta?: unknown) =>
      lines.push(`${message} ${meta ? JSON.stringify(meta) : ''}`);
  }
  logger.child = () => logger;
  return { logger, lines };
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
    logger: mockServices.logger.mock() as LoggerService,
    catalog,
    auth: mockServices.auth(),
    schedule: { frequency: { trigger: 'manual' as const }, timeout: {} },
    batchSize: 10,
    // the removal guard has tests of its own below
    maxRemovalPercent: 100,
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
  return { store, source, provider, names, connection, catalogCopies, knex };
}

describe('NhiEntityProvider and the inventory summary', () => {
  it('emits what an action returned at once, and the next run finds it unchanged', async () => {
    const { store, source, provider, catalogCopies, names } = await setup();
    source.records = [mockNhiRecord({ name: 'one' })];
    const p = await provider();
    await p.run();
    const created = mockNhiRecord({ name: 'agent-role' });
    const [ref] = await p.applyRecords([created]);
    expect(catalogCopies.has(ref)).toBe(true);
    expect((await names()).sort()).toEqual(['agent-role', 'one']);
    expect((await store.getEmitted(ref))?.sourceKey).toBe('test:unit');
    // the source's next read lists it: nothing to send again
    source.records = [mockNhiRecord({ name: 'one' }), created];
    const run = await p.run();
    expect(run.counts).toMatchObject({ unchanged: 2, emitted: 0, removed: 0 });
  });

  it('does not emit an action’s record that is not valid', async () => {
    const { provider, catalogCopies } = await setup();
    const p = await provider();
    expect(
      await p.applyRecords([
        mockNhiRecord({ name: 'bad', category: 'nonsense' as any }),
      ]),
    ).toEqual([]);
    expect(catalogCopies.size).toBe(0);
  });

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

describe('NhiEntityProvider: one identity per externalId', () => {
  it('keeps the first of two records with the same externalId and names both', async () => {
    const { source, provider, names, catalogCopies } = await setup();
    source.records = [
      mockNhiRecord({ name: 'deploy-key', externalId: 'vault:tok-1' }),
      mockNhiRecord({ name: 'deploy-key-renamed', externalId: 'vault:tok-1' }),
      mockNhiRecord({ name: 'other', externalId: 'vault:tok-2' }),
    ];
    const run = await (await provider()).run();
    expect(run.counts).toMatchObject({ read: 3, duplicate: 1, entities: 2 });
    expect(run.errors).toEqual([
      {
        message:
          'vault:tok-1: listed twice, as "deploy-key" and as "deploy-key-renamed"; the first ("deploy-key") was kept',
        scope: '123456789012',
      },
    ]);
    expect(
      [...catalogCopies.values()].map(e => e.metadata.title).sort(),
    ).toEqual(['deploy-key', 'other']);
    expect((await names()).sort()).toEqual(['deploy-key', 'other']);
  });
});

describe('NhiEntityProvider: the lean entity and the detail', () => {
  it('writes the catalog only when its lean entity changes, the summary when anything does', async () => {
    const { source, provider, store, connection, catalogCopies } =
      await setup();
    const key = (lastUsed: string) =>
      mockNhiRecord({
        name: 'ci-deployer',
        credentials: [
          {
            id: 'AKIAONE',
            kind: 'access-key',
            status: 'active',
            createdAt: '2026-01-01T00:00:00Z',
            lastUsed: { at: lastUsed },
          },
        ],
      });
    source.records = [key('2026-11-01T00:00:00Z')];
    const p = await provider();
    const first = await p.run();
    expect(first.counts).toMatchObject({ changed: 1, emitted: 1 });
    const [entity] = [...catalogCopies.values()];
    const ref = `nonhumanidentity:default/${entity.metadata.name}`;
    expect(entity.spec.credentials).toBeUndefined();
    const detail = async () => (await store.inventory.details([ref])).get(ref);
    expect((await detail())?.credentials?.[0].lastUsed).toEqual({
      at: '2026-11-01T00:00:00Z',
    });

    // the key was used again: the detail changes, the catalog's copy not
    connection.applyMutation.mockClear();
    source.records = [key('2026-11-05T00:00:00Z')];
    const second = await p.run();
    expect(second.counts).toMatchObject({ changed: 1, emitted: 0 });
    expect(connection.applyMutation).not.toHaveBeenCalled();
    expect((await detail())?.credentials?.[0].lastUsed).toEqual({
      at: '2026-11-05T00:00:00Z',
    });

    // nothing changed: nothing written
    const third = await p.run();
    expect(third.counts).toMatchObject({
      changed: 0,
      unchanged: 1,
      emitted: 0,
    });
  });
});

describe('NhiEntityProvider: owner names nobody matches', () => {
  it('counts them per run, most frequent first, for the Sources card', async () => {
    const { source, provider, store } = await setup();
    const tagged = (name: string, value: string) =>
      mockNhiRecord({ name, owner: { value, via: 'tag:team' } });
    source.records = [
      tagged('a', 'payments-squad'),
      tagged('b', 'web-squad'),
      tagged('c', 'payments-squad'),
      tagged('d', 'payments-squad'),
      mockNhiRecord({ name: 'e' }),
    ];
    const p = await provider();
    await p.run();
    expect((await store.listRuns())[0].unresolvedOwners).toEqual([
      { value: 'payments-squad', count: 3 },
      { value: 'web-squad', count: 1 },
    ]);
    // an unchanged run counts them again; none left, none listed
    await p.run();
    expect((await store.listRuns())[0].unresolvedOwners).toHaveLength(2);
    source.records = [mockNhiRecord({ name: 'e' })];
    await p.run();
    expect((await store.listRuns())[0].unresolvedOwners).toBeUndefined();
  });
});

describe('NhiEntityProvider: the removal guard', () => {
  const twenty = () =>
    Array.from({ length: 20 }, (_, i) => mockNhiRecord({ name: `id-${i}` }));

  it('holds a run that would remove every identity, and applies it when the next run agrees', async () => {
    const { source, provider, names, store, catalogCopies } = await setup();
    source.records = twenty();
    const p = await provider({ maxRemovalPercent: 20 });
    expect((await p.run()).counts.entities).toBe(20);

    // a valid, empty inventory
    source.records = [];
    const held = await p.run();
    expect(held.status).toBe('held');
    expect(held.counts).toMatchObject({ removed: 0, entities: 20 });
    expect(held.errors[0].message).toMatch(
      /^removal held: the run would remove all 20 identities of the source\. Those identities stay;/,
    );
    expect(catalogCopies.size).toBe(20);
    expect(await names()).toHaveLength(20);
    const [listed] = await store.listRuns();
    expect(listed.status).toBe('held');
    expect(listed.held).toMatchObject({
      count: 20,
      total: 20,
      reason: 'the run would remove all 20 identities of the source',
    });

    // the next run agrees: it would remove the same identities
    const agreed = await p.run();
    expect(agreed.status).toBe('succeeded');
    expect(agreed.counts).toMatchObject({ removed: 20, entities: 0 });
    expect(catalogCopies.size).toBe(0);
    expect((await store.listRuns())[0].held).toBeUndefined();
  });

  it('removes up to the share, drops a hold when identities come back, and applies a confirmed one', async () => {
    const { source, provider, store, catalogCopies } = await setup();
    const all = twenty();
    source.records = all;
    const p = await provider({ maxRemovalPercent: 20 });
    await p.run();

    source.records = all.slice(4); // 4 of 20: 20%, not more
    expect((await p.run()).counts.removed).toBe(4);

    source.records = all.slice(4, 8); // 12 of 16: held
    expect((await p.run()).status).toBe('held');
    // the export is whole again: nothing held, nothing removed
    source.records = all.slice(4);
    const back = await p.run();
    expect(back.status).toBe('succeeded');
    expect(back.counts.removed).toBe(0);
    expect((await store.listRuns())[0].held).toBeUndefined();

    source.records = all.slice(4, 8);
    const held = await p.run();
    expect(held.status).toBe('held');
    expect(
      await store.confirmHeldRemoval(
        'test:unit',
        'user:default/farah',
        new Date(),
        'not the hold shown',
      ),
    ).toBe('changed');
    expect(
      await store.confirmHeldRemoval(
        'test:unit',
        'user:default/farah',
        new Date(),
        held.startedAt,
      ),
    ).toBe('confirmed');
    // confirmed; one of the held identities is back meanwhile
    source.records = all.slice(4, 9);
    const applied = await p.run();
    expect(applied.status).toBe('succeeded');
    expect(applied.counts.removed).toBe(11);
    expect(catalogCopies.size).toBe(5);
  });
});

describe('NhiEntityProvider: secrets in what sources read', () => {
  it('redacts them before the catalog, the summary, the run record and the logs see them, and flags the identity', async () => {
    const { source, provider, catalogCopies, knex, store } = await setup();
    const { logger, lines } = recordingLogger();
    source.records = [
      mockNhiRecord({
        name: 'billing-export',
        description: LEAKY_DESCRIPTION,
        tags: [`slack:${SLACK_TOKEN}`],
      }),
      mockNhiRecord({ name: 'tok', externalId: GITHUB_TOKEN }),
    ];
    source.errors = [{ message: `vault said: bad token ${GITHUB_TOKEN}` }];
    const evaluation = new NhiEvaluation(DEFAULT_NHI_EVALUATION_POLICY);
    const run = await (
      await provider({ logger, evaluate: evaluation.evaluate })
    ).run();

    const [entity] = [...catalogCopies.values()];
    expect(catalogCopies.size).toBe(1);
    expect(entity.metadata.description).toMatch(/^Billing export job\./);
    // what was redacted is detail: the summary's, read with the identity
    const detail = (
      await store.inventory.details([
        `nonhumanidentity:default/${entity.metadata.name}`,
      ])
    ).get(`nonhumanidentity:default/${entity.metadata.name}`);
    expect(detail?.redactedSecrets).toEqual(
      expect.arrayContaining([
        { field: 'description', kind: 'GitHub token' },
        { field: 'tags', kind: 'Slack token' },
      ]),
    );
    expect(nhiRuleIds(entity.spec.risk)).toContain('NHI-SECRET-IN-METADATA');

    expect(run.counts).toMatchObject({ read: 2, invalid: 1 });
    expect(run.errors.map(e => e.message)).toEqual([
      'an identity was not ingested: its externalId holds secret material (GitHub token); an externalId must be an id, never a secret',
      'vault said: bad token [redacted]',
    ]);

    const everything = JSON.stringify([
      [...catalogCopies.values()],
      await knex('nhi_inventory').select(),
      await knex('nhi_source_runs').select(),
      await knex('nhi_emitted_entities').select(),
      lines,
    ]);
    for (const secret of SECRET_VALUES) {
      for (const part of secret.split('\n')) {
        expect(everything).not.toContain(part.length > 20 ? part : secret);
      }
    }
  });
});

describe('NhiEntityProvider: counts agree with the problems', () => {
  it('counts the items a file source could not read as invalid', async () => {
    const dir = await fs.mkdtemp(join(os.tmpdir(), 'nhi-counts-'));
    const target = join(dir, 'inventory.yaml');
    await fs.writeFile(
      target,
      [
        'identities:',
        '  - { externalId: dd:1, name: good, provider: datadog, type: api-key }',
        '  - { externalId: dd:2, name: no-type, provider: datadog }',
        '  - { externalId: dd:3, name: bad-date, provider: datadog, type: api-key, expiresAt: soon }',
      ].join('\n'),
    );
    const { provider } = await setup();
    const file = FileInventorySource.fromConfig(
      { id: 'inv', target },
      { urlReader: mockServices.urlReader.mock() },
    );
    const run = await (await provider({ source: file })).run();
    expect(run.errors).toHaveLength(2);
    expect(run.counts).toMatchObject({ read: 3, invalid: 2, entities: 1 });
  });
});
