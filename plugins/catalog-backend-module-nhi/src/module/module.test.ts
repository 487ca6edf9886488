import {
  coreServices,
  SchedulerService,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
// The claims backend is wired in beside the catalog only here, to test the
// claim → event → delta path end to end; the module never imports it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import nhiBackendPlugin from '@backstage-nhi/plugin-nhi-backend';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { eventsServiceRef, EventsService } from '@backstage/plugin-events-node';
import {
  NHI_OWNERSHIP_TOPIC,
  NhiRisk,
  nhiRuleIds,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceReadContext,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/plugin-nhi-node';
import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import path from 'node:path';
import request from 'supertest';
import { catalogModuleNhi } from './module';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

/** A source the test controls: what it returns and how the read ends. */
class ControlledSource implements NhiIdentitySource {
  readonly type = 'test';
  readonly id = 'one';
  records: NhiIdentityRecord[] = [];
  outcome: { fail?: string; completeScopes?: string[] } = {};
  reads = 0;

  async read(context: NhiSourceReadContext) {
    this.reads++;
    if (this.outcome.fail) throw new Error(this.outcome.fail);
    await context.emit(this.records);
    const partial = this.outcome.completeScopes !== undefined;
    return {
      complete: !partial,
      completeScopes: this.outcome.completeScopes,
      errors: partial
        ? [{ message: 'account b: AccessDenied', scope: 'b' }]
        : [],
    };
  }
}

const record = (name: string, extra: Partial<NhiIdentityRecord> = {}) =>
  mockNhiRecord({
    name,
    externalId: `test:${name}`,
    provider: 'test',
    account: 'a',
    ...extra,
  });

async function startPipeline(
  databaseId: TestDatabaseId,
  options: { withClaimsBackend?: boolean } = {},
) {
  // Each plugin its own database, as in a real backend: the catalog and the
  // claims backend both keep their migrations in `knex_migrations`, and one
  // shared database would make the second to migrate find the first's files
  // "missing" (whenever their start-ups do not overlap).
  const knexes = new Map<string, ReturnType<typeof databases.init>>();
  const knexFor = (pluginId: string) => {
    if (!knexes.has(pluginId)) knexes.set(pluginId, databases.init(databaseId));
    return knexes.get(pluginId)!;
  };
  // One events service for every plugin, so that the claims backend's events
  // reach the catalog module as they do through the events backend.
  const sharedEvents = mockServices.events();
  const source = new ControlledSource();
  let events: EventsService | undefined;
  let scheduler: SchedulerService | undefined;
  const { server } = await startTestBackend({
    features: [
      catalogPlugin,
      catalogModuleNhi,
      createBackendModule({
        pluginId: 'catalog',
        moduleId: 'nhi-test-source',
        register(env) {
          env.registerInit({
            deps: {
              sources: nhiSourcesExtensionPoint,
              events: eventsServiceRef,
              scheduler: coreServices.scheduler,
            },
            async init(deps) {
              deps.sources.addSource(source);
              events = deps.events;
              scheduler = deps.scheduler;
            },
          });
        },
      }),
      createServiceFactory({
        service: coreServices.database,
        deps: { plugin: coreServices.pluginMetadata },
        async factory({ plugin }) {
          const knex = await knexFor(plugin.getId());
          return { getClient: async () => knex, migrations: { skip: false } };
        },
      }),
      ...(options.withClaimsBackend
        ? [
            createServiceFactory({
              service: eventsServiceRef,
              deps: {},
              factory: () => sharedEvents,
            }),
          ]
        : []),
      ...(options.withClaimsBackend ? [nhiBackendPlugin] : []),
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            rules: [
              {
                allow: [
                  'Component',
                  'Group',
                  'User',
                  'NonHumanIdentity',
                  'Location',
                ],
              },
            ],
            locations: [
              {
                type: 'file',
                target: path.resolve(__dirname, '../__fixtures__/org.yaml'),
              },
            ],
          },
          nhi: {
            claims: { reviewers: { groups: ['group:default/security'] } },
            pipeline: {
              schedule: {
                frequency: { trigger: 'manual' },
                timeout: { minutes: 5 },
              },
              batchSize: 2,
              // only a removal of everything is held (see its own test)
              maxRemovalPercent: 100,
            },
          },
        },
      }),
    ],
  });
  const auth = { Authorization: mockCredentials.user.header() };
  const api = {
    async query(filter: string): Promise<Entity[]> {
      const res = await request(server)
        .get(`/api/catalog/entities/by-query?${filter}&limit=100`)
        .set(auth);
      expect(res.status).toBe(200);
      return res.body.items;
    },
    async byName(name: string): Promise<number> {
      const res = await request(server)
        .get(`/api/catalog/entities/by-name/nonhumanidentity/default/${name}`)
        .set(auth);
      return res.status;
    },
    async run() {
      const res = await request(server)
        .post('/api/catalog/nhi/sources/test/one/run')
        .set(auth);
      expect(res.status).toBe(202);
      const runs = await request(server)
        .get('/api/catalog/nhi/sources')
        .set(auth);
      return runs.body.items[0].lastRun;
    },
    async sources(): Promise<any[]> {
      const res = await request(server)
        .get('/api/catalog/nhi/sources')
        .set(auth);
      return res.body.items;
    },
    /** An identity's whole spec, as its page reads it. */
    async detail(entity: Entity): Promise<any> {
      const res = await request(server)
        .get(
          `/api/catalog/nhi/identities/detail?entityRef=nonhumanidentity:default/${entity.metadata.name}`,
        )
        .set(auth);
      expect(res.status).toBe(200);
      return res.body.spec;
    },
    /** Runs the task that summarises hand-written identities. */
    async syncDeclared() {
      await scheduler!.triggerTask('nhi-inventory-declared-sync');
    },
    /** Takes the trend snapshot now and reads the series. */
    async trends(query: string): Promise<any> {
      await scheduler!.triggerTask('nhi-trend-snapshot');
      const res = await request(server)
        .get(`/api/catalog/nhi/trends?${query}`)
        .set(auth);
      expect(res.status).toBe(200);
      return res.body;
    },
    /** The inventory summary: `null` until it is ready. */
    async inventory(query = ''): Promise<{
      totalCount: number;
      names: Array<string | undefined>;
      owners: Array<string | undefined>;
    } | null> {
      const res = await request(server)
        .get(`/api/catalog/nhi/inventory?limit=100${query}`)
        .set(auth);
      expect(res.status).toBe(200);
      if (!res.body.ready) return null;
      return {
        totalCount: res.body.totalCount,
        names: res.body.items.map(
          (i: Entity) => i.metadata.title ?? i.metadata.name,
        ),
        owners: res.body.items.map((i: Entity) => i.spec?.owner),
      };
    },
    async publish(payload: object) {
      await events!.publish({
        topic: NHI_OWNERSHIP_TOPIC,
        eventPayload: payload,
      });
    },
    async call(
      method: 'get' | 'post',
      apiPath: string,
      user: string,
      body?: object,
    ): Promise<request.Response> {
      const req = request(server)
        [method](`/api/nhi${apiPath}`)
        .set({
          Authorization: mockCredentials.user.header(`user:default/${user}`),
        });
      return body ? req.send(body) : req;
    },
  };
  return { server, source, api, auth };
}

