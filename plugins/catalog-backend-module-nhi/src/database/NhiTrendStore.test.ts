import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { NonHumanIdentityEntity } from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import request from 'supertest';
import { createInsightsRouter } from '../service/insightsRouter';
import { takeTrendSnapshot } from '../module/trendSnapshot';
import { NhiPipelineStore } from './NhiPipelineStore';
import { componentOwners } from './NhiTrendStore';

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
      externalId: `arn:aws:iam::111111111111:user/${name}`,
      ownership: { status: 'unowned', provenance: 'none' },
      risk: { level: 'low', score: 10, findings: [] },
      rotation: { status: 'ok' },
      ...spec,
    },
  };
}

const owned = (owner: string) => ({
  owner,
  ownership: { status: 'owned' as const, provenance: 'tagged' as const },
});
const finding = (ruleId: string) => ({ ruleId });

const COMPONENTS = [
  { metadata: { name: 'payments-api' }, spec: { owner: 'payments' } },
  { metadata: { name: 'checkout' }, spec: { owner: 'group:default/payments' } },
  { metadata: { name: 'tracker' }, spec: { owner: 'shipping' } },
  { metadata: { name: 'orphan' }, spec: {} },
];

/** The inventory of the day the tests take their snapshots. */
const DAY_ONE = [
  identity('pay-1', {
    ...owned('group:default/payments'),
    risk: {
      level: 'critical',
      score: 95,
      findings: [finding('NHI-ADMIN'), finding('NHI-DORMANT-IDENTITY')],
    },
    rotation: { status: 'overdue' },
  }),
  identity('pay-2', {
    ...owned('group:default/payments'),
    risk: {
      level: 'medium',
      score: 40,
      findings: [finding('NHI-DORMANT-CREDENTIAL')],
    },
    rotation: { status: 'never-rotated' },
  }),
  identity('pay-3', { ...owned('group:default/payments') }),
  // used by two payments components: counts once for payments
  identity('legacy-batch', {
    usedBy: ['payments-api', 'component:default/checkout', 'tracker'],
    risk: { level: 'high', score: 70, findings: [] },
    rotation: { status: 'expired' },
  }),
  identity('loose-key', { usedBy: ['orphan', 'not-in-the-catalog'] }),
  // a person answers for it until a team claims it: no team's figures
  identity('agent-made', {
    ...owned('user:default/priya.raman'),
    ownership: { status: 'owned', provenance: 'agent-sponsor' },
  }),
  identity('data-1', { ...owned('group:default/data') }),
];

