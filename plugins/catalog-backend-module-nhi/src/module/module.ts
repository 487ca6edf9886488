import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  NHI_OWNERSHIP_TOPIC,
  NHI_RULES,
  nhiSourcePermissions,
  NhiOwnershipEvent,
  readNhiEvaluationPolicy,
} from '@backstage-nhi/nhi-common';
import {
  NhiIdentitySource,
  nhiSourceKey,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/nhi-node';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { loadEnrichmentContext } from '../lib/loadContext';
import { NonHumanIdentityProcessor } from '../processors/NonHumanIdentityProcessor';
import { NhiEntityProvider } from '../providers/NhiEntityProvider';
import { createSourcesRouter } from '../service/router';
import { FileInventorySource } from '../sources/file/FileInventorySource';
import {
  readFileSourceConfigs,
  readLeakReportConfigs,
  readNhiPipelineConfig,
} from './config';
import { NhiEvaluation } from './evaluation';
import { LeakReportReader } from '../lib/leaks';
import { readTarget } from '../lib/readTarget';

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
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        urlReader: coreServices.urlReader,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
      },
      async init({
        catalogProcessing,
        config,
        logger,
        scheduler,
        database,
        auth,
        httpAuth,
        httpRouter,
        permissions,
        permissionsRegistry,
        urlReader,
        catalog,
        events,
      }) {
        const pipeline = readNhiPipelineConfig(config);
        const sources: NhiIdentitySource[] = [
          ...readFileSourceConfigs(config).map(c =>
            FileInventorySource.fromConfig(c, { urlReader }),
          ),
          ...added,
        ];
        const keys = new Set<string>();
        for (const source of sources) {
          const key = nhiSourceKey(source);
          if (keys.has(key)) {
            throw new ConflictError(
              `NHI source ${key} is configured twice; source ids must be unique per type`,
            );
          }
          keys.add(key);
        }

        const store = await NhiPipelineStore.create(database);
        let policy;
        try {
          policy = readNhiEvaluationPolicy(
            config,
            NHI_RULES.map(r => r.id),
          );
        } catch (e) {
          throw new InputError((e as Error).message);
        }
        const evaluation = new NhiEvaluation(policy);
        const evaluate = evaluation.evaluate;
        const leakReports = new LeakReportReader(
          readLeakReportConfigs(config),
          target => readTarget(target, urlReader),
        );
        const loadContext = async () => {
          const [loaded, leaks] = await Promise.all([
            loadEnrichmentContext({
              catalog,
              credentials: await auth.getOwnServiceCredentials(),
              declaringKinds: pipeline.declaringKinds,
            }),
            leakReports.read(),
          ]);
          evaluation.update({ leaks: leaks.index });
          return {
            ...loaded,
            stats: { ...loaded.stats, leaks: leaks.index.count },
            warnings: leaks.warnings,
          };
        };

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
              evaluate,
              loadContext,
            }),
        );
        const byKey = new Map(providers.map(p => [p.sourceKey, p]));

        catalogProcessing.addProcessor(
          new NonHumanIdentityProcessor({ evaluate }),
        );
        catalogProcessing.addEntityProvider(providers);

        await events.subscribe({
          id: 'catalog-module-nhi-ownership',
          topics: [NHI_OWNERSHIP_TOPIC],
          async onEvent(params) {
            const event = params.eventPayload as NhiOwnershipEvent;
            if (!event?.entityRef) return;
            const entityRef = event.entityRef.toLowerCase();
            try {
              const emitted = await store.getEmitted(entityRef);
              const provider = emitted && byKey.get(emitted.sourceKey);
              if (!emitted || !provider) {
                logger.info(
                  `NHI ownership change for ${entityRef} ignored: it is not ingested by an NHI source (a hand-written identity takes its owner from its catalog-info.yaml)`,
                );
                return;
              }
              await provider.applyOwnershipChange(
                entityRef,
                event.claim,
                emitted,
              );
            } catch (e) {
              // Not lost: the next run reads the claim from the claims feed.
              logger.warn(
                `NHI ownership change for ${entityRef} not applied now, the next run will: ${e}`,
              );
            }
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
            httpAuth,
            permissions,
            scheduler,
            logger,
          }),
        );

        logger.info(
          `NHI pipeline: ${sources.length} source(s)${
            sources.length ? `: ${[...keys].join(', ')}` : ''
          }`,
        );
      },
    });
  },
});
