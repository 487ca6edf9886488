import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { DefaultAwsCredentialsManager } from '@backstage/integration-aws-node';
import { nhiSourcesExtensionPoint } from '@backstage-nhi/plugin-nhi-node';
import { readAwsSourceConfigs } from './config';
import { AwsIamSource } from './source/AwsIamSource';

/**
 * The AWS IAM identity source as a catalog module: one {@link AwsIamSource}
 * per `nhi.sources.aws.<id>`, added to the NHI pipeline through
 * `nhiSourcesExtensionPoint`. Base AWS credentials come from
 * `@backstage/integration-aws-node` (`aws.mainAccount`, else the SDK's
 * default chain).
 *
 * @public
 */
export const catalogModuleNhiAws = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-aws',
  register(env) {
    env.registerInit({
      deps: {
        sources: nhiSourcesExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ sources, config, logger }) {
        const configs = readAwsSourceConfigs(config);
        if (!configs.length) {
          logger.info(
            'No AWS IAM identity sources configured (nhi.sources.aws)',
          );
          return;
        }
        const credentialsManager =
          DefaultAwsCredentialsManager.fromConfig(config);
        sources.addSource(
          configs.map(c => AwsIamSource.fromConfig(c, { credentialsManager })),
        );
        logger.info(
          `AWS IAM identity sources: ${configs
            .map(
              c =>
                `${c.id} (${[
                  c.accounts.length ? `${c.accounts.length} account(s)` : '',
                  c.organization ? 'organization' : '',
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