describe.each(databases.eachSupportedId())(
  'NhiTrendStore on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const store = await NhiPipelineStore.create(
        mockServices.database.mock({ getClient: async () => knex }),
      );
      return { knex, store };
    }

    it('takes the day’s figures for everything and each team, counting the unowned identities a team’s components use', async () => {
      const { store } = await setup();
      expect(
        await store.trends.take('2026-12-01', componentOwners(COMPONENTS)),
      ).toBe(0);
      await store.inventory.upsert('aws:prod', DAY_ONE);
      expect(
        await store.trends.take('2026-12-01', componentOwners(COMPONENTS)),
      ).toBe(4);

      const { from, series } = await store.trends.series(
        [
          'all',
          'group:default/payments',
          'group:default/shipping',
          'group:default/data',
          'group:default/web',
        ],
        7,
        '2026-12-01',
      );
      expect(from).toBe('2026-11-25');
      expect(series).toEqual([
        {
          owner: 'all',
          points: [
            {
              day: '2026-12-01',
              identities: 7,
              owned: 5,
              ownershipCoverage: 71.42,
              critical: 1,
              high: 1,
              medium: 1,
              low: 4,
              pastRotation: 3,
              dormant: 2,
            },
          ],
        },
        {
          owner: 'group:default/payments',
          points: [
            {
              day: '2026-12-01',
              identities: 3,
              owned: 3,
              unownedUsed: 1,
              // 3 owned of the 4 it answers for
              ownershipCoverage: 75,
              critical: 1,
              high: 0,
              medium: 1,
              low: 1,
              pastRotation: 2,
              dormant: 2,
            },
          ],
        },
        {
          // owns nothing, but its component uses an unowned identity
          owner: 'group:default/shipping',
          points: [
            {
              day: '2026-12-01',
              identities: 0,
              owned: 0,
              unownedUsed: 1,
              ownershipCoverage: 0,
              critical: 0,
              high: 0,
              medium: 0,
              low: 0,
              pastRotation: 0,
              dormant: 0,
            },
          ],
        },
        {
          owner: 'group:default/data',
          points: [
            expect.objectContaining({
              identities: 1,
              unownedUsed: 0,
              ownershipCoverage: 100,
            }),
          ],
        },
        // no identities, nothing used: no series to draw
        { owner: 'group:default/web', points: [] },
      ]);
    });

    it('keeps the last snapshot of a day, one row per day and team, and the days in order', async () => {
      const { store, knex } = await setup();
      const owners = componentOwners(COMPONENTS);
      await store.inventory.upsert('aws:prod', DAY_ONE);
      await store.trends.take('2026-12-01', owners);
      // the next day payments claims the batch job and shipping loses its key
      await store.inventory.upsert('aws:prod', [
        identity('legacy-batch', {
          ...owned('group:default/payments'),
          usedBy: ['payments-api', 'tracker'],
        }),
      ]);
      await store.trends.take('2026-12-02', owners);
      // taken again later that day, after pay-3 was removed
      await store.inventory.delete('aws:prod', [
        'nonhumanidentity:default/pay-3',
      ]);
      await store.trends.take('2026-12-02', owners);

      const rows = await knex('nhi_trend_snapshots')
        .where({ day: '2026-12-02' })
        .orderBy('scope');
      expect(rows.map(r => r.scope)).toEqual([
        'all',
        'group:default/data',
        'group:default/payments',
      ]);
      const { series } = await store.trends.series(
        ['group:default/payments', 'all'],
        30,
        '2026-12-02',
      );
      expect(
        series[0].points.map(p => [p.day, p.identities, p.ownershipCoverage]),
      ).toEqual([
        ['2026-12-01', 3, 75],
        ['2026-12-02', 3, 100],
      ]);
      expect(series[1].points.map(p => [p.day, p.identities])).toEqual([
        ['2026-12-01', 7],
        ['2026-12-02', 6],
      ]);
      // one day back is today only
      expect(
        (await store.trends.series(['all'], 1, '2026-12-02')).series[0].points,
      ).toHaveLength(1);
      // older than the retention: deleted
      expect(await store.trends.prune('2026-12-02', 1)).toBe(4);
      expect(
        (
          await store.trends.series(['all'], 30, '2026-12-02')
        ).series[0].points.map(p => p.day),
      ).toEqual(['2026-12-02']);
    });

    it('snapshots from the catalog’s components, and writes nothing when the catalog cannot be read', async () => {
      const { store } = await setup();
      await store.inventory.upsert('aws:prod', DAY_ONE);
      const catalog = catalogServiceMock({
        entities: COMPONENTS.map(c => ({
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { ...c.metadata, namespace: 'default' },
          spec: { type: 'service', lifecycle: 'production', ...c.spec },
        })),
      });
      const logger = mockServices.logger.mock();
      const now = new Date('2026-12-03T23:59:00Z');
      expect(
        await takeTrendSnapshot({
          store,
          catalog,
          credentials: mockCredentials.service(),
          retentionDays: 400,
          logger,
          now,
        }),
      ).toEqual({ rows: 4, pruned: 0 });
      const { series } = await store.trends.series(
        ['group:default/shipping'],
        1,
        '2026-12-03',
      );
      expect(series[0].points[0].unownedUsed).toBe(1);

      const broken = catalogServiceMock.mock({
        streamEntities: () => {
          throw new Error('catalog is down');
        },
      } as any);
      await expect(
        takeTrendSnapshot({
          store,
          catalog: broken,
          credentials: mockCredentials.service(),
          retentionDays: 400,
          logger,
          now: new Date('2026-12-04T10:00:00Z'),
        }),
      ).rejects.toThrow('catalog is down');
      expect(
        (
          await store.trends.series(['all'], 2, '2026-12-04')
        ).series[0].points.map(p => p.day),
      ).toEqual(['2026-12-03']);
    });

    it('serves the series under the catalog read permission, refusing bad input, audited', async () => {
      const { store } = await setup();
      await store.inventory.upsert('aws:prod', DAY_ONE);
      await store.trends.take('2026-12-01', componentOwners(COMPONENTS));
      let result: AuthorizeResult = AuthorizeResult.ALLOW;
      const auditor = mockServices.auditor.mock();
      const app = express()
        .use(
          createInsightsRouter({
            store,
            sources: [],
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
            now: () => new Date('2026-12-01T12:00:00Z'),
          }),
        )
        .use(mockErrorHandler());
      const get = (path: string) =>
        request(app)
          .get(path)
          .set('Authorization', mockCredentials.user.header());

      const ok = await get(
        '/nhi/trends?owners=all,payments,Group:default/Data&days=7',
      );
      expect(ok.status).toBe(200);
      expect(ok.body.ready).toBe(true);
      expect(ok.body.from).toBe('2026-11-25');
      expect(
        ok.body.series.map((s: any) => [s.owner, s.points.length]),
      ).toEqual([
        ['all', 1],
        ['group:default/payments', 1],
        ['group:default/data', 1],
      ]);
      // all by default
      expect(
        (await get('/nhi/trends')).body.series.map((s: any) => s.owner),
      ).toEqual(['all']);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'nhi-trends-read' }),
      );

      const many = Array.from({ length: 101 }, (_, i) => `team-${i}`).join(',');
      for (const [path, message] of [
        ['/nhi/trends?days=0', 'days must be a whole number from 1 to 400'],
        ['/nhi/trends?days=401', 'days must be a whole number from 1 to 400'],
        [
          '/nhi/trends?owners=group:/x',
          'owners: "group:/x" is neither "all" nor a group ref',
        ],
        [
          `/nhi/trends?owners=${many}`,
          'owners: at most 100 series per request, got 101',
        ],
        ['/nhi/trends?owners=a&owners=b', 'owners must be given once'],
      ]) {
        const response = await get(path);
        expect(response.status).toBe(400);
        expect(response.body.error.message).toContain(message);
      }

      result = AuthorizeResult.CONDITIONAL;
      expect((await get('/nhi/trends')).body).toEqual({
        ready: false,
        reason: 'the catalog read permission is conditional for this user',
      });
      result = AuthorizeResult.DENY;
      const denied = await get('/nhi/trends');
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toBe(
        'not allowed: catalog.entity.read',
      );
    });

    it('migrates down', async () => {
      const { knex } = await setup();
      await knex.migrate.down({
        directory: `${__dirname}/../../migrations`,
        tableName: 'nhi_knex_migrations',
        name: '20261212010000_trends.js',
      });
      expect(await knex.schema.hasTable('nhi_trend_snapshots')).toBe(false);
    });
  },
);
