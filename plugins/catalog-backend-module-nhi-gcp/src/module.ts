import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { nhiSourcesExtensionPoint } from '@backstage-nhi/plugin-nhi-node';
import { readGcpSourceConfigs } from './config';
import { GcpIamSource } from './source/GcpIamSource';

/**
 * The Google Cloud identity source as a catalog module: one
 * {@link GcpIamSource} per `nhi.sources.gcp.<id>`, added to the NHI
 * pipeline through `nhiSourcesExtensionPoint`. Credentials come from each
 * source's `credentials` (a key file), else Application Default
 * Credentials, as Backstage's other Google Cloud integrations take them.
 *
 * @public
 */
export const catalogModuleNhiGcp = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-gcp',
  register(env) {
    env.registerInit({
      deps: {
        sources: nhiSourcesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ sources, config, logger }) {
        const configs = readGcpSourceConfigs(config);
        if (!configs.length) {
          logger.info(
            'No Google Cloud identity sources configured (nhi.sources.gcp)',
          );
          return;
        }
        sources.addSource(configs.map(c => GcpIamSource.fromConfig(c)));
        logger.info(
          `Google Cloud identity sources: ${configs
            .map(
              c =>
                `${c.id} (${[
                  c.organizationId ? `organization ${c.organizationId}` : '',
                  c.projects.length ? `${c.projects.length} project(s)` : '',
                ]
                  .filter(Boolean)
                  .join(' + ')})`,
            )
            .join(', ')}`,
        );
      },
    });
  },
});
