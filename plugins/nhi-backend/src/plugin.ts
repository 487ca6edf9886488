import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  nhiClaimPermissions,
  nhiClaimReviewPermission,
} from '@backstage-nhi/plugin-nhi-common';
import { ClaimsStore } from './database/ClaimsStore';
import { nhiClaimResourceRef, nhiClaimRules } from './permissions/rules';
import { ClaimsService } from './service/ClaimsService';
import { createRouter } from './service/router';

/**
 * The Backstage NHI claims backend (`/api/nhi`): ownership claims and their
 * review, transfers and releases, accepted risks, and an append-only audit
 * trail per identity, in its own database. Approvals reach the catalog within
 * seconds through an event; the pipeline also reads every approved claim on
 * each run, so nothing is lost if the event is.
 *
 * @public
 */
export const nhiPlugin = createBackendPlugin({
  pluginId: 'nhi',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        notifications: notificationService,
      },
      async init(deps) {
        const claims = ClaimsService.fromConfig(deps.config, {
          store: await ClaimsStore.create(deps.database),
          catalog: deps.catalog,
          auth: deps.auth,
          permissions: deps.permissions,
          // The registry resolves rules by name when a decision is applied,
          // so the ruleset can be taken before the resource type is added.
          reviewRuleset:
            deps.permissionsRegistry.getPermissionRuleset(nhiClaimResourceRef),
          events: deps.events,
          notifications: deps.notifications,
          logger: deps.logger,
        });
        deps.permissionsRegistry.addResourceType({
          resourceRef: nhiClaimResourceRef,
          permissions: [nhiClaimReviewPermission],
          rules: Object.values(nhiClaimRules),
          getResources: ids => claims.claimResources(ids),
        });
        deps.permissionsRegistry.addPermissions(nhiClaimPermissions);
        deps.httpRouter.use(
          createRouter({
            claims,
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            logger: deps.logger,
          }),
        );
      },
    });
  },
});
