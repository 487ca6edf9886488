import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { NonHumanIdentityEntity } from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import request from 'supertest';
import { createSourcesRouter } from '../service/router';
import {
  DECLARED_SOURCE,
  inventoryRow,
  parseInventoryFacets,
  parseInventoryFilters,
  syncDeclaredInventory,
} from './NhiInventoryStore';
import { NhiPipelineStore } from './NhiPipelineStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

function identity(
  name: string,
  spec: Partial<NonHumanIdentityEntity['spec']> = {},
  title?: string,
): NonHumanIdentityEntity {
  return {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name, namespace: 'default', ...(title ? { title } : {}) },
    spec: {
      type: 'aws-iam-user',
      category: 'service-account',
      provider: 'aws',
      account: '111111111111',
      externalId: `arn:aws:iam::111111111111:user/${name}`,
      ownership: { status: 'unowned', provenance: 'none' },
      risk: { level: 'low', score: 10, findings: [] },
      rotation: { status: 'ok' },
      ...spec,
    },
  };
}

const IDENTITIES = [
  identity(
    'aws-deploy-bot',
    {
      owner: 'team-a',
      ownership: { status: 'owned', provenance: 'tagged' },
      credentials: [
        { id: 'AKIAEXAMPLE0001', kind: 'access-key', status: 'active' },
      ],
      risk: {
        level: 'critical',
        score: 95,
        findings: [
          { ruleId: 'NHI-ADMIN-PRIVILEGES', evidence: 'seen' },
          { ruleId: 'NHI-DORMANT-IDENTITY', evidence: 'seen' },
        ],
      },
      rotation: { status: 'overdue' },
      lastUsed: { at: '2026-01-01T00:00:00Z' },
    },
    'Deploy bot',
  ),
  identity('aws-report_job', {
    risk: {
      level: 'high',
      score: 60,
      findings: [{ ruleId: 'NHI-DORMANT-IDENTITY', evidence: 'seen' }],
    },
    ownership: {
      status: 'unowned',
      provenance: 'none',
      suggestedOwners: ['group:default/team-b'],
    },
    lastUsed: { never: true },
  }),
  identity('aws-reportxjob', {
    owner: 'group:default/Team-B',
    ownership: { status: 'owned', provenance: 'claimed' },
  }),
  identity('github-ci-token', {
    type: 'github-token',
    category: 'api-key',
    provider: 'github',
    account: undefined,
    externalId: 'github:token:42',
    rotation: { status: 'not-applicable' },
  }),
];

