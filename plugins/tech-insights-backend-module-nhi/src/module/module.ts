import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { techInsightsFactRetrieversExtensionPoint } from '@backstage-community/plugin-tech-insights-node';
import { createNhiFactRetrievers } from '../retrievers/retrievers';
import {
  describeNhiFactRetrieverConfig,
  readNhiFactRetrieverConfig,
} from './config';

/**
 * Adds the NHI fact retrievers to tech-insights: `nhiComponentFactRetriever`,
 * `nhiGroupFactRetriever` and the opt-in `nhiIdentityFactRetriever`. Each
 * runs on the schedule and keeps the facts configured under
 * `techInsights.factRetrievers.<id>`, and does not run without it.
 *
 * @public
 */
export const techInsightsModuleNhi = createBackendModule({
  pluginId: 'tech-insights',
  moduleId: 'nhi',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
        factRetrievers: techInsightsFactRetrieversExtensionPoint,
      },
      async init({ config, logger, catalog, factRetrievers }) {
        factRetrievers.addFactRetrievers(createNhiFactRetrievers({ catalog }));
        const settings = readNhiFactRetrieverConfig(config);
        for (const { level, message } of describeNhiFactRetrieverConfig(
          settings,
        )) {
          logger[level](message);
        }
        const scheduled = settings.filter(s => s.scheduled);
        logger.info(
          `NHI fact retrievers scheduled: ${
            scheduled.length
              ? scheduled.map(s => `${s.id} (${s.cadence})`).join(', ')
              : 'none'
          }`,
        );
      },
    });
  },
});
