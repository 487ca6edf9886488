import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { JsonRulesEngineFactCheckerFactory } from '@backstage-community/plugin-tech-insights-backend-module-jsonfc';
import { techInsightsFactCheckerFactoryExtensionPoint } from '@backstage-community/plugin-tech-insights-node';
import { nhiOperators } from '../checks/operators';
import { readNhiGroupThresholds, withNhiGradedChecks } from './thresholds';

/**
 * The json-rules-engine fact checker of
 * `@backstage-community/plugin-tech-insights-backend-module-jsonfc`, reading
 * the same `techInsights.factChecker.checks`, with the NHI operators
 * (`atLeastPercent`, `atMostPercent`) added, and the graded team checks
 * (`nhi-group-ownership-coverage`, `nhi-group-credentials-within-policy`,
 * `nhi-group-dormant-share`, `nhi-group-critical-per-100`) with the
 * thresholds of `nhi.scorecards.groups`; a check configured with the same
 * id wins. The jsonfc module (0.10) offers no way to add operators to the
 * fact checker it installs, so this module installs it instead: add this
 * one, not the jsonfc module's default export, since tech-insights keeps
 * only one fact checker.
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
        const thresholds = readNhiGroupThresholds(config);
        const checks = withNhiGradedChecks(
          (config.getOptionalConfig('techInsights.factChecker.checks')?.get() ??
            {}) as Record<string, unknown>,
          thresholds,
        );
        techInsights.setFactCheckerFactory(
          JsonRulesEngineFactCheckerFactory.fromConfig(
            new ConfigReader({
              techInsights: { factChecker: { checks } },
            } as any),
            { logger, auth, catalog, operators: nhiOperators },
          ),
        );
        if (thresholds) {
          logger.info(
            `NHI team checks graded at: ownership coverage ≥ ${thresholds.ownershipCoverage}%, credentials within policy ≥ ${thresholds.credentialsWithinPolicy}%, dormant ≤ ${thresholds.dormantShare}%, critical ≤ ${thresholds.criticalPer100} per 100`,
          );
        }
      },
    });
  },
});
