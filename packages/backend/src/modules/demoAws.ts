import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  generateIamCompany,
  startIamEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-aws/testUtils';
import { loadCompany } from '@backstage-nhi/demo-data';

/**
 * Demo only: serves a generated multi-account AWS company (users, access
 * keys, roles, policies, tags with the demo teams) from the repository's
 * IAM/STS/Organizations-compatible endpoint on 127.0.0.1, so that the demo's
 * AWS source (`nhi.sources.aws.demo`) ingests it through the real AWS SDK
 * code path. Enabled by `nhiDemo.aws.port`; absent from production config.
 */
export const catalogModuleNhiDemoAws = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-demo-aws',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ config, logger, lifecycle }) {
        const demo = config.getOptionalConfig('nhiDemo.aws');
        if (!demo || config.getOptionalBoolean('nhiDemo.enabled') === false)
          return;
        const today = new Date();
        today.setUTCHours(0, 0, 0, 0);
        const company = loadCompany();
        const model = generateIamCompany({
          accounts: demo.getOptionalNumber('accounts') ?? 3,
          identities: demo.getOptionalNumber('identities') ?? 600,
          // The security team keeps its house in order in the demo: no AWS
          // identities of its own, so its scorecard passes.
          teams: company.teams.map(t => t.name).filter(t => t !== 'security'),
          // AI agents act for the company's developers (their e-mails).
          people: company.teams
            .filter(t => t.name !== 'security')
            .flatMap(t => t.members.map(m => m.email))
            .filter((e): e is string => !!e),
          now: today,
        });
        const endpoint = await startIamEndpoint({
          model,
          port: demo.getNumber('port'),
        });
        lifecycle.addShutdownHook(() => endpoint.stop());
        logger.info(
          `NHI demo: AWS organization of ${model.accounts.length} accounts served at ${endpoint.url}`,
        );
      },
    });
  },
});
