import {
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  BackendFeature,
  coreServices,
  createBackendModule,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import techInsightsPlugin from '@backstage-community/plugin-tech-insights-backend';
import jsonfcModule, {
  TechInsightJsonRuleCheck,
} from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
import { AddressInfo } from 'net';
import { entities } from '../__fixtures__/catalog';
import {
  nhiChecksConfig,
  nhiDefaultChecks,
  nhiIdentityChecks,
} from '../checks/checks';
import { techInsightsModuleNhiFactChecker } from './factCheckerModule';
import { techInsightsModuleNhi } from './module';

jest.setTimeout(60_000);

const schedule = { cadence: '0 0 1 1 *', lifecycle: { maxItems: 2 } };

/** The mock scheduler tech-insights schedules its retrievers on. */
let capturedScheduler: SchedulerService;
const captureScheduler = createBackendModule({
  pluginId: 'tech-insights',
  moduleId: 'test-scheduler',
  register(env) {
    env.registerInit({
      deps: { s: coreServices.scheduler },
      async init({ s }) {
        capturedScheduler = s;
      },
    });
  },
});

describe('tech-insights with the NHI module', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

  async function start(
    databaseId: TestDatabaseId,
    options: {
      factChecker: BackendFeature;
      checks: TechInsightJsonRuleCheck[];
      retrievers: string[];
      /** `nhi.scorecards.groups` */
      groups?: Record<string, unknown>;
    },
  ) {
    const knex = await databases.init(databaseId);
    const { server } = await startTestBackend({
      features: [
        techInsightsPlugin,
        options.factChecker,
        techInsightsModuleNhi,
        catalogServiceMock.factory({ entities }),
        mockServices.database.factory({ knex }),
        // Retrievers run when a test triggers them, not at start-up.
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        captureScheduler,
        mockServices.rootConfig.factory({
          data: JSON.parse(
            JSON.stringify({
              techInsights: {
                factRetrievers: Object.fromEntries(
                  options.retrievers.map(id => [id, schedule]),
                ),
                factChecker: { checks: nhiChecksConfig(options.checks) },
              },
              nhi: options.groups
                ? { scorecards: { groups: options.groups } }
                : undefined,
            }),
          ),
        }),
      ],
    });
    const base = `http://localhost:${
      (server.address() as AddressInfo).port
    }/api/tech-insights`;

    /** POST /checks/run/:namespace/:kind/:name */
    const postChecks = (kind: string, name: string) =>
      fetch(`${base}/checks/run/default/${kind}/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({}),
      });
    /** The results of all checks for an entity, as { checkId: passed }. */
    const runChecks = async (kind: string, name: string) => {
      const res = await postChecks(kind, name);
      expect(res.status).toBe(200);
      const results: Array<{ check: { id: string }; result: boolean }> =
        await res.json();
      return Object.fromEntries(results.map(r => [r.check.id, r.result]));
    };
    const latestFacts = async (entity: string, id: string) => {
      const res = await fetch(
        `${base}/facts/latest?entity=${entity}&ids[]=${id}`,
      );
      expect(res.status).toBe(200);
      return (await res.json())[id]?.facts;
    };
    return {
      knex,
      scheduler: capturedScheduler,
      postChecks,
      runChecks,
      latestFacts,
    };
  }

  it.each(databases.eachSupportedId())(
    'scores a clean and a messy component with the jsonfc fact checker, %p',
    async databaseId => {
      const { scheduler, runChecks, latestFacts } = await start(databaseId, {
        factChecker: jsonfcModule,
        // Built-in operators only: the jsonfc module has no atLeastPercent.
        checks: nhiDefaultChecks.filter(
          c => c.id !== 'nhi-component-ownership-coverage',
        ),
        retrievers: ['nhiComponentFactRetriever', 'nhiGroupFactRetriever'],
      });

      // Nothing retrieved yet: no facts, so no results (not failures).
      expect(await runChecks('component', 'payments-api')).toEqual({});

      await scheduler.triggerTask('nhiComponentFactRetriever');
      await scheduler.triggerTask('nhiGroupFactRetriever');

      expect(await runChecks('component', 'tracking-api')).toEqual({
        'nhi-component-no-critical-identities': true,
        'nhi-component-rotation-within-policy': true,
        'nhi-component-no-dormant-credentials': true,
        'nhi-component-identities-owned': true,
        'nhi-component-no-leaked-credentials': true,
        'nhi-component-agents-expire': true,
      });
      expect(await runChecks('component', 'payments-api')).toEqual({
        'nhi-component-no-critical-identities': false,
        'nhi-component-rotation-within-policy': false,
        'nhi-component-no-dormant-credentials': false,
        'nhi-component-identities-owned': false,
        'nhi-component-no-leaked-credentials': false,
        'nhi-component-agents-expire': false,
      });
      expect(Object.values(await runChecks('component', 'docs-site'))).toEqual(
        Array(6).fill(true),
      );
      expect(await runChecks('group', 'payments')).toEqual({
        'nhi-group-no-leaked-credentials': false,
        'nhi-group-agents-expire': false,
      });
      // no identities: no results, rather than passes
      expect(await runChecks('group', 'design')).toEqual({});

      expect(
        await latestFacts(
          'component:default/ci-runner',
          'nhiComponentFactRetriever',
        ),
      ).toMatchObject({
        identities: 3,
        critical: 1,
        unowned: 1,
        ownershipCoverage: 66.66,
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'runs the atLeastPercent and identity checks with the NHI fact checker, %p',
    async databaseId => {
      const { scheduler, runChecks } = await start(databaseId, {
        factChecker: techInsightsModuleNhiFactChecker,
        checks: [...nhiDefaultChecks, ...nhiIdentityChecks],
        retrievers: [
          'nhiComponentFactRetriever',
          'nhiGroupFactRetriever',
          'nhiIdentityFactRetriever',
        ],
      });
      await scheduler.triggerTask('nhiComponentFactRetriever');
      await scheduler.triggerTask('nhiIdentityFactRetriever');

      // 2 of 3 owned: 66.66 % < 90 %.
      expect(await runChecks('component', 'ci-runner')).toMatchObject({
        'nhi-component-ownership-coverage': false,
        'nhi-component-no-leaked-credentials': true,
      });
      expect(await runChecks('component', 'tracking-api')).toMatchObject({
        'nhi-component-ownership-coverage': true,
      });
      expect(await runChecks('nonhumanidentity', 'ci-deployer')).toEqual({
        'nhi-identity-not-critical': true,
        'nhi-identity-rotation-within-policy': false,
        'nhi-identity-not-dormant': false,
        'nhi-identity-has-owner': false,
        'nhi-identity-not-leaked': true,
        'nhi-identity-agent-expires': true,
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'grades teams with the thresholds of nhi.scorecards.groups, and leaves a team with no identities ungraded, %p',
    async databaseId => {
      const { scheduler, runChecks } = await start(databaseId, {
        factChecker: techInsightsModuleNhiFactChecker,
        checks: nhiDefaultChecks,
        retrievers: ['nhiComponentFactRetriever', 'nhiGroupFactRetriever'],
        groups: { credentialsWithinPolicy: 60, criticalPer100: 30 },
      });
      await scheduler.triggerTask('nhiGroupFactRetriever');

      // platform: 4 owned of the 5 it answers for (80 %), 66.66 % of its
      // credentials within policy, 50 % dormant, 25 critical per 100
      expect(await runChecks('group', 'platform')).toEqual({
        'nhi-group-ownership-coverage': false,
        'nhi-group-credentials-within-policy': true,
        'nhi-group-dormant-share': false,
        'nhi-group-critical-per-100': true,
        'nhi-group-no-leaked-credentials': true,
        'nhi-group-agents-expire': true,
      });
      // payments: half its credentials past policy, no dormant identity
      expect(await runChecks('group', 'payments')).toMatchObject({
        'nhi-group-credentials-within-policy': false,
        'nhi-group-dormant-share': true,
      });
      expect(await runChecks('group', 'design')).toEqual({});
    },
  );

  it('leaves the graded team checks out with nhi.scorecards.groups.enabled false', async () => {
    const { scheduler, runChecks } = await start('SQLITE_3', {
      factChecker: techInsightsModuleNhiFactChecker,
      checks: nhiDefaultChecks,
      retrievers: ['nhiComponentFactRetriever', 'nhiGroupFactRetriever'],
      groups: { enabled: false },
    });
    await scheduler.triggerTask('nhiGroupFactRetriever');
    expect(Object.keys(await runChecks('group', 'platform'))).toEqual([
      'nhi-group-no-leaked-credentials',
      'nhi-group-agents-expire',
    ]);
  });

  it.each(databases.eachSupportedId())(
    'keeps the number of fact rows its lifecycle allows, %p',
    async databaseId => {
      const { knex, scheduler } = await start(databaseId, {
        factChecker: jsonfcModule,
        checks: [],
        retrievers: ['nhiComponentFactRetriever'],
      });
      for (let run = 0; run < 3; run++) {
        await scheduler.triggerTask('nhiComponentFactRetriever');
        // Rows of one entity are told apart by their timestamp, which
        // tech-insights stores to the second on PostgreSQL.
        await new Promise(resolve => setTimeout(resolve, 1100));
      }
      const rows = await knex('facts')
        .where({ id: 'nhiComponentFactRetriever' })
        .select('entity');
      // Four components, two rows each (lifecycle maxItems: 2).
      expect(rows).toHaveLength(8);
      expect(new Set(rows.map(r => r.entity))).toEqual(
        new Set([
          'component:default/payments-api',
          'component:default/tracking-api',
          'component:default/ci-runner',
          'component:default/docs-site',
        ]),
      );
    },
  );

  it('fails every check run when identity checks are configured without their retriever, as the README warns', async () => {
    const { scheduler, postChecks } = await start('SQLITE_3', {
      factChecker: jsonfcModule,
      checks: [nhiDefaultChecks[0], ...nhiIdentityChecks],
      retrievers: ['nhiComponentFactRetriever'],
    });
    await scheduler.triggerTask('nhiComponentFactRetriever');
    const res = await postChecks('component', 'payments-api');
    expect(res.status).toBe(500);
    expect(JSON.stringify(await res.json())).toContain(
      'Not all facts are defined',
    );
  });

  it('does not run a retriever that is not configured', async () => {
    const { scheduler } = await start('SQLITE_3', {
      factChecker: jsonfcModule,
      checks: [],
      retrievers: ['nhiComponentFactRetriever'],
    });
    await expect(
      scheduler.triggerTask('nhiIdentityFactRetriever'),
    ).rejects.toThrow(/not found/i);
  });
});
