import { TestDatabases } from '@backstage/backend-test-utils';
import { NhiActionStore } from './NhiActionStore';
import { NhiPipelineStore } from './NhiPipelineStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

const AT = new Date('2026-12-06T10:00:00Z');
const entry = (over: Record<string, unknown> = {}) => ({
  action: 'access-key:delete',
  source: 'aws:prod',
  entityRef: 'nonhumanidentity:default/aws-deploy-bot',
  input: { accessKeyId: 'AKIA2' },
  reason: 'unused for a year',
  requestedBy: 'user:default/farah.haddad',
  requestedAt: AT,
  status: 'pending' as const,
  plan: { changes: [] },
  dedupeKey: 'pending:access-key:delete:AKIA2',
  ...over,
});

describe.each(databases.eachSupportedId())(
  'NhiActionStore on %s',
  databaseId => {
    async function store() {
      const knex = await databases.init(databaseId);
      await NhiPipelineStore.create({
        getClient: async () => knex,
        migrations: { skip: false },
      } as any);
      return { knex, actions: new NhiActionStore(knex) };
    }

    it('keeps one pending request per action, identity and input', async () => {
      const { actions } = await store();
      const first = await actions.add(entry());
      await expect(actions.add(entry())).rejects.toMatchObject({
        name: 'ConflictError',
      });
      // once decided, the same request may be asked for again
      await actions.decide(first.id, {
        status: 'rejected',
        by: 'user:default/omar.farouk',
        at: AT,
        comment: 'no',
      });
      await expect(actions.add(entry())).resolves.toMatchObject({
        status: 'pending',
      });
    });

    it('lets exactly one of many simultaneous confirmations through, and never the requester’s', async () => {
      const { actions } = await store();
      const { id } = await actions.add(entry());
      await expect(
        actions.decide(id, {
          status: 'running',
          by: 'user:default/farah.haddad',
          at: AT,
        }),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          actions.decide(id, {
            status: 'running',
            by: `user:default/reviewer-${i}`,
            at: AT,
          }),
        ),
      );
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        results
          .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
          .every(r => r.reason.name === 'ConflictError'),
      ).toBe(true);
      const decided = await actions.get(id);
      expect(decided.status).toBe('running');
      expect(decided.decidedBy).toMatch(/^user:default\/reviewer-\d+$/);
    });

    it('records how a run ended, and a failed enforcement may be tried again', async () => {
      const { actions } = await store();
      const key = 'expiry:nonhumanidentity:default/aws-agent:2026-12-05';
      const run = await actions.add(
        entry({ status: 'running', dedupeKey: key }),
      );
      expect(await actions.has(key)).toBe(true);
      await actions.finish(
        run.id,
        { status: 'failed', error: 'throttled' },
        AT,
      );
      expect(await actions.has(key)).toBe(false);
      const again = await actions.add(
        entry({ status: 'running', dedupeKey: key }),
      );
      const done = await actions.finish(
        again.id,
        {
          status: 'succeeded',
          result: {
            changes: [
              { target: 'r', operation: 'iam:PutRolePolicy', description: 'd' },
            ],
          },
        },
        AT,
      );
      expect(done).toMatchObject({
        status: 'succeeded',
        result: { changes: [expect.objectContaining({ target: 'r' })] },
      });
      expect(
        (await actions.list({ entityRef: entry().entityRef })).map(
          r => r.status,
        ),
      ).toEqual(expect.arrayContaining(['failed', 'succeeded']));
    });

    it('migrates down and up again', async () => {
      const { knex } = await store();
      const migrations = require('path').resolve(__dirname, '../../migrations');
      const config = {
        directory: migrations,
        tableName: 'nhi_knex_migrations',
      };
      // down to before the action log, and back
      while (await knex.schema.hasTable('nhi_action_log')) {
        await knex.migrate.down(config);
      }
      await knex.migrate.latest(config);
      expect(await knex.schema.hasTable('nhi_action_log')).toBe(true);
    });
  },
);
