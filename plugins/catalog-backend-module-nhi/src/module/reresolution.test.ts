import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  NhiIdentityRecord,
  NhiSourceReadContext,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/plugin-nhi-node';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import request from 'supertest';
import { catalogModuleNhi } from './module';

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

const location = 'url:https://org.example/org.yaml';
const annotations = {
  'backstage.io/managed-by-location': location,
  'backstage.io/managed-by-origin-location': location,
};

/** The organization, which reaches the catalog only when told to. */
class LateOrg implements EntityProvider {
  private connection?: EntityProviderConnection;
  getProviderName() {
    return 'late-org';
  }
  async connect(connection: EntityProviderConnection) {
    this.connection = connection;
  }
  async arrive() {
    const entities: Entity[] = [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'payments', annotations },
        spec: { type: 'team', children: [] },
      },
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: 'platform', annotations },
        spec: { type: 'team', children: [] },
      },
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: { name: 'alice', annotations },
        spec: {
          profile: { email: 'alice@example.com' },
          memberOf: ['platform'],
        },
      },
    ];
    await this.connection!.applyMutation({
      type: 'full',
      entities: entities.map(entity => ({ entity, locationKey: 'late-org' })),
    });
  }
}

async function startFreshBackend(databaseId: TestDatabaseId) {
  const knexes = new Map<string, ReturnType<typeof databases.init>>();
  const org = new LateOrg();
  const records: NhiIdentityRecord[] = [
    mockNhiRecord({
      name: 'tagged',
      externalId: 'test:tagged',
      provider: 'test',
      account: 'a',
      owner: { value: 'payments', via: 'tag:team' },
    }),
    mockNhiRecord({
      name: 'made-by-alice',
      externalId: 'test:made-by-alice',
      provider: 'test',
      account: 'a',
      createdBy: { type: 'person', name: 'alice@example.com' },
    }),
  ];
  const { server } = await startTestBackend({
    features: [
      catalogPlugin,
      catalogModuleNhi,
      createBackendModule({
        pluginId: 'catalog',
        moduleId: 'nhi-test-fresh-start',
        register(env) {
          env.registerInit({
            deps: {
              sources: nhiSourcesExtensionPoint,
              processing: catalogProcessingExtensionPoint,
            },
            async init({ sources, processing }) {
              processing.addEntityProvider(org);
              sources.addSource({
                type: 'test',
                id: 'fresh',
                async read(context: NhiSourceReadContext) {
                  await context.emit(records);
                  return { complete: true, errors: [] };
                },
              });
            },
          });
        },
      }),
      createServiceFactory({
        service: coreServices.database,
        deps: { plugin: coreServices.pluginMetadata },
        async factory({ plugin }) {
          if (!knexes.has(plugin.getId())) {
            knexes.set(plugin.getId(), databases.init(databaseId));
          }
          const knex = await knexes.get(plugin.getId())!;
          return { getClient: async () => knex, migrations: { skip: false } };
        },
      }),
      // the real scheduler: tasks run on their own schedule, as in a portal
      schedulerServiceFactory,
      mockServices.rootConfig.factory({
        data: {
          catalog: { rules: [{ allow: ['NonHumanIdentity', 'Location'] }] },
          nhi: {
            pipeline: {
              // the first run right after start, the next in half an hour
              schedule: {
                frequency: { minutes: 30 },
                timeout: { minutes: 2 },
                initialDelay: { seconds: 1 },
              },
            },
          },
        },
      }),
    ],
  });
  const auth = { Authorization: mockCredentials.user.header() };
  const api = {
    async identities(): Promise<Record<string, Entity>> {
      const res = await request(server)
        .get(
          '/api/catalog/entities/by-query?filter=kind=nonhumanidentity&limit=100',
        )
        .set(auth);
      return Object.fromEntries(
        (res.body.items ?? []).map((e: Entity) => [e.metadata.title, e]),
      );
    },
    /** An identity's whole spec, as its page reads it. */
    async detail(entity: Entity): Promise<any> {
      const res = await request(server)
        .get(
          `/api/catalog/nhi/identities/detail?entityRef=nonhumanidentity:default/${entity.metadata.name}`,
        )
        .set(auth);
      return res.body.spec;
    },
    async lastRun() {
      const res = await request(server)
        .get('/api/catalog/nhi/sources')
        .set(auth);
      return res.body.items?.[0]?.lastRun;
    },
  };
  return { org, api };
}

/** Polls until `check` passes or the time is up; returns the last value. */
async function eventually<T>(
  fn: () => Promise<T>,
  check: (v: T) => boolean,
  ms: number,
) {
  const deadline = Date.now() + ms;
  let value = await fn();
  while (!check(value) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 500));
    value = await fn();
  }
  return value;
}

describe.each(databases.eachSupportedId())(
  'after a fresh start on %p',
  databaseId => {
    it('resolves owners and creators as soon as the organization reaches the catalog', async () => {
      const { org, api } = await startFreshBackend(databaseId);

      // The first run comes before the catalog has any group or user.
      const first = await eventually(
        () => api.lastRun(),
        run => !!run?.finishedAt,
        60_000,
      );
      expect(first.status).toBe('succeeded');
      const before = await eventually(
        () => api.identities(),
        ids => Object.keys(ids).length === 2,
        60_000,
      );
      expect(before.tagged.spec).toMatchObject({
        ownership: { status: 'unowned' },
      });
      expect((await api.detail(before.tagged)).ownership).toMatchObject({
        status: 'unowned',
        unresolvedOwner: 'payments',
      });
      expect(before.tagged.spec?.owner).toBeUndefined();

      await org.arrive();

      // No run is asked for: the next scheduled one is half an hour away.
      const after = await eventually(
        () => api.identities(),
        ids =>
          ids.tagged?.spec?.owner === 'group:default/payments' &&
          (ids['made-by-alice']?.spec as any)?.createdBy?.ref ===
            'user:default/alice',
        120_000,
      );
      expect(after.tagged.spec).toMatchObject({
        owner: 'group:default/payments',
        ownership: { status: 'owned', provenance: 'tagged' },
      });
      expect(after['made-by-alice'].spec).toMatchObject({
        createdBy: { ref: 'user:default/alice' },
      });
      expect(
        (await api.detail(after['made-by-alice'])).ownership,
      ).toMatchObject({ suggestedOwners: ['group:default/platform'] });
    });
  },
);
