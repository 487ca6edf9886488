import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  nhiSourceReadPermission,
  nhiSourceRunPermission,
} from '@backstage-nhi/nhi-common';
import express from 'express';
import Router from 'express-promise-router';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import {
  DECLARED_SOURCE,
  parseInventoryFacets,
  parseInventoryFilters,
} from '../database/NhiInventoryStore';
import { nhiSourceTaskId } from '../providers/NhiEntityProvider';

/** A configured source as the API lists it. */
export interface NhiSourceInfo {
  type: string;
  id: string;
  key: string;
}

/**
 * The pipeline's routes, mounted on the catalog's router:
 *
 * - `GET  /nhi/sources` — every source with its last run (status, counts,
 *   errors), for the NHI page;
 * - `POST /nhi/sources/:type/:id/run` — start a run now (202);
 * - `GET  /nhi/inventory` — a page of the inventory summary (filters as
 *   the NHI page's, `offset`, `limit` up to 500), ordered by name;
 * - `GET  /nhi/inventory/facets` — its counts under the filters (`facet`,
 *   comma separated).
 *
 * The inventory routes answer `{ ready: false, reason }` when the summary
 * cannot answer for the caller — the catalog's read permission is
 * conditional for them (the summary cannot apply per-entity conditions), or
 * a configured source has not written every identity yet — and the page
 * then asks the catalog.
 */
export function createSourcesRouter(options: {
  sources: NhiSourceInfo[];
  store: NhiPipelineStore;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  scheduler: SchedulerService;
  logger: LoggerService;
}): express.Router {
  const { sources, store, httpAuth, permissions, scheduler, logger } = options;
  const router = Router();
  router.use(express.json());

  const authorize = async (
    req: express.Request,
    permission: BasicPermission,
  ) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`not allowed: ${permission.name}`);
    }
    return credentials;
  };

  /** Why the summary cannot answer this request, if it cannot. */
  const inventoryUnavailable = async (
    req: express.Request,
  ): Promise<string | undefined> => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorizeConditional(
      [{ permission: catalogEntityReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      throw new NotAllowedError(
        `not allowed: ${catalogEntityReadPermission.name}`,
      );
    }
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return 'the catalog read permission is conditional for this user';
    }
    const synced = await store.inventorySyncedSources();
    const pending = sources.filter(s => !synced.has(s.key));
    if (pending.length) {
      return `waiting for a complete run of ${pending
        .map(s => s.key)
        .join(', ')}`;
    }
    if (!synced.has(DECLARED_SOURCE)) {
      return 'waiting for the hand-written identities to be summarised';
    }
    return undefined;
  };

  const intParam = (
    value: unknown,
    name: string,
    fallback: number,
    max: number,
  ) => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (typeof value !== 'string' || !Number.isInteger(n) || n < 0 || n > max) {
      throw new InputError(`${name} must be a whole number from 0 to ${max}`);
    }
    return n;
  };

  router.get('/nhi/inventory', async (req, res) => {
    const filters = parseInventoryFilters(req.query);
    const offset = intParam(req.query.offset, 'offset', 0, 10_000_000);
    const limit = intParam(req.query.limit, 'limit', 20, 500);
    const reason = await inventoryUnavailable(req);
    if (reason) {
      res.json({ ready: false, reason });
      return;
    }
    const page = await store.inventory.query(filters, { offset, limit });
    res.json({ ready: true, ...page });
  });

  router.get('/nhi/inventory/facets', async (req, res) => {
    const filters = parseInventoryFilters(req.query);
    const facets = parseInventoryFacets(req.query.facet);
    const reason = await inventoryUnavailable(req);
    if (reason) {
      res.json({ ready: false, reason });
      return;
    }
    res.json({
      ready: true,
      ...(await store.inventory.facets(filters, facets)),
    });
  });

  router.get('/nhi/sources', async (req, res) => {
    await authorize(req, nhiSourceReadPermission);
    const runs = new Map((await store.listRuns()).map(r => [r.sourceKey, r]));
    res.json({
      items: sources.map(s => ({ ...s, lastRun: runs.get(s.key) ?? null })),
    });
  });

  router.post('/nhi/sources/:type/:id/run', async (req, res) => {
    const credentials = await authorize(req, nhiSourceRunPermission);
    const key = `${req.params.type}:${req.params.id}`;
    if (!sources.some(s => s.key === key)) {
      throw new NotFoundError(`no NHI source ${key}`);
    }
    await scheduler.triggerTask(nhiSourceTaskId(key));
    logger.info(
      `NHI source ${key}: run requested by ${
        'userEntityRef' in credentials.principal
          ? credentials.principal.userEntityRef
          : 'a service'
      }`,
    );
    res.status(202).json({ key, status: 'started' });
  });

  return router;
}
