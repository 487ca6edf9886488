import {
  AuditorService,
  DatabaseService,
  HttpAuthService,
  HttpRouterService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { stringifyEntityRef, parseEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import {
  NHI_KIND,
  nhiActionPermissions,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiActionStore } from '../database/NhiActionStore';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import {
  NhiEntityProvider,
  nhiSourceTaskId,
} from '../providers/NhiEntityProvider';
import { createActionsRouter } from '../service/actionsRouter';
import { readNhiActionsConfig } from './config';
import {
  AGENT_CREATED_EXPIRED,
  NhiActionService,
  NhiActionSourceHandle,
} from './NhiActionService';

const PAGE = 200;

/**
 * Wires the remediation actions into the catalog module: the action
 * service over the configured sources, its routes under
 * `/api/catalog/nhi/actions`, its permissions, and the expiry-enforcement
 * task when `nhi.actions.expiryEnforcement.mode` is not `off`.
 */
export async function setupNhiActions(options: {
  config: Config;
  providers: Array<{
    provider: NhiEntityProvider;
    source: NhiActionSourceHandle['source'];
  }>;
  store: NhiPipelineStore;
  database: DatabaseService;
  catalog: CatalogService;
  permissions: PermissionsService;
  permissionsRegistry: PermissionsRegistryService;
  httpAuth: HttpAuthService;
  httpRouter: HttpRouterService;
  scheduler: SchedulerService;
  auditor: AuditorService;
  logger: LoggerService;
  notifications?: NotificationService;
}): Promise<NhiActionService> {
  const { store, scheduler, logger, notifications, auditor } = options;
  const config = readNhiActionsConfig(options.config);
  const sources = new Map<string, NhiActionSourceHandle>();
  for (const { provider, source } of options.providers) {
    sources.set(provider.sourceKey, {
      source,
      applyRecords: records => provider.applyRecords(records),
      triggerRun: async () => {
        try {
          await scheduler.triggerTask(nhiSourceTaskId(provider.sourceKey));
        } catch (e) {
          // a run in progress reads it too, or the one after it
          if ((e as Error)?.name !== 'ConflictError') throw e;
        }
      },
    });
  }
  const service = new NhiActionService({
    sources,
    identities: {
      sourceOf: async ref => (await store.getEmitted(ref))?.sourceKey,
      detail: async ref =>
        (await store.inventory.details([ref])).get(ref.toLowerCase()),
      async *expired() {
        for (let offset = 0; ; offset += PAGE) {
          const page = await store.inventory.query(
            { rule: AGENT_CREATED_EXPIRED },
            { offset, limit: PAGE },
          );
          yield page.items.map(item =>
            stringifyEntityRef({
              kind: NHI_KIND,
              namespace: item.metadata.namespace,
              name: item.metadata.name,
            }),
          );
          if (offset + PAGE >= page.totalCount) return;
        }
      },
    },
    catalog: options.catalog,
    permissions: options.permissions,
    actions: await NhiActionStore.create(options.database),
    logger,
    config,
    entityLink: ref => {
      const { namespace, name } = parseEntityRef(ref);
      return `/catalog/${namespace}/${NHI_KIND.toLowerCase()}/${name}`;
    },
    notifier: notifications && {
      notify: async message => {
        await notifications.send({
          recipients: { type: 'entity', entityRef: message.recipients },
          payload: {
            title: message.title,
            description: message.description,
            link: message.link,
            severity: message.severity ?? 'normal',
            topic: 'nhi-actions',
          },
        });
      },
    },
  });

  options.permissionsRegistry.addPermissions(nhiActionPermissions);
  options.httpRouter.use(
    createActionsRouter({ service, httpAuth: options.httpAuth, auditor }),
  );

  if (config.expiryEnforcement.mode !== 'off') {
    await scheduler.scheduleTask({
      id: 'nhi-action-expiry-enforcement',
      ...config.expiryEnforcement.schedule,
      fn: async () => {
        await service.enforceExpiry(auditor);
      },
    });
  }
  const offered = [...sources.values()].reduce(
    (n, h) => n + (h.source.actions?.length ?? 0),
    0,
  );
  logger.info(
    `NHI actions: ${offered} offered by the sources; two-person rule ${
      config.twoPersonRule.enabled ? 'on' : 'off'
    }; agent-identity expiry enforcement ${config.expiryEnforcement.mode}`,
  );
  return service;
}
