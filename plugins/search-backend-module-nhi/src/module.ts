import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { NhiIdentityCollatorFactory } from './collator/NhiIdentityCollatorFactory';

/**
 * When the identities are indexed by default: every 30 minutes (a
 * collation reads every identity), first a minute after start, when the
 * sources' first runs have filled the inventory summary.
 *
 * @public
 */
export const DEFAULT_NHI_COLLATOR_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { minutes: 30 },
    timeout: { minutes: 30 },
    initialDelay: { minutes: 1 },
  };

/**
 * Reads `search.collators.nhi.schedule`, with the default.
 *
 * @public
 */
export function readNhiCollatorSchedule(
  config: Config,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = config.getOptionalConfig('search.collators.nhi.schedule');
  return schedule
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
    : DEFAULT_NHI_COLLATOR_SCHEDULE;
}

/**
 * Adds non-human identities to Backstage search (document type
 * `nhi-identity`): every NonHumanIdentity with its external id, key ids,
 * owner and risk, read from the catalog module's inventory export, on the
 * schedule `search.collators.nhi.schedule`.
 *
 * @public
 */
export const searchModuleNhiCollator = createBackendModule({
  pluginId: 'search',
  moduleId: 'nhi-collator',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        indexRegistry: searchIndexRegistryExtensionPoint,
      },
      async init({
        config,
        discovery,
        auth,
        logger,
        scheduler,
        indexRegistry,
      }) {
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            readNhiCollatorSchedule(config),
          ),
          factory: NhiIdentityCollatorFactory.fromConfig(config, {
            discovery,
            auth,
            logger,
          }),
        });
      },
    });
  },
});
