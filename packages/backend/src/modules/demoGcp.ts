import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  generateGcpCompany,
  startGcpEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-gcp/testUtils';
import { loadCompany } from '@backstage-nhi/demo-data';

/**
 * Demo only: serves a generated Google Cloud organization (projects
 * labelled with the demo teams, service accounts named after their
 * components, keys, last authentication, IAM grants, workload identity
 * federation) from the GCP source's fake Resource Manager / IAM / Cloud
 * Asset / Policy Analyzer endpoint on 127.0.0.1, so that the demo's GCP
 * source (`nhi.sources.gcp.demo`) ingests it through Google's real clients.
 * Enabled by `nhiDemo.gcp.port`; absent from production config.
 */
export const catalogModuleNhiDemoGcp = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-demo-gcp',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ config, logger, lifecycle }) {
        const demo = config.getOptionalConfig('nhiDemo.gcp');
        if (!demo || config.getOptionalBoolean('nhiDemo.enabled') === false)
          return;
        const today = new Date();
        today.setUTCHours(0, 0, 0, 0);
        const company = loadCompany();
        // The security team keeps its house in order in the demo: no
        // Google Cloud projects of its own, so its scorecard passes.
        const teams = company.teams
          .filter(t => t.name !== 'security')
          .map(t => ({ name: t.name, components: t.components }));
        const model = generateGcpCompany({
          serviceAccounts: demo.getOptionalNumber('serviceAccounts') ?? 150,
          teams,
          people: company.teams
            .filter(t => t.name !== 'security')
            .flatMap(t => t.members.map(m => m.email))
            .filter((e): e is string => !!e),
          now: today,
        });
        const endpoint = await startGcpEndpoint({
          model,
          port: demo.getNumber('port'),
          accessToken: demo.getOptionalString('accessToken'),
        });
        lifecycle.addShutdownHook(() => endpoint.stop());
        logger.info(
          `NHI demo: Google Cloud organization ${model.organizationId} of ${model.projects.length} projects served at ${endpoint.url}`,
        );
      },
    });
  },
});
