import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  NHI_TREND_ALL,
  NHI_TREND_LIMITS,
} from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import Router from 'express-promise-router';
import { DECLARED_SOURCE } from '../database/NhiInventoryStore';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import { utcDay } from '../database/NhiTrendStore';

/** Identities per page of the export, at most. */
export const NHI_EXPORT_MAX_LIMIT = 1000;

function intParam(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new InputError(
      `${name} must be a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** The series a trends request names: `all` and group refs, in lower case. */
export function parseTrendOwners(value: unknown): string[] {
  if (value === undefined || value === '') return [NHI_TREND_ALL];
  if (typeof value !== 'string') {
    throw new InputError('owners must be given once, comma separated');
  }
  const owners = [
    ...new Set(
      value
        .split(',')
        .map(o => o.trim())
        .filter(Boolean)
        .map(o => {
          if (o.toLowerCase() === NHI_TREND_ALL) return NHI_TREND_ALL;
          try {
            return stringifyEntityRef(
              parseEntityRef(o, {
                defaultKind: 'group',
                defaultNamespace: 'default',
              }),
            ).toLowerCase();
          } catch (e) {
            throw new InputError(
              `owners: ${JSON.stringify(o)} is neither "all" nor a group ref (${
                (e as Error).message
              })`,
            );
          }
        }),
    ),
  ];
  if (!owners.length) return [NHI_TREND_ALL];
  if (owners.length > NHI_TREND_LIMITS.maxOwners) {
    throw new InputError(
      `owners: at most ${NHI_TREND_LIMITS.maxOwners} series per request, got ${owners.length}`,
    );
  }
  return owners;
}

/**
 * The routes that read the inventory summary as a whole, mounted on the
 * catalog's router next to the NHI page's:
 *
 * - `GET /nhi/inventory/export?after=&limit=` — every identity, a page at a
 *   time (`limit` up to 1000, `nextCursor` → `after`), with its credential
 *   ids, dates and rotation: for services that read them all (the search
 *   collator, the scorecards). It needs `catalog.entity.read`
 *   unconditionally: a bulk read cannot apply per-entity conditions, so a
 *   conditional decision is refused (403) rather than answered in part.
 * - `GET /nhi/trends?owners=all,group:default/payments&days=30` — the
 *   daily snapshots of the headline figures for the whole inventory and the
 *   named teams (up to 100 series, 400 days). Counts under the catalog's
 *   read permission like the inventory's facets: `{ ready: false, reason }`
 *   when it is conditional for the caller.
 *
 * Both are auditor events (`nhi-inventory-export`, `nhi-trends-read`),
 * whether allowed or refused.
 */
export function createInsightsRouter(options: {
  store: NhiPipelineStore;
  sources: string[];
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** The current time; for tests. */
  now?: () => Date;
}): express.Router {
  const { store, sources, httpAuth, permissions, auditor } = options;
  const now = options.now ?? (() => new Date());
  const router = Router();

  const audited = async <T>(
    req: express.Request,
    eventId: string,
    meta: Parameters<AuditorService['createEvent']>[0]['meta'],
    fn: () => Promise<T>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      request: req,
      severityLevel: 'low',
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

  /** The caller's catalog read decision: throws on DENY. */
  const readDecision = async (req: express.Request) => {
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
    return decision.result;
  };

  /** What the summary does not hold yet, if anything. */
  const pendingOf = async (): Promise<string | undefined> => {
    const synced = await store.inventorySyncedSources();
    const waiting = sources.filter(s => !synced.has(s));
    if (waiting.length) return `still reading ${waiting.join(', ')}`;
    if (!synced.has(DECLARED_SOURCE)) {
      return 'hand-written identities are still being listed';
    }
    return undefined;
  };

  router.get('/nhi/inventory/export', async (req, res) => {
    const page = await audited(
      req,
      'nhi-inventory-export',
      {
        after: String(req.query.after ?? ''),
        limit: String(req.query.limit ?? ''),
      },
      async () => {
        const limit = intParam(
          req.query.limit,
          'limit',
          500,
          1,
          NHI_EXPORT_MAX_LIMIT,
        );
        const after = req.query.after;
        if (
          after !== undefined &&
          (typeof after !== 'string' || after.length > 512)
        ) {
          throw new InputError(
            'after must be given once: the nextCursor of the previous page',
          );
        }
        if ((await readDecision(req)) !== AuthorizeResult.ALLOW) {
          throw new NotAllowedError(
            `the inventory export needs ${catalogEntityReadPermission.name} without conditions: a bulk read cannot apply per-entity conditions`,
          );
        }
        const pending = await pendingOf();
        return {
          ...(await store.inventory.exportPage(after || undefined, limit)),
          ...(pending ? { pending } : {}),
        };
      },
    );
    res.json(page);
  });

  router.get('/nhi/trends', async (req, res) => {
    const answer = await audited(
      req,
      'nhi-trends-read',
      {
        owners: String(req.query.owners ?? ''),
        days: String(req.query.days ?? ''),
      },
      async () => {
        const owners = parseTrendOwners(req.query.owners);
        const days = intParam(
          req.query.days,
          'days',
          30,
          1,
          NHI_TREND_LIMITS.maxDays,
        );
        if ((await readDecision(req)) === AuthorizeResult.CONDITIONAL) {
          return {
            ready: false as const,
            reason: 'the catalog read permission is conditional for this user',
          };
        }
        return {
          ready: true as const,
          ...(await store.trends.series(owners, days, utcDay(now()))),
        };
      },
    );
    res.json(answer);
  });

  return router;
}
