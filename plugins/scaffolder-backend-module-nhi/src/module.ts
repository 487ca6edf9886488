import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createNhiAgentIdentityAction } from './actions/agentIdentity';
import { createNhiIdentityActions } from './actions/identityActions';

/**
 * The NHI scaffolder actions: remediation actions on identities
 * (`nhi:aws:access-key:deactivate`, `nhi:aws:access-key:delete`,
 * `nhi:aws:console-password:remove`, `nhi:identity:tag`,
 * `nhi:identity:disable`) and `nhi:agent-identity:create`, each run through
 * the catalog's NHI action routes on behalf of the user who runs the
 * template.
 *
 * @public
 */
export const scaffolderModuleNhi = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'nhi',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, config, discovery, auth }) {
        const options = {
          discovery,
          auth,
          defaultExpiryHours: config.getOptionalNumber(
            'nhi.actions.agentIdentity.defaultExpiryHours',
          ),
        };
        scaffolder.addActions(
          ...createNhiIdentityActions(options),
          createNhiAgentIdentityAction(options),
        );
      },
    });
  },
});
