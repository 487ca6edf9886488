import type { TokenCredential } from '@azure/core-auth';
import {
  coreServices,
  createBackendModule,
  createExtensionPoint,
} from '@backstage/backend-plugin-api';
import { nhiSourcesExtensionPoint } from '@backstage-nhi/plugin-nhi-node';
import { readAzureSourceConfigs } from './config';
import { AzureEntraSource } from './source/AzureEntraSource';

/**
 * Gives an Azure source a credential that config cannot describe: a
 * workload-identity exchange of your own, a certificate from a vault, or
 * the demo's fixed token for the fake Graph endpoint.
 *
 * @public
 */
export interface NhiAzureCredentialsExtensionPoint {
  /** Uses `credential` for `nhi.sources.azure.<sourceId>` instead of the one its config describes. */
  setCredential(sourceId: string, credential: TokenCredential): void;
}

/**
 * The extension point of {@link NhiAzureCredentialsExtensionPoint}.
 *
 * @public
 */
export const nhiAzureCredentialsExtensionPoint =
  createExtensionPoint<NhiAzureCredentialsExtensionPoint>({
    id: 'nhi.azure.credentials',
  });

/**
 * The Microsoft Entra ID identity source of Backstage NHI: one
 * {@link AzureEntraSource} per `nhi.sources.azure.<id>`, added to the NHI
 * pipeline through `nhiSourcesExtensionPoint`. Each authenticates with the
 * client credentials in its config (or those of a
 * `catalog.providers.microsoftGraphOrg` provider it names), the Azure SDK's
 * default chain without them, or a credential given through
 * `nhiAzureCredentialsExtensionPoint`.
 *
 * @public
 */
export const catalogModuleNhiAzure = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-azure',
  register(env) {
    const credentials = new Map<string, TokenCredential>();
    env.registerExtensionPoint(nhiAzureCredentialsExtensionPoint, {
      setCredential(sourceId, credential) {
        credentials.set(sourceId, credential);
      },
    });
    env.registerInit({
      deps: {
        sources: nhiSourcesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ sources, config, logger }) {
        const configs = readAzureSourceConfigs(config);
        for (const id of credentials.keys()) {
          if (!configs.some(c => c.id === id)) {
            logger.warn(
              `A credential was given for Azure source ${id}, but nhi.sources.azure.${id} is not configured`,
            );
          }
        }
        if (!configs.length) {
          logger.info(
            'No Microsoft Entra ID identity sources configured (nhi.sources.azure)',
          );
          return;
        }
        sources.addSource(
          configs.map(c =>
            AzureEntraSource.fromConfig(c, {
              credential: credentials.get(c.id),
            }),
          ),
        );
        logger.info(
          `Microsoft Entra ID identity sources: ${configs
            .map(
              c =>
                `${c.id} (tenant ${c.tenantName ?? c.tenantId}, ${
                  credentials.has(c.id)
                    ? 'credential from an extension'
                    : c.credential.type
                })`,
            )
            .join(', ')}`,
        );
      },
    });
  },
});
