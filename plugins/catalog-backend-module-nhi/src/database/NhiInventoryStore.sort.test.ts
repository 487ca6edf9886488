import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  NHI_IDENTITY_ROTATION_STATUSES,
  NHI_INVENTORY_SORT_FIELDS,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import fs from 'node:fs';
import nodePath from 'node:path';
import request from 'supertest';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createSourcesRouter } from '../service/router';
import { createInsightsRouter } from '../service/insightsRouter';
import { parseInventorySortParam, rotationRank } from './NhiInventoryStore';
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
): NonHumanIdentityEntity {
  return {
    apiVersion: 'backstage-nhi.io/v1alpha1',
    kind: 'NonHumanIdentity',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      account: '111111111111',
      externalId: `arn:aws:iam::111111111111:user/${name}`,
      ownership: { status: 'unowned', provenance: 'none' },
      ...spec,
    },
  };
}

const owned = (owner: string) => ({
  owner,
  ownership: { status: 'owned' as const, provenance: 'tagged' as const },
});

/** Six identities whose every column orders them differently. */
const IDENTITIES = [
  identity('a-cert', {
    type: 'tls-certificate',
    category: 'machine-certificate',
    provider: 'vault',
    account: undefined,
    ...owned('group:default/web'),
    risk: { level: 'none', score: 0, findings: [] },
    rotation: { status: 'ok' },
    lastUsed: { at: '2026-11-30T00:00:00Z' },
  }),
  identity('b-admin-key', {
    ...owned('group:default/payments'),
    risk: {
      level: 'critical',
      score: 95,
      findings: [{ ruleId: 'NHI-ADMIN' }],
    },
    rotation: { status: 'overdue' },
    lastUsed: { at: '2026-06-01T00:00:00Z' },
    credentials: [
      {
        id: 'AKIAB0000000000ADMIN',
        kind: 'access-key',
        status: 'active',
        createdAt: '2025-01-01T00:00:00Z',
        lastUsed: { at: '2026-06-01T00:00:00Z' },
        rotation: { status: 'overdue', policy: 'access-key:90d' },
      },
      {
        id: 'AKIAB00000000000OLD1',
        kind: 'access-key',
        status: 'inactive',
      },
    ],
    usedBy: ['component:default/payments-api'],
  }),
  identity('c-dormant', {
    risk: {
      level: 'high',
      score: 70,
      findings: [{ ruleId: 'NHI-DORMANT-IDENTITY' }],
    },
    rotation: { status: 'expired' },
    lastUsed: { never: true },
  }),
  identity('d-token', {
    type: 'api-token',
    category: 'api-key',
    provider: 'github',
    account: 'lumen',
    ...owned('group:default/payments'),
    risk: { level: 'medium', score: 40, findings: [] },
    rotation: { status: 'due-soon' },
  }),
  identity('e-role', {
    type: 'iam-role',
    ...owned('group:default/data'),
    risk: { level: 'high', score: 70, findings: [] },
    rotation: { status: 'not-applicable' },
    lastUsed: { at: '2026-12-01T00:00:00Z' },
  }),
  // hand-written and never evaluated: no risk, no rotation
  identity('f-declared', { type: 'api-key', category: 'api-key' }),
];

