import {
  AuditorService,
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
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
  nhiExceptionRevokePermission,
  nhiOwnershipReleasePermission,
  NhiClaim,
  NhiClaimStatus,
  NhiPage,
} from '@backstage-nhi/nhi-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { NhiClaimQuery, NhiClaimResource } from '../permissions/rules';
import {
  Caller,
  ClaimsService,
  normalizeRef,
  toApproved,
} from './ClaimsService';

const STATUSES = [
  'open',
  'approved',
  'rejected',
  'withdrawn',
  'closed',
  'superseded',
  'released',
] as const;

const text = (field: string, min: number, max: number) =>
  z
    .string({ error: `${field} must be text` })
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

/** Validates a body, or throws a 400 naming every problem. */
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown field${
          issue.keys.length > 1 ? 's' : ''
        } ${issue.keys.join(', ')}`;
      }
      const path = issue.path.join('.');
      if (issue.code === 'invalid_type' && issue.input === undefined) {
        return `${path} is required`;
      }
      return issue.message.startsWith(path)
        ? issue.message
        : `${path}: ${issue.message}`;
    });
    throw new InputError(`invalid ${what}: ${problems.join('; ')}`);
  }
  return result.data;
}

function page(query: express.Request['query']) {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new InputError('limit must be a whole number from 1 to 500');
  }
  let offset = 0;
  if (typeof query.cursor === 'string' && query.cursor) {
    offset = Number(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0)
      throw new InputError('cursor is not valid');
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

function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw new InputError(`${name} must be true or false`);
}

/**
 * The REST API of the claims backend, at `/api/nhi`. Every route checks a
 * permission; bodies are validated before anything is written; errors are
 * typed and end in the error middleware.
 */
export function createRouter(options: {
  claims: ClaimsService;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  reviewRuleset: PermissionRuleset<NhiClaimResource, NhiClaimQuery>;
}): express.Router {
  const { claims, httpAuth, auth, permissions, auditor } = options;
  const authorizeReview = createConditionAuthorizer(options.reviewRuleset);
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  /** The calling user (with their groups) after a basic permission check. */
  const caller = async (
    req: express.Request,
    permission: BasicPermission,
  ): Promise<Caller> => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`not allowed: ${permission.name}`);
    }
    const userRef = credentials.principal.userEntityRef;
    return { userRef, credentials, groups: await claims.groupsOf(userRef) };
  };

  /** Whether the caller may review a claim: the configuration and the policy both. */
  const reviewDecision = async (claim: NhiClaim, who: Caller) => {
    const resource = await claims.claimResource(claim);
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
    return { allowed: true };
  };

  const audited = async <T>(
    req: express.Request,
    eventId: string,
    meta: { [key: string]: string },
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

  router.post('/claims', async (req, res) => {
    const who = await caller(req, nhiClaimCreatePermission);
    const body = parse(schemas.createClaim, req.body, 'claim');
    const claim = await audited(
      req,
      'claim-create',
      { entityRef: body.entityRef, group: body.group },
      () => claims.createClaim(body, who),
    );
    res.status(201).json(claim);
  });

  router.get('/claims', async (req, res) => {
    const who = await caller(req, nhiClaimReadPermission);
    const q = req.query;
    const p = page(q);
    const statuses =
      typeof q.status === 'string' && q.status
        ? q.status.split(',').map(s => {
            if (!STATUSES.includes(s as NhiClaimStatus)) {
              throw new InputError(
                `status must be one of ${STATUSES.join(', ')}, got ${s}`,
              );
            }
            return s as NhiClaimStatus;
          })
        : undefined;
    const toReview = flag(q.toReview, 'toReview');
    const mine = flag(q.mine, 'mine');
    let groups =
      typeof q.group === 'string' && q.group
        ? [normalizeRef(q.group, 'group', 'group')]
        : undefined;
    let excludeCreatedBy: string | undefined;
    if (toReview) {
      const reviewerOfAll = (await claims.reviewerGroups()).some(g =>
        who.groups.includes(g),
      );
      if (!reviewerOfAll) {
        const led = await claims.groupsLedBy(who.userRef);
        groups = groups ? groups.filter(g => led.includes(g)) : led;
      }
      if (!claims.allowSelfApproval) excludeCreatedBy = who.userRef;
    }
    const result = await claims.store.listClaims(
      {
        entityRef:
          typeof q.entityRef === 'string' && q.entityRef
            ? normalizeRef(q.entityRef, 'nonhumanidentity', 'entityRef')
            : undefined,
        groups,
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
            ? await reviewDecision(claim, who)
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
  });

  router.get('/claims/:id', async (req, res) => {
    const who = await caller(req, nhiClaimReadPermission);
    const claim = await claims.mustGetClaim(req.params.id);
    res.json({
      ...claim,
      review:
        claim.status === 'open' ? await reviewDecision(claim, who) : undefined,
    });
  });

  const review = (action: 'approve' | 'reject') =>
    router.post(`/claims/:id/${action}`, async (req, res) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const [basic] = await permissions.authorizeConditional(
        [{ permission: nhiClaimReviewPermission }],
        { credentials },
      );
      if (basic.result === AuthorizeResult.DENY) {
        throw new NotAllowedError('not allowed: nhi.claim.review');
      }
      const body =
        action === 'approve'
          ? parse(schemas.approve, req.body, 'approval')
          : parse(schemas.reject, req.body, 'rejection');
      const claim = await claims.mustGetClaim(req.params.id);
      const userRef = credentials.principal.userEntityRef;
      const who: Caller = {
        userRef,
        credentials,
        groups: await claims.groupsOf(userRef),
      };
      const decision = await reviewDecision(claim, who);
      if (!decision.allowed) {
        throw new NotAllowedError(
          `you cannot review this claim: ${decision.reason}`,
        );
      }
      const result = await audited(
        req,
        `claim-${action}`,
        { claimId: claim.id, entityRef: claim.entityRef },
        () =>
          action === 'approve'
            ? claims
                .approveClaim(claim.id, body.comment, who)
                .then(r => r.claim)
            : claims.rejectClaim(claim.id, body.comment!, who),
      );
      res.json(result);
    });
  review('approve');
  review('reject');

  router.post('/claims/:id/withdraw', async (req, res) => {
    const who = await caller(req, nhiClaimWithdrawPermission);
    parse(schemas.empty, req.body, 'withdrawal');
    const claim = await audited(
      req,
      'claim-withdraw',
      { claimId: req.params.id },
      () => claims.withdrawClaim(req.params.id, who),
    );
    res.json(claim);
  });

  router.post('/ownership/release', async (req, res) => {
    const who = await caller(req, nhiOwnershipReleasePermission);
    const body = parse(schemas.release, req.body, 'release');
    const claim = await audited(
      req,
      'ownership-release',
      { entityRef: body.entityRef },
      () => claims.releaseOwnership(body.entityRef, body.comment, who),
    );
    res.json(claim);
  });

  /** The pipeline's feed: every approved claim, paged by id. */
  router.get('/ownership', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (!auth.isPrincipal(credentials, 'service')) {
      const [d] = await permissions.authorize(
        [{ permission: nhiClaimReadPermission }],
        { credentials },
      );
      if (d.result !== AuthorizeResult.ALLOW)
        throw new NotAllowedError('not allowed: nhi.claim.read');
    }
    const limit = page(req.query).limit;
    const after =
      typeof req.query.after === 'string' ? req.query.after : undefined;
    const items = await claims.store.approvedClaims({ after, limit });
    res.json({
      items: items.map(toApproved),
      ...(items.length === limit
        ? { nextCursor: items[items.length - 1].id }
        : {}),
    });
  });

  router.post('/exceptions', async (req, res) => {
    const who = await caller(req, nhiExceptionCreatePermission);
    const body = parse(schemas.createException, req.body, 'exception');
    const exception = await audited(
      req,
      'exception-create',
      { entityRef: body.entityRef, ruleId: body.ruleId },
      () => claims.createException(body, who),
    );
    res.status(201).json(exception);
  });

  /** The pipeline's feed: every active accepted risk. */
  router.get('/exceptions/active', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (!auth.isPrincipal(credentials, 'service')) {
      const [d] = await permissions.authorize(
        [{ permission: nhiClaimReadPermission }],
        { credentials },
      );
      if (d.result !== AuthorizeResult.ALLOW)
        throw new NotAllowedError('not allowed: nhi.claim.read');
    }
    const p = page(req.query);
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
  });

  router.get('/exceptions', async (req, res) => {
    await caller(req, nhiClaimReadPermission);
    const p = page(req.query);
    const entityRef =
      typeof req.query.entityRef === 'string' && req.query.entityRef
        ? normalizeRef(req.query.entityRef, 'nonhumanidentity', 'entityRef')
        : undefined;
    const result = await claims.store.listExceptions(
      { entityRef, activeOnly: flag(req.query.active, 'active') },
      p,
    );
    res.json(pageOf(result.items, result.totalCount, p));
  });

  router.post('/exceptions/:id/revoke', async (req, res) => {
    const who = await caller(req, nhiExceptionRevokePermission);
    parse(schemas.empty, req.body, 'revocation');
    const exception = await audited(
      req,
      'exception-revoke',
      { exceptionId: req.params.id },
      () => claims.revokeException(req.params.id, who),
    );
    res.json(exception);
  });

  router.get('/audit', async (req, res) => {
    await caller(req, nhiClaimReadPermission);
    if (typeof req.query.entityRef !== 'string' || !req.query.entityRef) {
      throw new InputError('entityRef is required');
    }
    const p = page(req.query);
    const entityRef = normalizeRef(
      req.query.entityRef,
      'nonhumanidentity',
      'entityRef',
    );
    const result = await claims.store.listAudit(entityRef, p);
    res.json(pageOf(result.items, result.totalCount, p));
  });

  return router;
}
