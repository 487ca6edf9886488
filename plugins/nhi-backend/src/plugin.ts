import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  NHI_RULES,
  nhiCampaignDecidePermission,
  nhiCampaignPermissions,
  nhiClaimPermissions,
  nhiClaimReviewPermission,
  readNhiEvaluationPolicy,
} from '@backstage-nhi/plugin-nhi-common';
import { InputError } from '@backstage/errors';
import { readNhiCampaignsConfig, readNhiClaimsConfig } from './config';
import { CampaignsStore } from './database/CampaignsStore';
import { ClaimsStore } from './database/ClaimsStore';
import {
  nhiCampaignItemResourceRef,
  nhiCampaignItemRules,
  nhiClaimResourceRef,
  nhiClaimRules,
} from './permissions/rules';
import { CampaignsService } from './service/CampaignsService';
import { ClaimsService } from './service/ClaimsService';
import { InventoryReader } from './service/InventoryReader';
import { createRouter } from './service/router';

/**
 * The Backstage NHI claims backend (`/api/nhi`): ownership claims and their
 * review, transfers and releases, accepted risks, and an append-only audit
 * trail per identity, in its own database. Approvals reach the catalog within
 * seconds through an event; the pipeline also reads every approved claim on
 * each run, so nothing is lost if the event is. Also access reviews
 * (certification campaigns) with their reminders, escalation, recurrences
 * and evidence, and the unowned-identity policy, on the scheduler.
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
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        notifications: notificationService,
      },
      async init(deps) {
        const claimsStore = await ClaimsStore.create(deps.database);
        const claims = ClaimsService.fromConfig(deps.config, {
          store: claimsStore,
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

        const campaignsConfig = readNhiCampaignsConfig(deps.config);
        let policy;
        try {
          policy = readNhiEvaluationPolicy(
            deps.config,
            NHI_RULES.map(r => r.id),
          );
        } catch (e) {
          throw new InputError((e as Error).message);
        }
        const campaigns = new CampaignsService({
          store: await CampaignsStore.create(deps.database),
          claims: claimsStore,
          inventory: new InventoryReader({
            discovery: deps.discovery,
            auth: deps.auth,
          }),
          catalog: deps.catalog,
          auth: deps.auth,
          permissions: deps.permissions,
          reviewRuleset:
            deps.permissionsRegistry.getPermissionRuleset(nhiClaimResourceRef),
          campaignRuleset: deps.permissionsRegistry.getPermissionRuleset(
            nhiCampaignItemResourceRef,
          ),
          notifications: deps.notifications,
          logger: deps.logger,
          config: campaignsConfig,
          claimsConfig: readNhiClaimsConfig(deps.config),
          policy,
        });
        deps.permissionsRegistry.addResourceType({
          resourceRef: nhiCampaignItemResourceRef,
          permissions: [nhiCampaignDecidePermission],
          rules: Object.values(nhiCampaignItemRules),
          getResources: ids => campaigns.itemResources(ids),
        });
        deps.permissionsRegistry.addPermissions(nhiCampaignPermissions);

        // reminders, escalation, recurrences and remediations; then the
        // unowned-identity policy's sweep — each on one replica at a time
        await deps.scheduler.scheduleTask({
          id: 'nhi-campaigns-check',
          frequency: { minutes: campaignsConfig.checkEveryMinutes },
          timeout: { minutes: 15 },
          initialDelay: { minutes: 1 },
          fn: () => campaigns.tick(),
        });
        await deps.scheduler.scheduleTask({
          id: 'nhi-unowned-sweep',
          frequency: { minutes: campaignsConfig.unownedCheckEveryMinutes },
          timeout: { minutes: 15 },
          initialDelay: { minutes: 2 },
          fn: async () => {
            try {
              const { seen, forgotten } = await campaigns.sweepUnowned();
              deps.logger.info(
                `NHI unowned identities: ${seen} unowned now, ${forgotten} owned again or gone`,
              );
            } catch (e) {
              deps.logger.warn(
                `NHI unowned identities not read, tried again on the next sweep: ${e}`,
              );
            }
          },
        });

        deps.httpRouter.use(
          createRouter({
            claims,
            campaigns,
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            logger: deps.logger,
          }),
        );
      },
    });
  },
});