describe.each(databases.eachSupportedId())(
  'sorting and exporting the inventory summary on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const store = await NhiPipelineStore.create(
        mockServices.database.mock({ getClient: async () => knex }),
      );
      await store.inventory.upsert('aws:prod', IDENTITIES);
      return { knex, store };
    }

    it('orders by every column, the riskiest first by default, never overlapping pages', async () => {
      const { store } = await setup();
      const names = async (sort?: string, limit = 50, offset = 0) =>
        (
          await store.inventory.query(
            {},
            { offset, limit },
            parseInventorySortParam(sort),
          )
        ).items.map(i => i.metadata.name);

      // the default: risk score, highest first; ties by name; unscored last
      expect(await names()).toEqual([
        'b-admin-key',
        'c-dormant',
        'e-role',
        'd-token',
        'a-cert',
        'f-declared',
      ]);
      expect(await names('risk:asc')).toEqual([
        'a-cert',
        'd-token',
        'c-dormant',
        'e-role',
        'b-admin-key',
        'f-declared',
      ]);
      // pages of two cover the order exactly once
      const paged = [
        ...(await names('risk:desc', 2, 0)),
        ...(await names('risk:desc', 2, 2)),
        ...(await names('risk:desc', 2, 4)),
      ];
      expect(paged).toEqual(await names('risk:desc'));

      expect(await names('name')).toEqual([
        'a-cert',
        'b-admin-key',
        'c-dormant',
        'd-token',
        'e-role',
        'f-declared',
      ]);
      expect(await names('name:desc')).toEqual([
        'f-declared',
        'e-role',
        'd-token',
        'c-dormant',
        'b-admin-key',
        'a-cert',
      ]);
      // worst rotation first; not evaluated last
      expect(await names('rotation:desc')).toEqual([
        'c-dormant',
        'b-admin-key',
        'd-token',
        'a-cert',
        'e-role',
        'f-declared',
      ]);
      // teams in order, unowned last whichever way
      expect(await names('owner')).toEqual([
        'e-role',
        'b-admin-key',
        'd-token',
        'a-cert',
        'c-dormant',
        'f-declared',
      ]);
      expect(await names('owner:desc')).toEqual([
        'a-cert',
        'b-admin-key',
        'd-token',
        'e-role',
        'c-dormant',
        'f-declared',
      ]);
      // type, then provider and account
      expect(await names('type')).toEqual([
        'f-declared',
        'd-token',
        'e-role',
        'b-admin-key',
        'c-dormant',
        'a-cert',
      ]);
      // the longest unused first: never used, then the oldest use; unknown last
      expect(await names('lastUsed:asc')).toEqual([
        'c-dormant',
        'b-admin-key',
        'a-cert',
        'e-role',
        'd-token',
        'f-declared',
      ]);
      expect(await names('lastUsed:desc')).toEqual([
        'e-role',
        'a-cert',
        'b-admin-key',
        'c-dormant',
        'd-token',
        'f-declared',
      ]);
      // filters and order together
      expect(
        (
          await store.inventory.query(
            { owner: 'group:default/payments' },
            { offset: 0, limit: 10 },
            parseInventorySortParam('risk:desc'),
          )
        ).items.map(i => i.metadata.name),
      ).toEqual(['b-admin-key', 'd-token']);
    });

    it('exports every identity a page at a time with its credential ids and rotation', async () => {
      const { store } = await setup();
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.inventory.exportPage(after, 4);
        seen.push(...page.items.map(i => i.metadata.name));
        after = page.nextCursor;
        pages += 1;
      } while (after);
      expect(pages).toBe(2);
      expect(seen).toEqual([
        'a-cert',
        'b-admin-key',
        'c-dormant',
        'd-token',
        'e-role',
        'f-declared',
      ]);
      const { items } = await store.inventory.exportPage(undefined, 10);
      expect(items[1]).toEqual({
        kind: 'NonHumanIdentity',
        metadata: { name: 'b-admin-key', namespace: 'default' },
        spec: {
          type: 'iam-user',
          category: 'service-account',
          provider: 'aws',
          account: '111111111111',
          externalId: 'arn:aws:iam::111111111111:user/b-admin-key',
          owner: 'group:default/payments',
          ownership: { status: 'owned', provenance: 'tagged' },
          usedBy: ['component:default/payments-api'],
          risk: {
            level: 'critical',
            score: 95,
            findings: [{ ruleId: 'NHI-ADMIN' }],
          },
          rotation: { status: 'overdue' },
          credentials: [
            {
              id: 'AKIAB0000000000ADMIN',
              kind: 'access-key',
              status: 'active',
              createdAt: '2025-01-01T00:00:00Z',
              rotation: { status: 'overdue' },
            },
            {
              id: 'AKIAB00000000000OLD1',
              kind: 'access-key',
              status: 'inactive',
            },
          ],
        },
      });
      // no secret, no evidence, no last use: metadata for bulk readers only
      expect(JSON.stringify(items)).not.toContain('lastUsed');
    });

    it('serves the export to a service, 403 to a conditional reader, 400 on bad input, audited', async () => {
      const { store } = await setup();
      await store.startRun('aws:prod', new Date());
      await store.markInventorySynced('aws:prod', new Date());
      let result: AuthorizeResult = AuthorizeResult.ALLOW;
      const auditor = mockServices.auditor.mock();
      const router = createInsightsRouter({
        store,
        sources: ['aws:prod'],
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
        auditor,
      });
      const app = express().use(router).use(mockErrorHandler());
      const get = (path: string) =>
        request(app)
          .get(path)
          .set('Authorization', mockCredentials.service.header());

      const first = await get('/nhi/inventory/export?limit=5');
      expect(first.status).toBe(200);
      // hand-written identities have not been listed yet
      expect(first.body.pending).toBe(
        'hand-written identities are still being listed',
      );
      expect(first.body.items).toHaveLength(5);
      const second = await get(
        `/nhi/inventory/export?limit=5&after=${encodeURIComponent(
          first.body.nextCursor,
        )}`,
      );
      expect(second.body.items.map((i: any) => i.metadata.name)).toEqual([
        'f-declared',
      ]);
      expect(second.body.nextCursor).toBeUndefined();
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'nhi-inventory-export',
          severityLevel: 'low',
        }),
      );

      for (const [path, message] of [
        [
          '/nhi/inventory/export?limit=1001',
          'limit must be a whole number from 1 to 1000',
        ],
        ['/nhi/inventory/export?limit=0', 'limit must be a whole number'],
        ['/nhi/inventory/export?after=a&after=b', 'after must be given once'],
      ]) {
        const response = await get(path);
        expect(response.status).toBe(400);
        expect(response.body.error.message).toContain(message);
      }

      result = AuthorizeResult.CONDITIONAL;
      const conditional = await get('/nhi/inventory/export');
      expect(conditional.status).toBe(403);
      expect(conditional.body.error.message).toContain(
        'without conditions: a bulk read cannot apply per-entity conditions',
      );
      result = AuthorizeResult.DENY;
      const denied = await get('/nhi/inventory/export');
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toBe(
        'not allowed: catalog.entity.read',
      );
    });

    it('takes the sort on the inventory route, the riskiest first without one, and refuses an unknown one', async () => {
      const { store } = await setup();
      await store.startRun('aws:prod', new Date());
      await store.markInventorySynced('aws:prod', new Date());
      const router = createSourcesRouter({
        sources: [{ type: 'aws', id: 'prod', key: 'aws:prod' }],
        store,
        catalog: catalogServiceMock(),
        httpAuth: mockServices.httpAuth(),
        permissions: mockServices.permissions.mock({
          authorizeConditional: async () =>
            [{ result: AuthorizeResult.ALLOW }] as any,
        }),
        scheduler: mockServices.scheduler.mock(),
        logger: mockServices.logger.mock(),
      });
      const app = express().use(router).use(mockErrorHandler());
      const get = (path: string) =>
        request(app)
          .get(path)
          .set('Authorization', mockCredentials.user.header());
      const names = (body: any) =>
        body.items.map((i: { metadata: { name: string } }) => i.metadata.name);

      expect(names((await get('/nhi/inventory?limit=2')).body)).toEqual([
        'b-admin-key',
        'c-dormant',
      ]);
      expect(
        names((await get('/nhi/inventory?limit=2&sort=name:desc')).body),
      ).toEqual(['f-declared', 'e-role']);
      for (const sort of ['risky', 'risk:up', 'risk:desc:x', 'risk_score']) {
        const response = await get(`/nhi/inventory?sort=${sort}`);
        expect(response.status).toBe(400);
        expect(response.body.error.message).toBe(
          `sort must be one of ${NHI_INVENTORY_SORT_FIELDS.join(
            ', ',
          )}, optionally followed by :asc or :desc (e.g. risk:desc)`,
        );
      }
    });

    it('ranks rotation statuses in the migration as the store does, and migrates down', async () => {
      const knex = await databases.init(databaseId);
      const directory = nodePath.resolve(__dirname, '../../migrations');
      const config = { directory, tableName: 'nhi_knex_migrations' };
      const sortMigration = '20261212000000_inventory_sort.js';
      // every migration before the sort migration
      for (const name of fs.readdirSync(directory).sort()) {
        if (name < sortMigration) await knex.migrate.up({ ...config, name });
      }
      const statuses = [...NHI_IDENTITY_ROTATION_STATUSES, 'unheard-of', null];
      await knex('nhi_inventory').insert(
        statuses.map((status, i) => ({
          entity_ref: `nonhumanidentity:default/r${i}`,
          source_key: 'aws:prod',
          name: `r${i}`,
          namespace: 'default',
          type: 'iam-user',
          category: 'service-account',
          provider: 'aws',
          external_id: `r${i}`,
          ownership_status: 'unowned',
          ownership_provenance: 'none',
          rules: '  ',
          rotation_status: status,
          search_text: `r${i}`,
        })),
      );
      await knex.migrate.up({ ...config, name: sortMigration });
      const rows = await knex('nhi_inventory')
        .select('rotation_status', 'rotation_rank')
        .orderBy('name');
      for (const row of rows) {
        expect([row.rotation_status, row.rotation_rank]).toEqual([
          row.rotation_status,
          rotationRank(row.rotation_status ?? undefined),
        ]);
      }
      expect(rotationRank('expired')).toBe(6);
      expect(rotationRank('not-applicable')).toBe(0);
      await knex.migrate.down({ ...config, name: sortMigration });
      expect(
        await knex.schema.hasColumn('nhi_inventory', 'rotation_rank'),
      ).toBe(false);
    });
  },
);
