import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  NHI_KIND,
  nhiSourceReadPermission,
  nhiSourceRunPermission,
} from '@backstage-nhi/plugin-nhi-common';
import {
  CompoundEntityRef,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import express from 'express';
import Router from 'express-promise-router';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import {
  DECLARED_SOURCE,
  parseInventoryFacets,
  parseInventoryFilters,
  parseInventorySortParam,
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
 * - `POST /nhi/sources/:type/:id/removals/confirm` — confirm the removal a
 *   run held (202; body `{ heldSince }`, the hold's `since` as shown, so that
 *   nobody confirms a hold they have not seen);
 * - `GET  /nhi/inventory` — a page of the inventory summary (filters as
 *   the NHI page's, `offset`, `limit` up to 500), in the order `sort`
 *   names (`risk:desc`, the riskiest first, by default), with the count of
 *   all; or, by keyset for readers of a whole set (`paging=keyset` for the
 *   first page, then `cursor=` the previous page's `nextCursor`), in entity
 *   ref order without a count, each page as fast as the first;
 * - `GET  /nhi/inventory/facets` — its counts under the filters (`facet`,
 *   comma separated);
 * - `GET  /nhi/identities/detail?entityRef=` — an identity's whole evaluated
 *   spec (credentials, evidence, permission summary, last use…), of which
 *   the catalog's entity holds a lean part; 404 unless the caller may read
 *   the entity in the catalog.
 *
 * The inventory routes answer `{ ready: false, reason }` when the summary
 * cannot answer for the caller — the catalog's read permission is
 * conditional for them (the summary cannot apply per-entity conditions) —
 * and the page then asks the catalog. While a source has not written every
 * identity yet, they answer what the summary holds, with `pending` saying
 * what it waits for.
 *
 * Both POST routes need `nhi.source.run` (a run reads every account of the
 * organization: an operator's action) and every request to them, allowed or
 * refused, is an auditor event naming who asked.
 */
export function createSourcesRouter(options: {
  sources: NhiSourceInfo[];
  store: NhiPipelineStore;
  /** Reads an identity as the caller may (the detail route). */
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  scheduler: SchedulerService;
  /**
   * Where the run and confirm requests are audited; the module passes
   * `coreServices.auditor`. Without one, the events go to the logger.
   */
  auditor?: AuditorService;
  logger: LoggerService;
}): express.Router {
  const { sources, store, catalog, httpAuth, permissions, scheduler, logger } =
    options;
  const auditor = options.auditor ?? loggingAuditor(logger);
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

  /** Runs `fn` as an auditor event: initiated, then succeeded or failed. */
  const audited = async <T>(
    req: express.Request,
    eventId: string,
    meta: { source: string },
    fn: () => Promise<T>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      request: req,
      severityLevel: 'medium',
      meta,
    });
    try {
      const result = await fn();
      await event.success();
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };

  const who = (credentials: BackstageCredentials) => {
    const principal = credentials.principal as {
      userEntityRef?: string;
      subject?: string;
    };
    return principal.userEntityRef ?? `service ${principal.subject}`;
  };

  /** The source a route names; 404 when it is not configured. */
  const sourceOf = (req: express.Request) => {
    const key = `${req.params.type}:${req.params.id}`;
    if (!sources.some(s => s.key === key)) {
      throw new NotFoundError(`no NHI source ${key}`);
    }
    return key;
  };

  /** Starts a run; a run in progress already is fine when `quiet`. */
  const startRun = async (key: string, quiet: boolean) => {
    try {
      await scheduler.triggerTask(nhiSourceTaskId(key));
    } catch (e) {
      if (!quiet || (e as Error)?.name !== 'ConflictError') throw e;
    }
  };

  /**
   * Why the summary cannot answer this request, if it cannot (the caller's
   * catalog read permission is conditional), or what it does not hold yet.
   */
  const inventoryUnavailable = async (
    req: express.Request,
  ): Promise<{ reason?: string; pending?: string }> => {
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
      return {
        reason: 'the catalog read permission is conditional for this user',
      };
    }
    // what it holds so far: sources write it batch by batch as they read
    const synced = await store.inventorySyncedSources();
    const pending = sources.filter(s => !synced.has(s.key));
    if (pending.length) {
      return {
        pending: `still reading ${pending.map(s => s.key).join(', ')}`,
      };
    }
    if (!synced.has(DECLARED_SOURCE)) {
      return { pending: 'hand-written identities are still being listed' };
    }
    return {};
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
    const limit = intParam(req.query.limit, 'limit', 20, 500);
    const keyset = parseKeysetParams(req.query);
    const offset = intParam(req.query.offset, 'offset', 0, 10_000_000);
    const sort = parseInventorySortParam(req.query.sort);
    const { reason, pending } = await inventoryUnavailable(req);
    if (reason) {
      res.json({ ready: false, reason });
      return;
    }
    const page = keyset
      ? await store.inventory
          .queryAfter(filters, keyset.after, limit)
          .then(({ items, nextCursor }) => ({
            items,
            ...(nextCursor ? { nextCursor: encodeCursor(nextCursor) } : {}),
          }))
      : await store.inventory.query(filters, { offset, limit }, sort);
    res.json({ ready: true, ...(pending ? { pending } : {}), ...page });
  });

  router.get('/nhi/inventory/facets', async (req, res) => {
    const filters = parseInventoryFilters(req.query);
    const facets = parseInventoryFacets(req.query.facet);
    const { reason, pending } = await inventoryUnavailable(req);
    if (reason) {
      res.json({ ready: false, reason });
      return;
    }
    res.json({
      ready: true,
      ...(pending ? { pending } : {}),
      ...(await store.inventory.facets(filters, facets)),
    });
  });

  router.get('/nhi/identities/detail', async (req, res) => {
    const raw = req.query.entityRef;
    if (typeof raw !== 'string' || !raw.trim()) {
      throw new InputError(
        'entityRef must be one entity ref, e.g. nonhumanidentity:default/aws-deployer-1a2b3c4d',
      );
    }
    let ref: CompoundEntityRef;
    try {
      ref = parseEntityRef(raw.trim(), {
        defaultKind: NHI_KIND,
        defaultNamespace: 'default',
      });
    } catch (e) {
      throw new InputError(`entityRef is not an entity ref: ${e}`);
    }
    if (ref.kind.toLowerCase() !== NHI_KIND.toLowerCase()) {
      throw new InputError(
        `entityRef must name a ${NHI_KIND}, not a ${ref.kind}`,
      );
    }
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    // as the caller may read it: the catalog applies its read permission
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(`no ${stringifyEntityRef(ref)} in the catalog`);
    }
    const entityRef = stringifyEntityRef(entity);
    const detail = (await store.inventory.details([entityRef])).get(
      entityRef.toLowerCase(),
    );
    res.json({ entityRef, spec: detail ?? entity.spec });
  });

  router.get('/nhi/sources', async (req, res) => {
    await authorize(req, nhiSourceReadPermission);
    const runs = new Map((await store.listRuns()).map(r => [r.sourceKey, r]));
    res.json({
      items: sources.map(s => ({ ...s, lastRun: runs.get(s.key) ?? null })),
    });
  });

  router.post('/nhi/sources/:type/:id/run', async (req, res) => {
    const key = `${req.params.type}:${req.params.id}`;
    await audited(req, 'source-run', { source: key }, async () => {
      const credentials = await authorize(req, nhiSourceRunPermission);
      sourceOf(req);
      await startRun(key, false);
      logger.info(`NHI source ${key}: run requested by ${who(credentials)}`);
    });
    res.status(202).json({ key, status: 'started' });
  });

  router.post('/nhi/sources/:type/:id/removals/confirm', async (req, res) => {
    const key = `${req.params.type}:${req.params.id}`;
    await audited(req, 'source-removal-confirm', { source: key }, async () => {
      const credentials = await authorize(req, nhiSourceRunPermission);
      const body = req.body ?? {};
      if (
        typeof body !== 'object' ||
        Array.isArray(body) ||
        (body.heldSince !== undefined && typeof body.heldSince !== 'string')
      ) {
        throw new InputError(
          'the body must be { "heldSince": "<the held removal\'s since>" }',
        );
      }
      sourceOf(req);
      const by = who(credentials);
      const outcome = await store.confirmHeldRemoval(
        key,
        by,
        new Date(),
        body.heldSince,
      );
      if (outcome === 'none') {
        throw new ConflictError(`no removal of ${key} is held`);
      }
      if (outcome === 'changed') {
        throw new ConflictError(
          `the removal held for ${key} is not the one held since ${body.heldSince}; review it again`,
        );
      }
      // applied by this run, or by the one in progress if it has not
      // reached its removals yet, else the next
      await startRun(key, true);
      logger.info(`NHI source ${key}: held removal confirmed by ${by}`);
    });
    res.status(202).json({ key, status: 'confirmed' });
  });

  return router;
}

/** The keyset cursor of an entity ref: opaque to callers. */
function encodeCursor(entityRef: string): string {
  return Buffer.from(entityRef, 'utf8').toString('base64url');
}

/**
 * Whether `GET /nhi/inventory` pages by keyset (`paging=keyset` for the
 * first page, `cursor` for the next ones) and after which entity ref;
 * undefined for offset paging. Refuses a cursor that is not one this route
 * gave, and what keyset paging cannot take (an offset, a sort).
 */
function parseKeysetParams(
  query: Record<string, unknown>,
): { after?: string } | undefined {
  const { paging, cursor } = query;
  if (paging !== undefined && paging !== 'keyset' && paging !== 'offset') {
    throw new InputError('paging must be offset (the default) or keyset');
  }
  const hasCursor = cursor !== undefined && cursor !== '';
  if (paging !== 'keyset' && !hasCursor) return undefined;
  if (paging === 'offset') {
    throw new InputError('cursor is for paging=keyset, not paging=offset');
  }
  if (query.offset !== undefined && query.offset !== '') {
    throw new InputError(
      'offset cannot be combined with cursor or paging=keyset: page by one or the other',
    );
  }
  if (query.sort !== undefined && query.sort !== '') {
    throw new InputError(
      'sort cannot be combined with cursor or paging=keyset: keyset pages are in entity ref order',
    );
  }
  if (!hasCursor) return {};
  const invalid = new InputError(
    "cursor does not decode to an entity ref: pass the previous page's nextCursor as it was given",
  );
  if (typeof cursor !== 'string' || cursor.length > 1024) throw invalid;
  const after = Buffer.from(cursor, 'base64url').toString('utf8');
  let ref: CompoundEntityRef;
  try {
    ref = parseEntityRef(after);
  } catch {
    throw invalid;
  }
  if (
    encodeCursor(after) !== cursor ||
    ref.kind !== NHI_KIND.toLowerCase() ||
    stringifyEntityRef(ref) !== after
  ) {
    throw invalid;
  }
  return { after };
}

/** An auditor that writes its events to the logger. */
function loggingAuditor(logger: LoggerService): AuditorService {
  return {
    async createEvent({ eventId, meta }) {
      const line = (status: string) =>
        `audit ${eventId} ${status} ${JSON.stringify(meta ?? {})}`;
      logger.info(line('initiated'));
      return {
        async success() {
          logger.info(line('succeeded'));
        },
        async fail({ error }) {
          logger.warn(`${line('failed')}: ${error.message}`);
        },
      };
    },
  };
}
