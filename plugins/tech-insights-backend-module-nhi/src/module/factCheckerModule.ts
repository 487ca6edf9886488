import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { JsonRulesEngineFactCheckerFactory } from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
import { techInsightsFactCheckerFactoryExtensionPoint } from '@backstage-community/plugin-tech-insights-node';
import { nhiOperators } from '../checks/operators';

/**
 * The json-rules-engine fact checker of
 * `@backstage-community/plugin-tech-insights-backend-module-jsonfc`, reading
 * the same `techInsights.factChecker.checks`, with the NHI operators
 * (`atLeastPercent`) added. The jsonfc module (0.10) offers no way to add
 * operators to the fact checker it installs, so this module installs it
 * instead: add this one, not the jsonfc module's default export, since
 * tech-insights keeps only one fact checker.
 *
 * @public
 */
export const techInsightsModuleNhiFactChecker = createBackendModule({
  pluginId: 'tech-insights',
  moduleId: 'nhi-fact-checker',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        techInsights: techInsightsFactCheckerFactoryExtensionPoint,
      },
      async init({ config, logger, auth, catalog, techInsights }) {
        techInsights.setFactCheckerFactory(
          JsonRulesEngineFactCheckerFactory.fromConfig(config, {
            logger,
            auth,
            catalog,
            operators: nhiOperators,
          }),
        );
      },
    });
  },
});