describe.each(databases.eachSupportedId())(
  'NhiInventoryStore on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const store = await NhiPipelineStore.create(
        mockServices.database.mock({ getClient: async () => knex }),
      );
      await store.inventory.upsert('aws:prod', IDENTITIES.slice(0, 3));
      await store.inventory.upsert('file:ci', IDENTITIES.slice(3));
      return { knex, store };
    }

    it('pages by name and gives each row the fields the page shows', async () => {
      const { store } = await setup();
      const first = await store.inventory.query({}, { offset: 0, limit: 2 });
      expect(first.totalCount).toBe(4);
      expect(first.items.map(i => i.metadata.name)).toEqual([
        'aws-deploy-bot',
        'aws-report_job',
      ]);
      expect(first.items[0]).toEqual({
        kind: 'NonHumanIdentity',
        metadata: {
          name: 'aws-deploy-bot',
          namespace: 'default',
          title: 'Deploy bot',
        },
        spec: {
          type: 'aws-iam-user',
          category: 'service-account',
          provider: 'aws',
          account: '111111111111',
          externalId: 'arn:aws:iam::111111111111:user/aws-deploy-bot',
          owner: 'group:default/team-a',
          ownership: { status: 'owned', provenance: 'tagged' },
          // the rule ids, as the catalog's lean entity has them
          risk: {
            level: 'critical',
            score: 95,
            findings: [
              { ruleId: 'NHI-ADMIN-PRIVILEGES' },
              { ruleId: 'NHI-DORMANT-IDENTITY' },
            ],
          },
          rotation: { status: 'overdue' },
          lastUsed: { at: '2026-01-01T00:00:00Z' },
        },
      });
      expect(first.items[1].spec.lastUsed).toEqual({ never: true });
      expect(first.items[1].spec.ownership.suggestedOwners).toEqual([
        'group:default/team-b',
      ]);
      const second = await store.inventory.query({}, { offset: 2, limit: 2 });
      expect(second.items.map(i => i.metadata.name)).toEqual([
        'aws-reportxjob',
        'github-ci-token',
      ]);
      expect(second.items[1].spec.account).toBeUndefined();
    });

    it('filters as the NHI page does, and ANDs a rule with dormant', async () => {
      const { store } = await setup();
      const names = async (query: Record<string, string>) =>
        (
          await store.inventory.query(parseInventoryFilters(query), {
            offset: 0,
            limit: 50,
          })
        ).items.map(i => i.metadata.name);
      expect(await names({ provider: 'github' })).toEqual(['github-ci-token']);
      expect(
        await names({ category: 'service-account', level: 'high' }),
      ).toEqual(['aws-report_job']);
      expect(await names({ rotation: 'overdue' })).toEqual(['aws-deploy-bot']);
      expect(await names({ dormant: 'true' })).toEqual([
        'aws-deploy-bot',
        'aws-report_job',
      ]);
      expect(
        await names({ rule: 'NHI-ADMIN-PRIVILEGES', dormant: 'true' }),
      ).toEqual(['aws-deploy-bot']);
      // a rule is matched whole, not as a prefix
      expect(await names({ rule: 'NHI-ADMIN' })).toEqual([]);
      expect(await names({ owner: 'unowned' })).toEqual([
        'aws-report_job',
        'github-ci-token',
      ]);
      // short and full refs, any case
      expect(await names({ owner: 'team-a' })).toEqual(['aws-deploy-bot']);
      expect(await names({ owner: 'Group:default/TEAM-B' })).toEqual([
        'aws-reportxjob',
      ]);
    });

    it('reads by keyset in entity ref order: every filtered row once, the same items as a page', async () => {
      const { store } = await setup();
      const all = async (query: Record<string, string>, limit: number) => {
        const filters = parseInventoryFilters(query);
        const pages = [];
        let after: string | undefined;
        do {
          const page = await store.inventory.queryAfter(filters, after, limit);
          pages.push(page.items.map(i => i.metadata.name));
          after = page.nextCursor;
        } while (after);
        return pages;
      };
      expect(await all({}, 3)).toEqual([
        ['aws-deploy-bot', 'aws-report_job', 'aws-reportxjob'],
        ['github-ci-token'],
      ]);
      // a last page that is full says so: no next cursor
      expect(await all({}, 2)).toEqual([
        ['aws-deploy-bot', 'aws-report_job'],
        ['aws-reportxjob', 'github-ci-token'],
      ]);
      expect(await all({ owner: 'unowned' }, 1)).toEqual([
        ['aws-report_job'],
        ['github-ci-token'],
      ]);
      expect(await all({ provider: 'aws', dormant: 'true' }, 1)).toEqual([
        ['aws-deploy-bot'],
        ['aws-report_job'],
      ]);
      expect(await all({ provider: 'azure' }, 10)).toEqual([[]]);
      const first = await store.inventory.queryAfter({}, undefined, 2);
      expect(first.nextCursor).toBe('nonhumanidentity:default/aws-report_job');
      expect(first.items).toEqual(
        (await store.inventory.query({}, { offset: 0, limit: 2 })).items,
      );
    });

    it('searches name, title, external id and key ids; wildcards are literal', async () => {
      const { store } = await setup();
      const names = async (q: string) =>
        (
          await store.inventory.query({ q }, { offset: 0, limit: 50 })
        ).items.map(i => i.metadata.name);
      expect(await names('akiaexample0001')).toEqual(['aws-deploy-bot']);
      expect(await names('DEPLOY BOT')).toEqual(['aws-deploy-bot']);
      expect(await names('github:token:42')).toEqual(['github-ci-token']);
      expect(await names('user/aws-report')).toEqual([
        'aws-report_job',
        'aws-reportxjob',
      ]);
      // "_" and "%" match themselves only
      expect(await names('report_job')).toEqual(['aws-report_job']);
      expect(await names('%')).toEqual([]);
    });

    it('counts every facet under the filters', async () => {
      const { store } = await setup();
      const all = await store.inventory.facets({}, parseInventoryFacets(''));
      expect(all.totalCount).toBe(4);
      expect(all.facets['spec.provider']).toEqual([
        { value: 'aws', count: 3 },
        { value: 'github', count: 1 },
      ]);
      expect(all.facets['spec.ownership.status']).toEqual([
        { value: 'owned', count: 2 },
        { value: 'unowned', count: 2 },
      ]);
      expect(all.facets['spec.risk.level']).toEqual([
        { value: 'low', count: 2 },
        { value: 'critical', count: 1 },
        { value: 'high', count: 1 },
      ]);
      expect(all.facets['relations.ownedBy']).toEqual([
        { value: 'group:default/team-a', count: 1 },
        { value: 'group:default/team-b', count: 1 },
      ]);
      const aws = await store.inventory.facets(
        { provider: 'aws', dormant: true },
        ['spec.category', 'spec.rotation.status'],
      );
      expect(aws).toEqual({
        totalCount: 2,
        facets: {
          'spec.category': [{ value: 'service-account', count: 2 }],
          'spec.rotation.status': [
            { value: 'ok', count: 1 },
            { value: 'overdue', count: 1 },
          ],
        },
      });
      expect(
        await store.inventory.facets({ provider: 'none-such' }, [
          'spec.category',
        ]),
      ).toEqual({ totalCount: 0, facets: { 'spec.category': [] } });
    });

    it('replaces a row on upsert and deletes only the given source’s rows', async () => {
      const { store } = await setup();
      await store.inventory.upsert('aws:prod', [
        identity('aws-report_job', {
          owner: 'team-c',
          ownership: { status: 'owned', provenance: 'claimed' },
        }),
      ]);
      const page = await store.inventory.query(
        { owner: 'group:default/team-c' },
        { offset: 0, limit: 10 },
      );
      expect(page.items.map(i => i.metadata.name)).toEqual(['aws-report_job']);
      expect(page.items[0].spec.ownership.suggestedOwners).toBeUndefined();

      // another source cannot delete this source's rows
      await store.inventory.delete('file:ci', [
        'NonHumanIdentity:default/aws-deploy-bot',
      ]);
      expect((await store.inventory.facets({}, [])).totalCount).toBe(4);
      await store.inventory.delete('aws:prod', [
        'NonHumanIdentity:default/aws-deploy-bot',
      ]);
      expect((await store.inventory.facets({}, [])).totalCount).toBe(3);
      expect(await store.inventory.refsOf('file:ci')).toEqual([
        'nonhumanidentity:default/github-ci-token',
      ]);
    });

    it('keeps a row another source wrote; a source takes over a hand-written one', async () => {
      const { store } = await setup();
      const owners = async () =>
        (
          await store.inventory.query(
            { q: 'aws-report_job' },
            {
              offset: 0,
              limit: 10,
            },
          )
        ).items.map(i => i.spec.owner);
      const claimed = identity('aws-report_job', {
        owner: 'team-c',
        ownership: { status: 'owned', provenance: 'claimed' },
      });
      // aws:prod wrote it: file:ci and the hand-written ones leave it alone
      await store.inventory.upsert('file:ci', [claimed]);
      await store.inventory.upsert(DECLARED_SOURCE, [claimed]);
      expect(await owners()).toEqual([undefined]);
      expect(await store.inventory.refsOf('file:ci')).toEqual([
        'nonhumanidentity:default/github-ci-token',
      ]);

      const handWritten = identity('hand-written', { provider: 'vault' });
      await store.inventory.upsert(DECLARED_SOURCE, [handWritten]);
      await store.inventory.upsert('file:ci', [
        { ...handWritten, spec: { ...handWritten.spec, owner: 'team-d' } },
      ]);
      expect(await store.inventory.refsOf(DECLARED_SOURCE)).toEqual([]);
      const { items } = await store.inventory.query(
        { q: 'hand-written' },
        { offset: 0, limit: 10 },
      );
      expect(items.map(i => i.spec.owner)).toEqual(['group:default/team-d']);
    });

    it('adds every hand-written identity once, then sweeps those that left the catalog', async () => {
      const { store } = await setup();
      const fromFile = identity('from-a-file', {
        owner: 'team-a',
        ownership: { status: 'owned', provenance: 'declared' },
      });
      const catalog = {
        streamEntities: jest.fn(async function* stream() {
          yield [
            { kind: 'NonHumanIdentity', metadata: { name: 'from-a-file' } },
            {
              kind: 'NonHumanIdentity',
              metadata: {
                name: 'aws-deploy-bot',
                annotations: { 'backstage-nhi.io/source': 'aws:prod' },
              },
            },
          ];
        }),
        getEntitiesByRefs: jest.fn(async ({ entityRefs, fields }: any) => ({
          items: entityRefs.map((ref: string) => {
            if (ref.endsWith('/from-a-file')) return fromFile;
            if (ref.endsWith('/kept-by-hand')) {
              return {
                kind: 'NonHumanIdentity',
                metadata: { name: 'kept-by-hand' },
              };
            }
            if (ref.endsWith('/now-from-a-source')) {
              return {
                kind: 'NonHumanIdentity',
                metadata: {
                  name: 'now-from-a-source',
                  annotations: { 'backstage-nhi.io/source': 'aws:prod' },
                },
              };
            }
            expect(fields).toBeDefined(); // only the sweep asks for others
            return undefined;
          }),
        })),
      } as any;
      const markSynced = jest.fn(async () => {});
      const sync = (synced: boolean, graceMs?: number) =>
        syncDeclaredInventory({
          inventory: store.inventory,
          catalog,
          credentials: mockCredentials.service(),
          synced,
          markSynced,
          graceMs,
        });

      expect(await sync(false)).toEqual({ added: 1, removed: 0 });
      expect(markSynced).toHaveBeenCalledTimes(1);
      expect(
        (
          await store.inventory.query(
            { owner: 'group:default/team-a' },
            { offset: 0, limit: 10 },
          )
        ).items.map(i => i.metadata.name),
      ).toEqual(['aws-deploy-bot', 'from-a-file']);

      await store.inventory.upsert(DECLARED_SOURCE, [
        identity('kept-by-hand'),
        identity('deleted-by-hand'),
        identity('now-from-a-source'),
      ]);
      // rows written in the last minutes are left alone: the catalog may not
      // have stitched them yet
      expect(await sync(true)).toEqual({ added: 0, removed: 0 });
      // timestamps have millisecond resolution: let one pass
      await new Promise(r => setTimeout(r, 20));
      expect(await sync(true, 0)).toEqual({ added: 0, removed: 2 });
      expect(catalog.streamEntities).toHaveBeenCalledTimes(1);
      expect((await store.inventory.refsOf(DECLARED_SOURCE)).sort()).toEqual([
        'nonhumanidentity:default/from-a-file',
        'nonhumanidentity:default/kept-by-hand',
      ]);
      // the sources' rows are untouched
      expect((await store.inventory.facets({}, [])).totalCount).toBe(6);
    });

    it('takes values of any length and filter values in any case', async () => {
      const { store } = await setup();
      const long = 'x'.repeat(300);
      await store.inventory.upsert('file:ci', [
        identity('long-values', {
          type: long,
          provider: long,
          account: long,
          owner: `group:default/${'t'.repeat(300)}`,
          ownership: { status: 'owned', provenance: 'tagged' },
          risk: {
            level: 'high',
            score: 50,
            findings: [{ ruleId: 'NHI-X', evidence: 'seen' }],
          },
        }),
      ]);
      const page = await store.inventory.query(
        parseInventoryFilters({
          level: 'HIGH',
          rule: 'nhi-x',
          category: 'Service-Account',
        }),
        { offset: 0, limit: 10 },
      );
      expect(page.items.map(i => i.metadata.name)).toEqual(['long-values']);
      expect(page.items[0].spec.type).toBe(long);
    });

    it('serves what the summary holds, says what it still waits for, and lets a conditional reader ask the catalog', async () => {
      const { store } = await setup();
      let result = AuthorizeResult.ALLOW as AuthorizeResult;
      const router = createSourcesRouter({
        sources: [
          { type: 'aws', id: 'prod', key: 'aws:prod' },
          { type: 'file', id: 'ci', key: 'file:ci' },
        ],
        store,
        catalog: catalogServiceMock(),
        httpAuth: mockServices.httpAuth(),
        permissions: mockServices.permissions.mock({
          authorizeConditional: async () =>
            [
              result === AuthorizeResult.CONDITIONAL
                ? {
                    result,
                    pluginId: 'catalog',
                    resourceType: 'catalog-entity',
                    conditions: {},
                  }
                : { result },
            ] as any,
        }),
        scheduler: mockServices.scheduler.mock(),
        logger: mockServices.logger.mock(),
      });
      const app = express().use(router).use(mockErrorHandler());
      const auth = { Authorization: mockCredentials.user.header() };
      const get = (path: string) => request(app).get(path).set(auth);

      // no source has had a complete run since the summary existed: what
      // it holds so far, and what it waits for
      const early = (await get('/nhi/inventory')).body;
      expect(early).toMatchObject({
        ready: true,
        pending: 'still reading aws:prod, file:ci',
      });
      expect(early.items.length).toBeGreaterThan(0);
      await store.startRun('aws:prod', new Date());
      await store.markInventorySynced('aws:prod', new Date());
      await store.startRun('file:ci', new Date());
      expect((await get('/nhi/inventory/facets')).body.pending).toBe(
        'still reading file:ci',
      );
      await store.markInventorySynced('file:ci', new Date());
      // a later run start keeps the mark
      await store.startRun('file:ci', new Date());
      expect((await get('/nhi/inventory')).body.pending).toBe(
        'hand-written identities are still being listed',
      );
      await store.markInventorySynced(DECLARED_SOURCE, new Date());
      // which is not a source the sources route lists
      expect((await store.listRuns()).map(r => r.sourceKey).sort()).toEqual([
        'aws:prod',
        'declared',
        'file:ci',
      ]);

      const page = await get('/nhi/inventory?owner=unowned&limit=1&offset=1');
      expect(page.status).toBe(200);
      expect(page.body.ready).toBe(true);
      expect(page.body.totalCount).toBe(2);
      expect(page.body.items.map((i: any) => i.metadata.name)).toEqual([
        'github-ci-token',
      ]);
      const facets = await get(
        '/nhi/inventory/facets?provider=aws&facet=spec.risk.level,relations.ownedBy',
      );
      expect(facets.body).toEqual({
        ready: true,
        totalCount: 3,
        facets: {
          'spec.risk.level': [
            { value: 'critical', count: 1 },
            { value: 'high', count: 1 },
            { value: 'low', count: 1 },
          ],
          'relations.ownedBy': [
            { value: 'group:default/team-a', count: 1 },
            { value: 'group:default/team-b', count: 1 },
          ],
        },
      });

      // by keyset: in entity ref order, without a count, to the last page
      const cursor = (ref: string) => Buffer.from(ref).toString('base64url');
      const keyset = await get('/nhi/inventory?paging=keyset&limit=3');
      expect(keyset.status).toBe(200);
      expect(keyset.body).toEqual({
        ready: true,
        items: expect.any(Array),
        nextCursor: cursor('nonhumanidentity:default/aws-reportxjob'),
      });
      expect(keyset.body.items.map((i: any) => i.metadata.name)).toEqual([
        'aws-deploy-bot',
        'aws-report_job',
        'aws-reportxjob',
      ]);
      const last = await get(
        `/nhi/inventory?limit=3&cursor=${keyset.body.nextCursor}`,
      );
      expect(last.body).toEqual({
        ready: true,
        items: [expect.objectContaining({ metadata: expect.anything() })],
      });
      expect(last.body.items[0].metadata.name).toBe('github-ci-token');
      const unowned = await get(
        `/nhi/inventory?owner=unowned&limit=1&paging=keyset&cursor=${cursor(
          'nonhumanidentity:default/aws-report_job',
        )}`,
      );
      expect(unowned.body.items.map((i: any) => i.metadata.name)).toEqual([
        'github-ci-token',
      ]);
      expect(unowned.body.nextCursor).toBeUndefined();
      // the offset mode is as it was: by risk, with the count
      const byRisk = await get('/nhi/inventory?limit=2');
      expect(byRisk.body.totalCount).toBe(4);
      expect(byRisk.body.nextCursor).toBeUndefined();
      expect(byRisk.body.items.map((i: any) => i.metadata.name)).toEqual([
        'aws-deploy-bot',
        'aws-report_job',
      ]);

      // bad input: a clear 400
      for (const [path, message] of [
        [
          `/nhi/inventory?cursor=${cursor(
            'nonhumanidentity:default/a',
          )}&offset=20`,
          'offset cannot be combined with cursor or paging=keyset',
        ],
        [
          '/nhi/inventory?paging=keyset&sort=name',
          'sort cannot be combined with cursor or paging=keyset',
        ],
        ['/nhi/inventory?paging=pages', 'paging must be offset'],
        ...['not-a-cursor!', cursor('default/no-kind'), cursor('{"a":1}')].map(
          c => [
            `/nhi/inventory?cursor=${encodeURIComponent(c)}`,
            'cursor does not decode to an entity ref',
          ],
        ),
        [
          '/nhi/inventory?limit=501',
          'limit must be a whole number from 0 to 500',
        ],
        ['/nhi/inventory?offset=-1', 'offset must be a whole number'],
        ['/nhi/inventory?dormant=yes', 'dormant must be true or false'],
        ['/nhi/inventory?provider=a&provider=b', 'provider must be given once'],
        ['/nhi/inventory?owner=group:/x', 'owner:'],
        ['/nhi/inventory/facets?facet=spec.type', 'unknown facet "spec.type"'],
      ]) {
        const response = await get(path);
        expect(response.status).toBe(400);
        expect(response.body.error.message).toContain(message);
      }

      // a conditional read permission cannot be applied to the summary
      result = AuthorizeResult.CONDITIONAL;
      expect((await get('/nhi/inventory')).body).toEqual({
        ready: false,
        reason: 'the catalog read permission is conditional for this user',
      });
      result = AuthorizeResult.DENY;
      const denied = await get('/nhi/inventory/facets');
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toBe(
        'not allowed: catalog.entity.read',
      );
    });
  },
);

(databases.supports('POSTGRES_15') ? describe : describe.skip)(
  'NhiInventoryStore on PostgreSQL',
  () => {
    it('indexes the search text with trigrams for the search box', async () => {
      const knex = await databases.init('POSTGRES_15');
      await NhiPipelineStore.create(
        mockServices.database.mock({ getClient: async () => knex }),
      );
      const { rows } = await knex.raw(
        "select indexname from pg_indexes where tablename = 'nhi_inventory'",
      );
      expect(rows.map((r: { indexname: string }) => r.indexname)).toContain(
        'nhi_inventory_search_trgm_idx',
      );
    });
  },
);

describe('inventoryRow', () => {
  it('keeps an owner that is not an entity ref as written, in lower case', () => {
    const row = inventoryRow(identity('x', { owner: 'Group:/X' }), 'aws:prod');
    expect(row.owner).toBe('group:/x');
    expect(row.rules).toBe('  ');
  });
});
