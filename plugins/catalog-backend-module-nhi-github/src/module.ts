import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { nhiSourcesExtensionPoint } from '@backstage-nhi/plugin-nhi-node';
import { readGithubSourceConfigs } from './config';
import { GithubSource } from './source/GithubSource';

/**
 * The GitHub identity source as a catalog module: one {@link GithubSource}
 * per `nhi.sources.github.<id>`, added to the NHI pipeline through
 * `nhiSourcesExtensionPoint`. Credentials come from the `integrations.github`
 * entry of the source's host (a GitHub App or a token), through
 * `@backstage/integration` as Backstage's own GitHub modules get them.
 *
 * @public
 */
export const catalogModuleNhiGithub = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-github',
  register(env) {
    env.registerInit({
      deps: {
        sources: nhiSourcesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ sources, config, logger }) {
        const configs = readGithubSourceConfigs(config);
        if (!configs.length) {
          logger.info(
            'No GitHub identity sources configured (nhi.sources.github)',
          );
          return;
        }
        const integrations = ScmIntegrations.fromConfig(config);
        const credentialsProvider =
          DefaultGithubCredentialsProvider.fromIntegrations(integrations);
        sources.addSource(
          configs.map(c => {
            const integration = integrations.github.byHost(c.host);
            if (!integration?.config.apiBaseUrl) {
              throw new InputError(
                `nhi.sources.github.${c.id}.host: there is no integrations.github entry with an API base URL for ${c.host}`,
              );
            }
            if (!integration.config.token && !integration.config.apps?.length) {
              logger.warn(
                `GitHub identity source ${c.id}: integrations.github has no token or app for ${c.host}; requests are unauthenticated and most lists will be refused`,
              );
            }
            return GithubSource.fromConfig(c, {
              apiBaseUrl: integration.config.apiBaseUrl,
              credentialsProvider,
            });
          }),
        );
        logger.info(
          `GitHub identity sources: ${configs
            .map(c => `${c.id} (${c.host}: ${c.organizations.join(', ')})`)
            .join('; ')}`,
        );
      },
    });
  },
});
