import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { nhiAzureCredentialsExtensionPoint } from '@backstage-nhi/plugin-catalog-backend-module-nhi-azure';
import {
  DEFAULT_ENTRA_TENANT_ID,
  generateEntraTenant,
  StaticTokenCredential,
  startGraphEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-azure/testUtils';
import { loadCompany } from '@backstage-nhi/demo-data';

/**
 * Demo only: serves a generated Microsoft Entra tenant (applications named
 * after the demo company's components, owned by its people, with secrets,
 * certificates, federated credentials, managed identities, directory roles
 * and Microsoft Graph permissions) from the Azure module's Graph-compatible
 * endpoint on 127.0.0.1, and gives the demo's Azure source
 * (`nhi.sources.azure.demo`) a credential with the endpoint's fixed token,
 * so that it reads the tenant through the real Microsoft Graph client.
 * Enabled by `nhiDemo.azure.port`; absent from production config.
 */
export const catalogModuleNhiDemoAzure = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-demo-azure',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        credentials: nhiAzureCredentialsExtensionPoint,
      },
      async init({ config, logger, lifecycle, credentials }) {
        const demo = config.getOptionalConfig('nhiDemo.azure');
        if (!demo || config.getOptionalBoolean('nhiDemo.enabled') === false)
          return;
        const sourceId = demo.getOptionalString('source') ?? 'demo';
        const tenantId =
          config.getOptionalString(`nhi.sources.azure.${sourceId}.tenantId`) ??
          DEFAULT_ENTRA_TENANT_ID;
        const today = new Date();
        today.setUTCHours(0, 0, 0, 0);
        const company = loadCompany();
        const model = generateEntraTenant({
          identities: demo.getOptionalNumber('identities') ?? 250,
          tenantId,
          // The security team keeps its house in order in the demo: no
          // Azure identities of its own, so its scorecard passes.
          teams: company.teams
            .filter(t => t.name !== 'security')
            .map(t => ({
              name: t.name,
              members: t.members
                .map(m => m.email)
                .filter((e): e is string => !!e),
              components: t.components,
            })),
          now: today,
        });
        const endpoint = await startGraphEndpoint({
          model,
          port: demo.getNumber('port'),
        });
        lifecycle.addShutdownHook(() => endpoint.stop());
        credentials.setCredential(sourceId, new StaticTokenCredential());
        logger.info(
          `NHI demo: Entra tenant of ${model.servicePrincipals.length} service principals served at ${endpoint.url}`,
        );
      },
    });
  },
});
