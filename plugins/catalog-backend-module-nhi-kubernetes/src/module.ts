import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { nhiSourcesExtensionPoint } from '@backstage-nhi/plugin-nhi-node';
import { readKubernetesSourceConfigs } from './config';
import { KubernetesSource } from './source/KubernetesSource';

/**
 * The Kubernetes identity source as a catalog module: one
 * {@link KubernetesSource} per `nhi.sources.kubernetes.<id>`, each reading
 * its own clusters and those of Backstage's Kubernetes plugin
 * (`kubernetes.clusterLocatorMethods`, `type: config`) — or, with no
 * `nhi.sources.kubernetes`, one source `default` for the plugin's clusters
 * alone — added to the NHI pipeline through `nhiSourcesExtensionPoint`.
 *
 * @public
 */
export const catalogModuleNhiKubernetes = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-kubernetes',
  register(env) {
    env.registerInit({
      deps: {
        sources: nhiSourcesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ sources, config, logger }) {
        const { sources: configs, ignored } =
          readKubernetesSourceConfigs(config);
        for (const method of ignored) {
          logger.info(
            `${method} is not read by the NHI Kubernetes source: list those clusters under nhi.sources.kubernetes.<id>.clusters to ingest their service accounts`,
          );
        }
        if (!configs.length) {
          logger.info(
            'No Kubernetes identity sources configured (nhi.sources.kubernetes, kubernetes.clusterLocatorMethods)',
          );
          return;
        }
        sources.addSource(configs.map(c => KubernetesSource.fromConfig(c)));
        logger.info(
          `Kubernetes identity sources: ${configs
            .map(c => `${c.id} (${c.clusters.map(x => x.name).join(', ')})`)
            .join('; ')}`,
        );
      },
    });
  },
});
