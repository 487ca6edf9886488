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
} from '@backstage-nhi/nhi-common';
import { readNhiClaimsConfig } from './config';
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
        const config = readNhiClaimsConfig(deps.config);
        const store = await ClaimsStore.create(deps.database);
        const claims = new ClaimsService({
          store,
          catalog: deps.catalog,
          auth: deps.auth,
          events: deps.events,
          notifications: deps.notifications,
          config,
          logger: deps.logger,
        });
        deps.permissionsRegistry.addResourceType({
          resourceRef: nhiClaimResourceRef,
          permissions: [nhiClaimReviewPermission],
          rules: Object.values(nhiClaimRules),
          getResources: async ids =>
            Promise.all(
              ids.map(async id => {
                const claim = await store.getClaim(id);
                return claim ? claims.claimResource(claim) : undefined;
              }),
            ),
        });
        deps.permissionsRegistry.addPermissions(nhiClaimPermissions);
        deps.httpRouter.use(
          createRouter({
            claims,
            httpAuth: deps.httpAuth,
            auth: deps.auth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            logger: deps.logger,
            reviewRuleset:
              deps.permissionsRegistry.getPermissionRuleset(
                nhiClaimResourceRef,
              ),
          }),
        );
        deps.logger.info(
          `NHI claims: reviewers ${
            config.reviewerGroups.join(', ') || '(no groups)'
          }${config.groupLeadsReview ? ' and group leads' : ''}`,
        );
      },
    });
  },
});
