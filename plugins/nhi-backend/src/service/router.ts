import {
  AuditorService,
  AuditorServiceEventSeverityLevel,
  AuthService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  nhiClaimCreatePermission,
  nhiClaimReadPermission,
  nhiClaimReviewPermission,
  nhiClaimWithdrawPermission,
  nhiExceptionCreatePermission,
  nhiExceptionReviewPermission,
  nhiExceptionRevokePermission,
  nhiOwnershipReleasePermission,
  NhiClaim,
  NhiClaimStatus,
  NhiException,
  NhiPage,
  NhiReviewDecision,
} from '@backstage-nhi/nhi-common';
import express from 'express';
import Router from 'express-promise-router';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { StoredExceptionStatus } from '../database/ClaimsStore';
import { NhiClaimQuery, NhiClaimResource } from '../permissions/rules';
import {
  Caller,
  ClaimsService,
  normalizeRef,
  toApproved,
} from './ClaimsService';

const CLAIM_STATUSES = [
  'open',
  'approved',
  'rejected',
  'withdrawn',
  'closed',
  'superseded',
  'released',
] as const;

const EXCEPTION_STATUSES = [
  'requested',
  'active',
  'rejected',
  'revoked',
] as const;

/**
 * Characters refused in every text the API takes: NUL and the other C0
 * controls but tab, line feed and carriage return, DEL, and the
 * bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that make text read differently from what it is.
 */
const FORBIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/;

/** A 400 when a text holds a forbidden character, naming the field and the character. */
function checkCharacters(value: string, field: string) {
  const found = FORBIDDEN_CHARACTERS.exec(value);
  if (found) {
    const code = found[0].codePointAt(0)!.toString(16).toUpperCase();
    throw new InputError(
      `${field} contains U+${code.padStart(
        4,
        '0',
      )}, a control or bidirectional formatting character, which is not allowed`,
    );
  }
}

