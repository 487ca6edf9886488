import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { nhiSourcePermissions } from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentitySource,
  nhiSourceKey,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/plugin-nhi-node';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { readNhiOwnershipConfig } from './ownershipConfig';
import { NonHumanIdentityProcessor } from '../processors/NonHumanIdentityProcessor';
import {
  NhiEntityProvider,
  nhiSourceTaskId,
} from '../providers/NhiEntityProvider';
import { createSourcesRouter } from '../service/router';
import { setupNhiActions } from '../actions/setup';
import { notificationService } from '@backstage/plugin-notifications-node';
import { createInsightsRouter } from '../service/insightsRouter';
import { readNhiTrendsConfig } from './trendsConfig';
import { takeTrendSnapshot } from './trendSnapshot';
import { FileInventorySource } from '../sources/file/FileInventorySource';
import {
  readFileSourceConfigs,
  readLeakReportConfigs,
  readNhiPipelineConfig,
} from './config';
import { NhiEvaluation } from './evaluation';
import { LeakReportReader } from '../lib/leaks';
import { NhiBackendFeeds } from '../lib/feeds';
import { readTarget } from '../lib/readTarget';
import { NhiReresolver } from '../lib/reresolution';
import { createEnrichmentLoader } from './enrichment';
import { collectSources } from './sources';
import { nhiEventHandler, NHI_PIPELINE_TOPICS } from './events';
import { NhiInventorySummary } from '../pipeline/summary';
import { NhiSecretScanner } from '../lib/secrets/SecretScanner';

/**
 * The Backstage NHI pipeline as a catalog module: the NonHumanIdentity kind
 * processor, one entity provider per identity source, the file/URL
 * inventory source, and the sources' status routes under
 * `/api/catalog/nhi/sources`. Other modules add sources through
 * `nhiSourcesExtensionPoint`.
 *
 * @public
 */
export const catalogModuleNhi = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi',
  register(env) {
    const added: NhiIdentitySource[] = [];
    env.registerExtensionPoint(nhiSourcesExtensionPoint, {
      addSource(...sources) {
        added.push(...sources.flat());
      },
    });

    env.registerInit({
      deps: {
        catalogProcessing: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        database: coreServices.database,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        urlReader: coreServices.urlReader,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        auditor: coreServices.auditor,
        notifications: notificationService,
      },
      async init({
        catalogProcessing,
        config,
        logger,
        scheduler,
        database,
        auth,
        discovery,
        httpAuth,
        httpRouter,
        permissions,
        permissionsRegistry,
        urlReader,
        catalog,
        events,
        auditor,
        notifications,
      }) {
        const pipeline = readNhiPipelineConfig(config);
        const sources = collectSources([
          ...readFileSourceConfigs(config).map(c =>
            FileInventorySource.fromConfig(c, { urlReader }),
          ),
          ...added,
        ]);
        const keys = sources.map(nhiSourceKey);

        const store = await NhiPipelineStore.create(database);
        const summary = new NhiInventorySummary({ store, catalog, auth });
        const evaluation = NhiEvaluation.fromConfig(config);
        const evaluate = evaluation.evaluate;
        const { loadContext, countEnrichment } = createEnrichmentLoader({
          catalog,
          auth,
          declaringKinds: pipeline.declaringKinds,
          feeds: new NhiBackendFeeds({ discovery, auth }),
          leakReports: new LeakReportReader(
            readLeakReportConfigs(config),
            target => readTarget(target, urlReader),
          ),
          ownership: readNhiOwnershipConfig(config),
          evaluation,
        });

        const scanner = new NhiSecretScanner();
        const providers = sources.map(
          source =>
            new NhiEntityProvider({
              source,
              store,
              logger,
              catalog,
              auth,
              scheduler,
              schedule: source.schedule ?? pipeline.schedule,
              batchSize: pipeline.batchSize,
              maxRemovalPercent: pipeline.maxRemovalPercent,
              scanner,
              sourceKeys: keys,
              evaluate,
              loadContext,
              summary,
            }),
        );

        catalogProcessing.addProcessor(
          new NonHumanIdentityProcessor({
            evaluate,
            inventory: summary,
            logger,
          }),
        );
        catalogProcessing.addEntityProvider(providers);

        await events.subscribe({
          id: 'catalog-module-nhi',
          topics: NHI_PIPELINE_TOPICS,
          onEvent: nhiEventHandler({ store, providers, evaluation, logger }),
        });

        // Hand-written identities are summarised when processed; this task
        // adds them all once per database and drops the rows of those that
        // left the catalog.
        await scheduler.scheduleTask({
          id: 'nhi-inventory-declared-sync',
          frequency: { minutes: 10 },
          timeout: { minutes: 10 },
          initialDelay: { seconds: 5 },
          fn: async () => {
            const result = await summary.syncDeclared();
            if (result.added || result.removed) {
              logger.info(
                `NHI inventory summary: ${result.added} hand-written identities added, ${result.removed} no longer in the catalog removed`,
              );
            }
          },
        });

        // Trends: the day's headline figures of the summary, rewritten on
        // each run so that a day keeps its last ones.
        const trends = readNhiTrendsConfig(config);
        await scheduler.scheduleTask({
          id: 'nhi-trend-snapshot',
          ...trends.schedule,
          fn: async () => {
            await takeTrendSnapshot({
              store,
              catalog,
              credentials: await auth.getOwnServiceCredentials(),
              retentionDays: trends.retentionDays,
              logger,
            });
          },
        });

        // Identities resolved again as soon as the groups, users and
        // components they point at reach the catalog (e.g. after a fresh
        // start, when sources run before the catalog has read the org).
        const reresolver = new NhiReresolver({
          listEnrichment: () => store.listEnrichment(),
          count: countEnrichment,
          trigger: key => scheduler.triggerTask(nhiSourceTaskId(key)),
          sourceKeys: keys,
          logger,
        });
        await scheduler.scheduleTask({
          id: 'nhi-reresolve',
          frequency: { seconds: 15 },
          timeout: { minutes: 1 },
          initialDelay: { seconds: 15 },
          fn: async () => {
            await reresolver.check();
          },
        });

        permissionsRegistry.addPermissions(nhiSourcePermissions);
        httpRouter.use(
          createSourcesRouter({
            sources: providers.map(p => ({
              type: p.sourceKey.split(':')[0],
              id: p.sourceKey.slice(p.sourceKey.indexOf(':') + 1),
              key: p.sourceKey,
            })),
            store,
            catalog,
            httpAuth,
            permissions,
            scheduler,
            auditor,
            logger,
          }),
        );
        httpRouter.use(
          createInsightsRouter({
            store,
            sources: keys,
            httpAuth,
            permissions,
            auditor,
          }),
        );

        // Remediation actions the sources offer: their routes, permissions
        // and the agent-identity expiry enforcement.
        await setupNhiActions({
          config,
          providers: providers.map((provider, i) => ({
            provider,
            source: sources[i],
          })),
          store,
          database,
          catalog,
          permissions,
          permissionsRegistry,
          httpAuth,
          httpRouter,
          scheduler,
          auditor,
          logger,
          notifications,
        });

        logger.info(
          `NHI pipeline: ${sources.length} source(s)${
            sources.length ? `: ${keys.join(', ')}` : ''
          }`,
        );
      },
    });
  },
});
