import { createBackendModule } from '@backstage/backend-plugin-api';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  NhiIdentitySource,
  NhiSourceReadContext,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/plugin-nhi-node';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { Knex } from 'knex';
import request from 'supertest';
import { catalogModuleNhi } from './module';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

/**
 * One source shared by every replica, as the same code deployed twice reads
 * the same cloud account: counts its reads and how many ran at once.
 */
class CountingSource implements NhiIdentitySource {
  readonly type = 'test';
  readonly id = 'shared';
  reads: string[] = [];
  active = 0;
  maxActive = 0;

  constructor(private readonly readMs: number) {}

  async read(context: NhiSourceReadContext) {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await new Promise(r => setTimeout(r, this.readMs));
      await context.emit(
        ['one', 'two', 'three'].map(name =>
          mockNhiRecord({
            name,
            externalId: `test:${name}`,
            provider: 'test',
            account: 'a',
          }),
        ),
      );
      return { complete: true, errors: [] };
    } finally {
      this.active--;
    }
  }
}

/** A backend replica: the catalog, the pipeline, the real (database-coordinated) scheduler. */
async function startReplica(name: string, knex: Knex, source: CountingSource) {
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      catalogModuleNhi,
      createBackendModule({
        pluginId: 'catalog',
        moduleId: `nhi-replica-${name}`,
        register(env) {
          env.registerInit({
            deps: { sources: nhiSourcesExtensionPoint },
            async init({ sources }) {
              // what this replica's source does is recorded under its name
              sources.addSource({
                type: source.type,
                id: source.id,
                read: async ctx => {
                  source.reads.push(name);
                  return source.read(ctx);
                },
              });
            },
          });
        },
      }),
      mockServices.database.factory({ knex }),
      schedulerServiceFactory,
      mockServices.rootConfig.factory({
        data: {
          catalog: { rules: [{ allow: ['NonHumanIdentity', 'Location'] }] },
          nhi: {
            pipeline: {
              schedule: {
                frequency: { minutes: 30 },
                timeout: { minutes: 1 },
                initialDelay: { seconds: 1 },
              },
            },
          },
        },
      }),
    ],
  });
  return { server: backend.server, stop: () => backend.stop() };
}

const auth = { Authorization: mockCredentials.user.header() };

async function identities(server: Parameters<typeof request>[0]) {
  const res = await request(server)
    .get(
      '/api/catalog/entities/by-query?filter=kind=nonhumanidentity&fields=metadata.name&limit=100',
    )
    .set(auth);
  return (res.body.items ?? []).map(
    (e: any) => e.metadata.title ?? e.metadata.name,
  );
}

describe.each(databases.eachSupportedId())(
  'two backend replicas over one %p database',
  databaseId => {
    it('run each source on one replica at a time and ingest once', async () => {
      const knex = await databases.init(databaseId);
      const source = new CountingSource(2000);
      const a = await startReplica('a', knex, source);
      const b = await startReplica('b', knex, source);
      try {
        // Both replicas have the task; its first run is due a second after
        // start-up. Wait for it to end, then as long again for a second,
        // duplicate run that must not come.
        const deadline = Date.now() + 30_000;
        while (source.reads.length === 0 && Date.now() < deadline) {
          await new Promise(r => setTimeout(r, 100));
        }
        expect(source.reads).toHaveLength(1);
        await new Promise(r => setTimeout(r, 6000));
        expect(source.reads).toHaveLength(1);
        expect(source.maxActive).toBe(1);

        // Both replicas serve the one catalog with the identities, once.
        let names: string[] = [];
        for (let i = 0; i < 120 && names.length < 3; i++) {
          names = await identities(a.server);
          if (names.length < 3) await new Promise(r => setTimeout(r, 250));
        }
        expect(names).toHaveLength(3);
        expect(await identities(b.server)).toHaveLength(3);

        // A run requested through either replica runs on exactly one.
        const triggered = await request(b.server)
          .post('/api/catalog/nhi/sources/test/shared/run')
          .set(auth);
        expect(triggered.status).toBe(202);
        const until = Date.now() + 20_000;
        while (source.reads.length < 2 && Date.now() < until) {
          await new Promise(r => setTimeout(r, 100));
        }
        await new Promise(r => setTimeout(r, 3000));
        expect(source.reads).toHaveLength(2);
        expect(source.maxActive).toBe(1);
        const runs = await request(a.server)
          .get('/api/catalog/nhi/sources')
          .set(auth);
        expect(runs.body.items[0].lastRun).toMatchObject({
          status: 'succeeded',
          counts: { read: 3, unchanged: 3, changed: 0 },
        });
      } finally {
        await a.stop();
        await b.stop();
      }
    });
  },
);