const text = (field: string, min: number, max: number) =>
  z
    .string({
      error: issue =>
        issue.input === undefined
          ? `${field} is required`
          : `${field} must be text`,
    })
    .superRefine((value, ctx) => {
      try {
        checkCharacters(value, field);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    })
    .trim()
    .min(min, { error: `${field} must be at least ${min} characters` })
    .max(max, { error: `${field} must be at most ${max} characters` });

const schemas = {
  createClaim: z.strictObject({
    entityRef: text('entityRef', 1, 255),
    group: text('group', 1, 255),
    justification: text('justification', 10, 2000),
  }),
  approve: z.strictObject({ comment: text('comment', 1, 2000).optional() }),
  reject: z.strictObject({ comment: text('comment', 3, 2000) }),
  empty: z.strictObject({}),
  release: z.strictObject({
    entityRef: text('entityRef', 1, 255),
    comment: text('comment', 1, 2000).optional(),
  }),
  createException: z.strictObject({
    entityRef: text('entityRef', 1, 255),
    ruleId: text('ruleId', 1, 64),
    justification: text('justification', 10, 2000),
    until: text('until', 10, 40),
  }),
};

/**
 * Why the body could not be read (not JSON, too large), kept for the route
 * so that the refusal is part of its audited call.
 */
const bodyErrors = new WeakMap<express.Request, Error>();

/** Validates a body, or throws a 400 naming every problem. */
function parse<T>(schema: z.ZodType<T>, req: express.Request, what: string): T {
  const bodyError = bodyErrors.get(req);
  if (bodyError) throw bodyError;
  // A POST without a body is an empty object; anything but an object is not.
  const value = req.body === undefined ? {} : req.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `invalid ${what}: the request body must be a JSON object`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown field${
          issue.keys.length > 1 ? 's' : ''
        } ${issue.keys.join(', ')}`;
      }
      return issue.message;
    });
    throw new InputError(
      `invalid ${what}: ${[...new Set(problems)].join('; ')}`,
    );
  }
  return result.data;
}

/**
 * The query parameters of a route, each one value of text: an unknown
 * parameter, a repeated one (`status=a&status=b`), an array (`status[]=a`)
 * or an object (`entityRef[a]=b`) is a 400 rather than silently dropped.
 */
function queryOf<K extends string>(
  req: express.Request,
  allowed: readonly K[],
): Partial<Record<K, string>> {
  const result: Partial<Record<K, string>> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new InputError(
        `unknown query parameter ${key}${
          allowed.length ? `; this route takes ${allowed.join(', ')}` : ''
        }`,
      );
    }
    if (typeof value !== 'string') {
      throw new InputError(
        `query parameter ${key} must be given once, as text (a list is one value separated by commas)`,
      );
    }
    checkCharacters(value, key);
    result[key as K] = value;
  }
  return result;
}

/** The largest offset a cursor may carry (a 32-bit integer for any database). */
const MAX_OFFSET = 2_147_483_647;

function page(q: { limit?: string; cursor?: string }) {
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!/^\d+$/.test(q.limit ?? '50') || limit < 1 || limit > 500) {
    throw new InputError('limit must be a whole number from 1 to 500');
  }
  let offset = 0;
  if (q.cursor) {
    const decoded = Buffer.from(q.cursor, 'base64url').toString('utf8');
    offset = Number(decoded);
    if (
      !/^(0|[1-9]\d{0,9})$/.test(decoded) ||
      offset > MAX_OFFSET ||
      Buffer.from(decoded, 'utf8').toString('base64url') !==
        q.cursor.replace(/=+$/, '')
    ) {
      throw new InputError(
        'cursor is not valid: pass the nextCursor of the previous page',
      );
    }
  }
  return { limit, offset };
}

function pageOf<T>(
  items: T[],
  totalCount: number,
  p: { limit: number; offset: number },
): NhiPage<T> {
  const next = p.offset + p.limit;
  return {
    items,
    totalCount,
    ...(next < totalCount
      ? { nextCursor: Buffer.from(String(next), 'utf8').toString('base64url') }
      : {}),
  };
}

function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw new InputError(`${name} must be true or false`);
}

function statusList<S extends string>(
  value: string | undefined,
  allowed: readonly S[],
): S[] | undefined {
  if (!value) return undefined;
  return value.split(',').map(s => {
    if (!(allowed as readonly string[]).includes(s)) {
      throw new InputError(
        `status must be one of ${allowed.join(', ')}, got ${s}`,
      );
    }
    return s as S;
  });
}

/** Ids are uuids: anything else names nothing, without asking the database. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
 * The REST API of the claims backend, at `/api/nhi`. Every route checks a
 * permission and is an auditor event, refused or not; bodies and query
 * parameters are validated before anything is read or written; errors are
 * typed and end in the error middleware, which never sees a database
 * message.
 */
export function createRouter(options: {
  claims: ClaimsService;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  reviewRuleset: PermissionRuleset<NhiClaimResource, NhiClaimQuery>;
}): express.Router {
  const { claims, httpAuth, auth, permissions, auditor, logger } = options;
  const authorizeReview = createConditionAuthorizer(options.reviewRuleset);
  const router = Router();
  router.use((req, _res, next) => {
    if (req.is(['application/json', 'application/*+json']) === false) {
      bodyErrors.set(
        req,
        new InputError(
          'the request body must be JSON (Content-Type: application/json)',
        ),
      );
    }
    next();
  });
  router.use(express.json({ limit: '64kb' }));
  router.use(
    (
      error: unknown,
      req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      const type = (error as { type?: unknown })?.type;
      if (type === 'entity.parse.failed') {
        bodyErrors.set(
          req,
          new InputError('the request body is not valid JSON'),
        );
      } else if (type === 'entity.too.large') {
        bodyErrors.set(
          req,
          new InputError('the request body is too large (at most 64 kB)'),
        );
      } else {
        next(error);
        return;
      }
      req.body = undefined;
      next();
    },
  );

  const allowed = async (
    credentials: Caller['credentials'],
    permission: BasicPermission,
  ) => {
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    return decision.result === AuthorizeResult.ALLOW;
  };

  /** The calling user (with their groups) after a basic permission check. */
  const caller = async (
    req: express.Request,
    permission: BasicPermission,
  ): Promise<Caller> => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    if (!(await allowed(credentials, permission))) {
      throw new NotAllowedError(`not allowed: ${permission.name}`);
    }
    const userRef = credentials.principal.userEntityRef;
    return { userRef, credentials, groups: await claims.groupsOf(userRef) };
  };

  /** A user, or a service (the pipeline) — users need `nhi.claim.read`. */
  const reader = async (req: express.Request) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (
      !auth.isPrincipal(credentials, 'service') &&
      !(await allowed(credentials, nhiClaimReadPermission))
    ) {
      throw new NotAllowedError('not allowed: nhi.claim.read');
    }
  };

  /** Whether the caller may review a claim: the configuration and the policy both. */
  const reviewDecision = async (
    resource: NhiClaimResource,
    who: Caller,
  ): Promise<NhiReviewDecision> => {
    const eligibility = claims.reviewEligibility(resource, who);
    if (!eligibility.allowed) return eligibility;
    const [decision] = await permissions.authorizeConditional(
      [{ permission: nhiClaimReviewPermission }],
      { credentials: who.credentials },
    );
    if (!authorizeReview(decision, resource)) {
      return {
        allowed: false,
        reason: 'the permission policy does not allow you to review it',
      };
    }
    return eligibility;
  };

  /** Whether the caller may decide an exception request. */
  const exceptionReviewDecision = (
    exception: NhiException,
    who: Caller,
    permitted: boolean,
  ): NhiReviewDecision => {
    const eligibility = claims.exceptionReviewEligibility(exception, who);
    if (eligibility.allowed && !permitted) {
      return {
        allowed: false,
        reason: 'the permission policy does not allow you to review it',
      };
    }
    return eligibility;
  };

  /**
   * A route whose every call is an auditor event, created before anything
   * is checked, so a refused call (no permission, a bad body, a rule that
   * says no) is recorded as a failure just like a failed change. The handler
   * adds what it learns (the identity, the group) to `meta`.
   */
  const audited =
    (
      eventId: string,
      severityLevel: AuditorServiceEventSeverityLevel,
      handler: (
        req: express.Request,
        res: express.Response,
        meta: Record<string, string>,
      ) => Promise<void>,
    ) =>
    async (req: express.Request, res: express.Response) => {
      const meta: Record<string, string> = {};
      if (req.params.id) {
        meta[eventId.startsWith('exception') ? 'exceptionId' : 'claimId'] =
          req.params.id;
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

  const mustGetClaim = (id: string) => {
    if (!ID.test(id)) throw new NotFoundError(`no claim ${id}`);
    return claims.mustGetClaim(id);
  };
  const mustGetException = (id: string) => {
    if (!ID.test(id)) throw new NotFoundError(`no exception ${id}`);
    return claims.mustGetException(id);
  };

  router.post(
    '/claims',
    audited('claim-create', 'medium', async (req, res, meta) => {
      const who = await caller(req, nhiClaimCreatePermission);
      queryOf(req, []);
      const body = parse(schemas.createClaim, req, 'claim');
      Object.assign(meta, { entityRef: body.entityRef, group: body.group });
      const claim = await claims.createClaim(body, who);
      meta.claimId = claim.id;
      res.status(201).json(claim);
    }),
  );

  router.get(
    '/claims',
    audited('claim-read', 'low', async (req, res) => {
      const who = await caller(req, nhiClaimReadPermission);
      const q = queryOf(req, [
        'entityRef',
        'group',
        'status',
        'mine',
        'toReview',
        'limit',
        'cursor',
      ]);
      const p = page(q);
      const statuses = statusList<NhiClaimStatus>(q.status, CLAIM_STATUSES);
      const toReview = flag(q.toReview, 'toReview');
      const mine = flag(q.mine, 'mine');
      const groups = q.group
        ? [normalizeRef(q.group, 'group', 'group')]
        : undefined;
      let involvingGroups: string[] | undefined;
      let excludeCreatedBy: string | undefined;
      if (toReview) {
        if (!claims.isReviewer(who)) {
          // leads review claims for their group and transfers away from it
          involvingGroups = await claims.groupsLedBy(who.userRef);
        }
        if (!claims.allowSelfApproval) excludeCreatedBy = who.userRef;
      }
      const result = await claims.store.listClaims(
        {
          entityRef: q.entityRef
            ? normalizeRef(q.entityRef, 'nonhumanidentity', 'entityRef')
            : undefined,
          groups,
          involvingGroups,
          statuses: toReview ? ['open'] : statuses,
          createdBy: mine ? who.userRef : undefined,
          excludeCreatedBy,
        },
        p,
      );
      const items = await Promise.all(
        result.items.map(async claim => ({
          ...claim,
          review:
            claim.status === 'open'
              ? await reviewDecision(await claims.claimResource(claim), who)
              : undefined,
        })),
      );
      res.json(
        pageOf(
          toReview ? items.filter(c => c.review?.allowed) : items,
          result.totalCount,
          p,
        ),
      );
    }),
  );

  router.get(
    '/claims/:id',
    audited('claim-read', 'low', async (req, res) => {
      const who = await caller(req, nhiClaimReadPermission);
      queryOf(req, []);
      const claim: NhiClaim = await mustGetClaim(req.params.id);
      res.json({
        ...claim,
        review:
          claim.status === 'open'
            ? await reviewDecision(await claims.claimResource(claim), who)
            : undefined,
      });
    }),
  );

  const review = (action: 'approve' | 'reject') =>
    router.post(
      `/claims/:id/${action}`,
      audited(`claim-${action}`, 'medium', async (req, res, meta) => {
        const credentials = await httpAuth.credentials(req, {
          allow: ['user'],
        });
        const [basic] = await permissions.authorizeConditional(
          [{ permission: nhiClaimReviewPermission }],
          { credentials },
        );
        if (basic.result === AuthorizeResult.DENY) {
          throw new NotAllowedError('not allowed: nhi.claim.review');
        }
        queryOf(req, []);
        const body =
          action === 'approve'
            ? parse(schemas.approve, req, 'approval')
            : parse(schemas.reject, req, 'rejection');
        const claim = await mustGetClaim(req.params.id);
        Object.assign(meta, { entityRef: claim.entityRef, group: claim.group });
        const userRef = credentials.principal.userEntityRef;
        const who: Caller = {
          userRef,
          credentials,
          groups: await claims.groupsOf(userRef),
        };
        const resource = await claims.claimResource(claim);
        if (resource.currentOwner) meta.from = resource.currentOwner;
        const decision = await reviewDecision(resource, who);
        if (!decision.allowed) {
          throw new NotAllowedError(
            `you cannot review this claim: ${decision.reason}`,
          );
        }
        const result =
          action === 'approve'
            ? (await claims.approveClaim(resource, body.comment, who, decision))
                .claim
            : await claims.rejectClaim(resource, body.comment!, who);
        res.json(result);
      }),
    );
  review('approve');
  review('reject');

  router.post(
    '/claims/:id/withdraw',
    audited('claim-withdraw', 'medium', async (req, res) => {
      const who = await caller(req, nhiClaimWithdrawPermission);
      queryOf(req, []);
      parse(schemas.empty, req, 'withdrawal');
      await mustGetClaim(req.params.id);
      res.json(await claims.withdrawClaim(req.params.id, who));
    }),
  );

  router.post(
    '/ownership/release',
    audited('ownership-release', 'medium', async (req, res, meta) => {
      const who = await caller(req, nhiOwnershipReleasePermission);
      queryOf(req, []);
      const body = parse(schemas.release, req, 'release');
      meta.entityRef = body.entityRef;
      res.json(
        await claims.releaseOwnership(body.entityRef, body.comment, who),
      );
    }),
  );

  /** The pipeline's feed: every approved claim, paged by id. */
  router.get(
    '/ownership',
    audited('ownership-read', 'low', async (req, res) => {
      await reader(req);
      const q = queryOf(req, ['after', 'limit']);
      const limit = page({ limit: q.limit }).limit;
      if (q.after && !ID.test(q.after)) {
        throw new InputError(
          'after is not valid: pass the nextCursor of the previous page',
        );
      }
      const items = await claims.store.approvedClaims({
        after: q.after || undefined,
        limit,
      });
      res.json({
        items: items.map(toApproved),
        ...(items.length === limit
          ? { nextCursor: items[items.length - 1].id }
          : {}),
      });
    }),
  );

  router.post(
    '/exceptions',
    audited('exception-create', 'medium', async (req, res, meta) => {
      const who = await caller(req, nhiExceptionCreatePermission);
      queryOf(req, []);
      const body = parse(schemas.createException, req, 'exception');
      Object.assign(meta, { entityRef: body.entityRef, ruleId: body.ruleId });
      const exception = await claims.createException(body, who);
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
      await reader(req);
      const p = page(queryOf(req, ['limit', 'cursor']));
      const result = await claims.store.listExceptions({ activeOnly: true }, p);
      res.json(
        pageOf(
          result.items.map(e => ({
            entityRef: e.entityRef,
            ruleId: e.ruleId,
            until: e.until,
            by: e.createdBy,
          })),
          result.totalCount,
          p,
        ),
      );
    }),
  );

  /** What may be accepted and for how long, for the accept dialog. */
  router.get(
    '/exceptions/policy',
    audited('exception-read', 'low', async (req, res) => {
      const who = await caller(req, nhiClaimReadPermission);
      queryOf(req, []);
      const policy = claims.exceptionPolicy(who);
      res.json({
        ...policy,
        reviewer:
          policy.reviewer &&
          (await allowed(who.credentials, nhiExceptionReviewPermission)),
      });
    }),
  );

  router.get(
    '/exceptions',
    audited('exception-read', 'low', async (req, res) => {
      const who = await caller(req, nhiClaimReadPermission);
      const q = queryOf(req, [
        'entityRef',
        'active',
        'status',
        'limit',
        'cursor',
      ]);
      const p = page(q);
      const entityRef = q.entityRef
        ? normalizeRef(q.entityRef, 'nonhumanidentity', 'entityRef')
        : undefined;
      const result = await claims.store.listExceptions(
        {
          entityRef,
          activeOnly: flag(q.active, 'active'),
          statuses: statusList<StoredExceptionStatus>(
            q.status,
            EXCEPTION_STATUSES,
          ),
        },
        p,
      );
      const permitted =
        result.items.some(e => e.status === 'requested') &&
        (await allowed(who.credentials, nhiExceptionReviewPermission));
      res.json(
        pageOf(
          result.items.map(e =>
            e.status === 'requested'
              ? { ...e, review: exceptionReviewDecision(e, who, permitted) }
              : e,
          ),
          result.totalCount,
          p,
        ),
      );
    }),
  );

  const reviewException = (action: 'approve' | 'reject') =>
    router.post(
      `/exceptions/:id/${action}`,
      audited(`exception-${action}`, 'medium', async (req, res, meta) => {
        const who = await caller(req, nhiExceptionReviewPermission);
        queryOf(req, []);
        const body =
          action === 'approve'
            ? parse(schemas.approve, req, 'approval')
            : parse(schemas.reject, req, 'rejection');
        const exception = await mustGetException(req.params.id);
        Object.assign(meta, {
          entityRef: exception.entityRef,
          ruleId: exception.ruleId,
        });
        const decision = exceptionReviewDecision(exception, who, true);
        if (!decision.allowed) {
          throw new NotAllowedError(
            `you cannot review this request: ${decision.reason}`,
          );
        }
        res.json(
          await claims.reviewException(
            exception,
            action === 'approve' ? 'approved' : 'rejected',
            body.comment,
            who,
          ),
        );
      }),
    );
  reviewException('approve');
  reviewException('reject');

  router.post(
    '/exceptions/:id/revoke',
    audited('exception-revoke', 'medium', async (req, res, meta) => {
      const who = await caller(req, nhiExceptionRevokePermission);
      queryOf(req, []);
      parse(schemas.empty, req, 'revocation');
      const exception = await mustGetException(req.params.id);
      Object.assign(meta, {
        entityRef: exception.entityRef,
        ruleId: exception.ruleId,
      });
      res.json(await claims.revokeException(exception.id, who));
    }),
  );

  router.get(
    '/audit',
    audited('audit-read', 'low', async (req, res) => {
      await caller(req, nhiClaimReadPermission);
      const q = queryOf(req, ['entityRef', 'limit', 'cursor']);
      if (!q.entityRef) throw new InputError('entityRef is required');
      const p = page(q);
      const entityRef = normalizeRef(
        q.entityRef,
        'nonhumanidentity',
        'entityRef',
      );
      const result = await claims.store.listAudit(entityRef, p);
      res.json(pageOf(result.items, result.totalCount, p));
    }),
  );

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