/** Polls until `check` passes or the time is up, then checks once more. */
async function eventually<T>(
  fn: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  let value = await fn();
  while (!check(value) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 250));
    value = await fn();
  }
  return value;
}

const nhis =
  'filter=kind=nonhumanidentity,metadata.annotations.backstage-nhi.io/source=test:one';

describe.each(databases.eachSupportedId())(
  'the NHI pipeline on %p',
  databaseId => {
    it('ingests, skips unchanged runs, keeps entities of failed reads and applies ownership deltas', async () => {
      const { source, api } = await startPipeline(databaseId);
      // Wait for the org fixture (3 groups, 2 users) and the declaring component.
      expect(
        await eventually(
          () =>
            api.query(
              'filter=kind=group&filter=kind=user&filter=kind=component',
            ),
          items => items.length === 6,
        ),
      ).toHaveLength(6);

      // Before the source's first run, the summary holds the hand-written
      // identity only (and says it is still reading the source).
      expect((await api.inventory())?.names).toEqual(['hand-written-key']);

      // 1. A full run: tagged, declared (inferred owner) and unowned identities.
      source.records = [
        record('tagged', { owner: { value: 'payments', via: 'tag:team' } }),
        record('declared-one'),
        record('orphan', {
          createdBy: { type: 'person', name: 'alice@example.com' },
        }),
      ];
      const first = await api.run();
      expect(first).toMatchObject({
        status: 'succeeded',
        counts: { read: 3, changed: 3, unchanged: 0, removed: 0, entities: 3 },
      });
      const all = await eventually(
        () => api.query(nhis),
        items => items.length === 3 && items.every(i => i.relations?.length),
      );
      const byTitle = Object.fromEntries(all.map(e => [e.metadata.title, e]));
      // the catalog holds the lean entity: owner, status and provenance…
      expect(byTitle.tagged.spec).toEqual(
        expect.objectContaining({
          owner: 'group:default/payments',
          ownership: { status: 'owned', provenance: 'tagged' },
        }),
      );
      expect(byTitle.tagged.spec).not.toHaveProperty('credentials');
      // …and the identity's detail says the rest
      expect(await api.detail(byTitle.tagged)).toMatchObject({
        owner: 'group:default/payments',
        ownership: {
          status: 'owned',
          provenance: 'tagged',
          taggedBy: 'tag:team',
        },
        credentials: [{ id: expect.any(String) }],
      });
      expect(byTitle['declared-one'].spec).toMatchObject({
        owner: 'group:default/payments',
        ownership: { provenance: 'inferred' },
        usedBy: ['component:default/payments-api'],
      });
      expect(await api.detail(byTitle['declared-one'])).toMatchObject({
        ownership: {
          provenance: 'inferred',
          inferredFrom: ['component:default/payments-api'],
        },
      });
      expect(byTitle.orphan.spec).toMatchObject({
        ownership: { status: 'unowned', provenance: 'none' },
        createdBy: { ref: 'user:default/alice' },
      });
      expect(await api.detail(byTitle.orphan)).toMatchObject({
        ownership: {
          status: 'unowned',
          provenance: 'none',
          suggestedOwners: ['group:default/platform'],
        },
      });
      expect(byTitle.orphan.relations).toContainEqual({
        type: 'createdBy',
        targetRef: 'user:default/alice',
      });

      // Unowned is filterable through the catalog API, across sources.
      const unowned = await api.query(
        'filter=kind=nonhumanidentity,spec.ownership.status=unowned',
      );
      expect(unowned.map(e => e.metadata.title).sort()).toEqual(['orphan']);
      const handWritten = await api.query(
        'filter=kind=nonhumanidentity,metadata.name=hand-written-key',
      );
      expect(handWritten[0].spec?.ownership).toEqual({
        status: 'unowned',
        provenance: 'none',
      });

      // The declaring component depends on the identity.
      const [component] = await eventually(
        () => api.query('filter=kind=component,metadata.name=payments-api'),
        items =>
          items[0]?.relations?.some(
            r =>
              r.type === 'dependsOn' &&
              r.targetRef ===
                `nonhumanidentity:default/${byTitle['declared-one'].metadata.name}`,
          ) ?? false,
      );
      expect(component.relations).toContainEqual({
        type: 'dependsOn',
        targetRef: `nonhumanidentity:default/${byTitle['declared-one'].metadata.name}`,
      });

      // The summary has them, and the hand-written one once processed.
      await api.syncDeclared();
      expect(
        await eventually(
          () => api.inventory(),
          v => v?.totalCount === 4,
        ),
      ).toEqual({
        totalCount: 4,
        names: expect.arrayContaining([
          'tagged',
          'declared-one',
          'orphan',
          'hand-written-key',
        ]),
        owners: expect.anything(),
      });
      expect((await api.inventory('&owner=payments'))?.names.sort()).toEqual([
        'declared-one',
        'tagged',
      ]);

      // The trend task snapshots the summary: today's point for everything
      // and for the team.
      const trends = await eventually(
        () => api.trends('owners=all,payments&days=1'),
        body => body.series?.[0]?.points?.length === 1,
      );
      expect(
        trends.series.map((s: any) => [s.owner, s.points[0]?.identities]),
      ).toEqual([
        ['all', 4],
        ['group:default/payments', 2],
      ]);

      // 2. The same read again changes nothing.
      const second = await api.run();
      expect(second).toMatchObject({
        status: 'succeeded',
        counts: { read: 3, changed: 0, unchanged: 3, removed: 0 },
      });

      // 3. A failed read leaves every entity in place.
      source.outcome = { fail: 'AccessDenied: assume role refused' };
      source.records = [];
      const failed = await api.run();
      expect(failed.status).toBe('failed');
      expect(failed.errors[0].message).toBe(
        'the read failed, nothing was removed: AccessDenied: assume role refused',
      );
      expect(await api.query(nhis)).toHaveLength(3);

      // 4. A partial read removes only within the scopes it completed.
      source.outcome = { completeScopes: ['a'] };
      source.records = [
        record('tagged', { owner: { value: 'payments', via: 'tag:team' } }),
        record('in-b', { account: 'b' }),
      ];
      const partial = await api.run();
      expect(partial).toMatchObject({
        status: 'partial',
        counts: { removed: 2, changed: 1 },
      });
      expect((await api.inventory())?.names.sort()).toEqual([
        'hand-written-key',
        'in-b',
        'tagged',
      ]);
      await api.run(); // same partial read: nothing more is removed
      source.outcome = {};
      source.records.push(record('orphan'));
      const restored = await api.run();
      expect(restored.counts).toMatchObject({
        changed: 1,
        removed: 0,
        entities: 3,
      });

      // The catalog shows the re-added identity once it has processed it.
      expect(
        await eventually(
          () => api.byName(byTitle.orphan.metadata.name),
          status => status === 200,
        ),
      ).toBe(200);

      // 5. An approved claim reaches the catalog without a run, and a release reverts it.
      const orphanRef = `nonhumanidentity:default/${byTitle.orphan.metadata.name}`;
      const readsBefore = source.reads;
      await api.publish({
        entityRef: orphanRef,
        claim: {
          entityRef: orphanRef,
          owner: 'group:default/platform',
          claimedBy: 'user:default/alice',
          approvedBy: 'user:default/bob',
          approvedAt: '2026-11-28T12:00:00Z',
          claimId: 'claim-1',
        },
      });
      const [claimed] = await eventually(
        () =>
          api.query(
            `filter=kind=nonhumanidentity,metadata.name=${byTitle.orphan.metadata.name}`,
          ),
        items => items[0]?.spec?.owner === 'group:default/platform',
      );
      expect(claimed.spec).toMatchObject({
        owner: 'group:default/platform',
        ownership: { status: 'owned', provenance: 'claimed' },
      });
      expect(await api.detail(claimed)).toMatchObject({
        owner: 'group:default/platform',
        ownership: {
          status: 'owned',
          provenance: 'claimed',
          claim: {
            claimedBy: 'user:default/alice',
            approvedBy: 'user:default/bob',
          },
        },
      });
      expect(source.reads).toBe(readsBefore);
      expect(
        (await api.inventory('&owner=group:default/platform'))?.names,
      ).toEqual(['orphan']);

      await api.publish({ entityRef: orphanRef, claim: null });
      const [released] = await eventually(
        () =>
          api.query(
            `filter=kind=nonhumanidentity,metadata.name=${byTitle.orphan.metadata.name}`,
          ),
        items => items[0]?.spec?.owner === undefined,
      );
      expect(released.spec?.ownership).toMatchObject({
        status: 'unowned',
        provenance: 'none',
      });
      expect((await api.inventory('&owner=unowned'))?.names.sort()).toEqual([
        'hand-written-key',
        'in-b',
        'orphan',
      ]);
    });

    it('applies an approved claim within seconds, keeps it on the next run and reverts a release', async () => {
      const { source, api } = await startPipeline(databaseId, {
        withClaimsBackend: true,
      });
      expect(
        await eventually(
          () =>
            api.query(
              'filter=kind=group&filter=kind=user&filter=kind=component',
            ),
          items => items.length === 6,
        ),
      ).toHaveLength(6);
      source.records = [record('orphan')];
      await api.run();
      const [orphan] = await eventually(
        () => api.query(nhis),
        items => items.length === 1,
      );
      const entityRef = `nonhumanidentity:default/${orphan.metadata.name}`;
      expect(orphan.spec?.ownership).toMatchObject({ status: 'unowned' });

      const created = await api.call('post', '/claims', 'alice', {
        entityRef,
        group: 'group:default/platform',
        justification: 'Our deploy pipeline uses it.',
      });
      expect(created.status).toBe(201);
      const runBefore = (await api.sources())[0].lastRun.startedAt;
      const approved = await api.call(
        'post',
        `/claims/${created.body.id}/approve`,
        'farah',
        {
          comment: 'checked',
        },
      );
      expect(approved.status).toBe(200);
      const [claimed] = await eventually(
        () =>
          api.query(
            `filter=kind=nonhumanidentity,metadata.name=${orphan.metadata.name}`,
          ),
        items => items[0]?.spec?.owner === 'group:default/platform',
      );
      // the claim's event, then a delta mutation: no run in between
      expect((await api.sources())[0].lastRun.startedAt).toBe(runBefore);
      expect(claimed.spec?.ownership).toEqual({
        status: 'owned',
        provenance: 'claimed',
      });
      expect((await api.detail(claimed)).ownership).toMatchObject({
        status: 'owned',
        provenance: 'claimed',
        claim: {
          claimedBy: 'user:default/alice',
          approvedBy: 'user:default/farah',
          claimId: created.body.id,
        },
      });
      expect(nhiRuleIds(claimed.spec?.risk as NhiRisk)).not.toContain(
        'NHI-NO-OWNER',
      );

      // The next run reads the claim from the claims backend's feed.
      const rerun = await api.run();
      expect(rerun.status).toBe('succeeded');
      const [after] = await api.query(
        `filter=kind=nonhumanidentity,metadata.name=${orphan.metadata.name}`,
      );
      expect((after.spec as any).owner).toBe('group:default/platform');

      const released = await api.call('post', '/ownership/release', 'alice', {
        entityRef,
      });
      expect(released.status).toBe(200);
      await eventually(
        () =>
          api.query(
            `filter=kind=nonhumanidentity,metadata.name=${orphan.metadata.name}`,
          ),
        items => (items[0]?.spec as any)?.ownership?.status === 'unowned',
        10_000,
      );
      const audit = await api.call(
        'get',
        `/audit?entityRef=${entityRef}`,
        'alice',
      );
      expect(audit.body.items.map((a: any) => a.action)).toEqual([
        'ownership.released',
        'claim.approved',
        'claim.created',
      ]);
    });

    it('holds the removal of every identity of a source until a person confirms it', async () => {
      const { source, api, server, auth } = await startPipeline(databaseId);
      source.records = [record('one'), record('two')];
      expect((await api.run()).status).toBe('succeeded');
      await eventually(
        () => api.query(nhis),
        items => items.length === 2,
      );

      // a valid, empty export: nothing is removed
      source.records = [];
      const held = await api.run();
      expect(held).toMatchObject({
        status: 'held',
        counts: { removed: 0, entities: 2 },
        held: {
          count: 2,
          total: 2,
          reason: 'the run would remove all 2 identities of the source',
        },
      });
      expect(await api.query(nhis)).toHaveLength(2);

      // a person confirms the hold they saw; the run it starts applies it
      const confirmed = await request(server)
        .post('/api/catalog/nhi/sources/test/one/removals/confirm')
        .set(auth)
        .send({ heldSince: held.held.since });
      expect(confirmed.status).toBe(202);
      const runs = await request(server)
        .get('/api/catalog/nhi/sources')
        .set(auth);
      expect(runs.body.items[0].lastRun).toMatchObject({
        status: 'succeeded',
        counts: { removed: 2, entities: 0 },
      });
      expect(runs.body.items[0].lastRun.held).toBeUndefined();
      expect(
        await eventually(
          () => api.query(nhis),
          items => items.length === 0,
        ),
      ).toHaveLength(0);
      const again = await request(server)
        .post('/api/catalog/nhi/sources/test/one/removals/confirm')
        .set(auth)
        .send({});
      expect(again.status).toBe(409);
    });

    it('answers 404 for an unknown source and lists configured ones', async () => {
      const { server, auth } = await startPipeline(databaseId);
      const res = await request(server)
        .post('/api/catalog/nhi/sources/test/nope/run')
        .set(auth);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe('no NHI source test:nope');
      const list = await request(server)
        .get('/api/catalog/nhi/sources')
        .set(auth);
      expect(list.body.items).toEqual([
        { type: 'test', id: 'one', key: 'test:one', lastRun: null },
      ]);
    });
  },
);
