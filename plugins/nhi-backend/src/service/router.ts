import {
  AuditorService,
  AuditorServiceEventSeverityLevel,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, isError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import { randomBytes } from 'node:crypto';
import { normalizeRef } from '../lib/identifiers';
import { NhiAction } from '../permissions/ClaimsAuthorizer';
import { addCampaignRoutes } from './campaignRoutes';
import { CampaignsService } from './CampaignsService';
import { ClaimsService } from './ClaimsService';
import { feedPageOf, pageOf, readFeedPage, readPage } from './paging';
import {
  claimStatuses,
  date,
  exceptionStatuses,
  flag,
  groupRef,
  identityRef,
  parseBody,
  queryOf,
  readJsonBodies,
  ruleId,
  schemas,
} from './validation';

/** Error names whose message is meant for the caller (`@backstage/errors`). */
const EXPOSED_ERRORS = new Set([
  'InputError',
  'AuthenticationError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
  'NotModifiedError',
  'NotImplementedError',
  'ServiceUnavailableError',
]);

/**
 * Wraps a route so that every call is an auditor event, created before
 * anything is checked (see {@link createRouter}).
 */
export type Audited = (
  eventId: string,
  severityLevel: AuditorServiceEventSeverityLevel,
  handler: (
    req: express.Request,
    res: express.Response,
    meta: Record<string, string>,
  ) => Promise<void>,
) => (req: express.Request, res: express.Response) => Promise<void>;

/**
 * The REST API of the claims backend, at `/api/nhi`. A route reads the
 * caller's credentials once and has the service let them through for what
 * it does (every route is guarded by a permission), validates its query
 * and body, and calls the service; it never decides who may do what. Every
 * call is an auditor event, refused or not. Errors are typed and end in the
 * error middleware, which never sees a database message.
 */
export function createRouter(options: {
  claims: ClaimsService;
  /** The access reviews' routes, when given (see campaignRoutes.ts). */
  campaigns?: CampaignsService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  logger: LoggerService;
}): express.Router {
  const { claims, httpAuth, auditor, logger } = options;
  const router = Router();
  readJsonBodies(router);

  // Users and backend services alike; the service says who may do what.
  const credentials = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });
  const caller = async <A extends NhiAction>(req: express.Request, action: A) =>
    claims.caller(await credentials(req), action);
  const feedReader = async (req: express.Request) =>
    claims.feedReader(await credentials(req));

  /**
   * A route whose every call is an auditor event, created before anything
   * is checked, so a refused call (no permission, a bad body, a rule that
   * says no) is recorded as a failure just like a failed change. The handler
   * adds what it learns (the identity, the group) to `meta`.
   */
  const audited: Audited =
    (eventId, severityLevel, handler) =>
    async (req: express.Request, res: express.Response) => {
      const meta: Record<string, string> = {};
      if (req.params.id) {
        let idKey = 'claimId';
        if (eventId.startsWith('exception')) idKey = 'exceptionId';
        if (eventId.startsWith('campaign')) idKey = 'campaignId';
        meta[idKey] = req.params.id;
      }
      const event = await auditor.createEvent({
        eventId,
        request: req,
        severityLevel,
        meta: { ...meta },
      });
      try {
        await handler(req, res, meta);
      } catch (error) {
        await event.fail({
          meta,
          error: isError(error) ? error : new Error(String(error)),
        });
        throw error;
      }
      await event.success({ meta });
    };

  router.post(
    '/claims',
    audited('claim-create', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'claim.create');
      queryOf(req, []);
      const body = parseBody(schemas.createClaim, req, 'claim');
      Object.assign(meta, { entityRef: body.entityRef, group: body.group });
      const claim = await claims.createClaim(who, {
        entityRef: identityRef(body.entityRef),
        group: groupRef(body.group),
        justification: body.justification,
      });
      meta.claimId = claim.id;
      res.status(201).json(claim);
    }),
  );

  router.get(
    '/claims',
    audited('claim-read', 'low', async (req, res) => {
      const who = await caller(req, 'claim.read');
      const q = queryOf(req, [
        'entityRef',
        'group',
        'status',
        'mine',
        'toReview',
        'limit',
        'cursor',
      ]);
      const page = readPage(q);
      const statuses = claimStatuses(q.status);
      const toReview = flag(q.toReview, 'toReview');
      const mine = flag(q.mine, 'mine');
      const groups = q.group
        ? [normalizeRef(q.group, 'group', 'group')]
        : undefined;
      const entityRef = q.entityRef ? identityRef(q.entityRef) : undefined;
      const result = await claims.listClaims(
        who,
        { entityRef, groups, statuses, mine, toReview },
        page,
      );
      res.json(pageOf(result, page));
    }),
  );

  router.get(
    '/claims/:id',
    audited('claim-read', 'low', async (req, res) => {
      const who = await caller(req, 'claim.read');
      queryOf(req, []);
      res.json(await claims.getClaim(who, req.params.id));
    }),
  );

  const reviewClaim = (action: 'approve' | 'reject') =>
    router.post(
      `/claims/:id/${action}`,
      audited(`claim-${action}`, 'medium', async (req, res, meta) => {
        const who = await caller(req, 'claim.review');
        queryOf(req, []);
        const body =
          action === 'approve'
            ? parseBody(schemas.approve, req, 'approval')
            : parseBody(schemas.reject, req, 'rejection');
        const claim = await claims.claimToReview(who, req.params.id);
        Object.assign(meta, { entityRef: claim.entityRef, group: claim.group });
        const resource = await claims.claimResource(claim);
        if (resource.currentOwner) meta.from = resource.currentOwner;
        res.json(
          action === 'approve'
            ? await claims.approveClaim(who, resource, body.comment)
            : await claims.rejectClaim(who, resource, body.comment!),
        );
      }),
    );
  reviewClaim('approve');
  reviewClaim('reject');

  router.post(
    '/claims/:id/withdraw',
    audited('claim-withdraw', 'medium', async (req, res) => {
      const who = await caller(req, 'claim.withdraw');
      queryOf(req, []);
      parseBody(schemas.empty, req, 'withdrawal');
      res.json(await claims.withdrawClaim(who, req.params.id));
    }),
  );

  router.post(
    '/ownership/release',
    audited('ownership-release', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'ownership.release');
      queryOf(req, []);
      const body = parseBody(schemas.release, req, 'release');
      meta.entityRef = body.entityRef;
      res.json(
        await claims.releaseOwnership(
          who,
          identityRef(body.entityRef),
          body.comment,
        ),
      );
    }),
  );

  /** The pipeline's feed: every approved claim, paged by id. */
  router.get(
    '/ownership',
    audited('ownership-read', 'low', async (req, res) => {
      const reader = await feedReader(req);
      const page = readFeedPage(queryOf(req, ['cursor', 'limit']));
      const items = await claims.approvedOwners(reader, page);
      res.json(feedPageOf(items, page, item => item.claimId));
    }),
  );

  router.post(
    '/exceptions',
    audited('exception-create', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'exception.create');
      queryOf(req, []);
      const body = parseBody(schemas.createException, req, 'exception');
      Object.assign(meta, { entityRef: body.entityRef, ruleId: body.ruleId });
      const exception = await claims.createException(who, {
        entityRef: identityRef(body.entityRef),
        ruleId: ruleId(body.ruleId),
        justification: body.justification,
        until: date(body.until, 'until'),
      });
      Object.assign(meta, {
        exceptionId: exception.id,
        status: exception.status,
      });
      res.status(201).json(exception);
    }),
  );

  /** The pipeline's feed: every active accepted risk. */
  router.get(
    '/exceptions/active',
    audited('exception-read', 'low', async (req, res) => {
      const reader = await feedReader(req);
      const page = readPage(queryOf(req, ['limit', 'cursor']));
      res.json(pageOf(await claims.activeExceptions(reader, page), page));
    }),
  );

  /** What may be accepted and for how long, for the accept dialog. */
  router.get(
    '/exceptions/policy',
    audited('exception-read', 'low', async (req, res) => {
      const who = await caller(req, 'claim.read');
      queryOf(req, []);
      res.json(await claims.exceptionPolicy(who));
    }),
  );

  router.get(
    '/exceptions',
    audited('exception-read', 'low', async (req, res) => {
      const who = await caller(req, 'claim.read');
      const q = queryOf(req, [
        'entityRef',
        'active',
        'status',
        'limit',
        'cursor',
      ]);
      const page = readPage(q);
      const entityRef = q.entityRef ? identityRef(q.entityRef) : undefined;
      const filter = {
        entityRef,
        activeOnly: flag(q.active, 'active'),
        statuses: exceptionStatuses(q.status),
      };
      res.json(pageOf(await claims.listExceptions(who, filter, page), page));
    }),
  );

  const reviewException = (action: 'approve' | 'reject') =>
    router.post(
      `/exceptions/:id/${action}`,
      audited(`exception-${action}`, 'medium', async (req, res, meta) => {
        const who = await caller(req, 'exception.review');
        queryOf(req, []);
        const body =
          action === 'approve'
            ? parseBody(schemas.approve, req, 'approval')
            : parseBody(schemas.reject, req, 'rejection');
        const exception = await claims.exceptionToDecide(who, req.params.id);
        Object.assign(meta, {
          entityRef: exception.entityRef,
          ruleId: exception.ruleId,
        });
        res.json(
          await claims.reviewException(
            who,
            exception,
            action === 'approve' ? 'approved' : 'rejected',
            body.comment,
          ),
        );
      }),
    );
  reviewException('approve');
  reviewException('reject');

  router.post(
    '/exceptions/:id/revoke',
    audited('exception-revoke', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'exception.revoke');
      queryOf(req, []);
      parseBody(schemas.empty, req, 'revocation');
      const exception = await claims.exceptionToDecide(who, req.params.id);
      Object.assign(meta, {
        entityRef: exception.entityRef,
        ruleId: exception.ruleId,
      });
      res.json(await claims.revokeException(who, exception));
    }),
  );

  router.get(
    '/audit',
    audited('audit-read', 'low', async (req, res) => {
      const who = await caller(req, 'claim.read');
      const q = queryOf(req, ['entityRef', 'limit', 'cursor']);
      if (!q.entityRef) throw new InputError('entityRef is required');
      const page = readPage(q);
      const entityRef = identityRef(q.entityRef);
      res.json(pageOf(await claims.auditTrail(who, entityRef, page), page));
    }),
  );

  if (options.campaigns) {
    addCampaignRoutes(router, {
      campaigns: options.campaigns,
      audited,
      credentials,
    });
  }

  // Errors meant for the caller pass on to the error middleware; anything
  // else (a database error carries its SQL) is logged here with an id and
  // answered as an internal error with that id only.
  router.use(
    (
      error: unknown,
      req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      const e = isError(error) ? error : new Error(String(error));
      const status = (e as { status?: unknown }).status;
      if (
        EXPOSED_ERRORS.has(e.name) ||
        (typeof status === 'number' && status >= 400 && status < 500)
      ) {
        next(e);
        return;
      }
      const id = randomBytes(6).toString('hex');
      logger.error(`${req.method} ${req.path} failed (error id ${id})`, e);
      const internal = new Error(
        `internal error ${id}: the nhi backend's log has the details`,
      );
      delete internal.stack;
      next(internal);
    },
  );

  return router;
}
