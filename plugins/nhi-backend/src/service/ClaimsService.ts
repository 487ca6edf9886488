import {
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EventsService } from '@backstage/plugin-events-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { PermissionRuleset } from '@backstage/plugin-permission-node';
import {
  ANNOTATION_NHI_SOURCE,
  DAY,
  NHI_EXCEPTIONS_TOPIC,
  NHI_OWNERSHIP_TOPIC,
  NhiApprovedClaim,
  NhiClaim,
  NhiClaimStatus,
  NhiException,
  NhiExceptionPolicy,
  NhiExceptionsEvent,
  NhiFinding,
  nhiFindings,
  NhiOwnershipEvent,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiClaimsConfig, readNhiClaimsConfig } from '../config';
import {
  ClaimsStore,
  ExceptionFilter,
  FindingSeverity,
  PageOfRows,
  PageRequest,
} from '../database/ClaimsStore';
import {
  Caller,
  ClaimsAuthorizer,
  FeedReader,
  NhiAction,
  REVIEWED_SEVERITIES,
} from '../permissions/ClaimsAuthorizer';
import { NhiClaimQuery, NhiClaimResource } from '../permissions/rules';
import { CatalogDirectory, ownerOfIdentity } from './CatalogDirectory';
import { ClaimsNotifier } from './ClaimsNotifier';

/** The rule a leaked credential fires; by default it cannot be accepted. */
export const LEAKED_CREDENTIAL_RULE = 'NHI-LEAKED-CREDENTIAL';

/** What {@link ClaimsService} works with, besides its configuration. */
export interface ClaimsServiceOptions {
  store: ClaimsStore;
  catalog: CatalogService;
  auth: AuthService;
  permissions: PermissionsService;
  /** The rules of `nhi-claim` from the permissions registry. */
  reviewRuleset: PermissionRuleset<NhiClaimResource, NhiClaimQuery>;
  events: EventsService;
  notifications?: NotificationService;
  logger: LoggerService;
}

/** Filters of {@link ClaimsService.listClaims}. */
export interface ClaimsListFilter {
  entityRef?: string;
  groups?: string[];
  statuses?: NhiClaimStatus[];
  /** Only the caller's own claims. */
  mine: boolean;
  /** Only open claims the caller may review. */
  toReview: boolean;
}

/** An accepted risk as the pipeline reads it. */
export interface ActiveException {
  entityRef: string;
  ruleId: string;
  until: string;
  by: string;
}

/**
 * The rules of claims, exceptions and ownership: what may be claimed and
 * accepted, what each decision changes, who is told and what the catalog
 * hears. Every operation takes the {@link Caller} let through for it (see
 * {@link ClaimsService.caller}); who may decide what is asked of the
 * {@link ClaimsAuthorizer}, the catalog is read through the
 * {@link CatalogDirectory}, and the {@link ClaimsStore} is its own.
 */
export class ClaimsService {
  /** The service with `nhi.claims` read from the configuration. */
  static fromConfig(
    config: Config,
    options: ClaimsServiceOptions,
  ): ClaimsService {
    const claimsConfig = readNhiClaimsConfig(config);
    options.logger.info(
      `NHI claims: reviewers ${
        claimsConfig.reviewerGroups.join(', ') || '(no groups)'
      }${claimsConfig.groupLeadsReview ? ' and group leads' : ''}`,
    );
    return ClaimsService.create({ ...options, config: claimsConfig });
  }

  /** The service with settings already read (see {@link readNhiClaimsConfig}). */
  static create(
    options: ClaimsServiceOptions & { config: NhiClaimsConfig },
  ): ClaimsService {
    const directory = new CatalogDirectory(options.catalog, options.auth);
    return new ClaimsService(
      options.store,
      directory,
      ClaimsAuthorizer.create({
        config: options.config,
        permissions: options.permissions,
        auth: options.auth,
        directory,
        reviewRuleset: options.reviewRuleset,
      }),
      new ClaimsNotifier({
        notifications: options.notifications,
        logger: options.logger,
      }),
      options.events,
      options.config,
      options.logger,
    );
  }

  private constructor(
    private readonly store: ClaimsStore,
    private readonly directory: CatalogDirectory,
    private readonly authorizer: ClaimsAuthorizer,
    private readonly notifier: ClaimsNotifier,
    private readonly events: EventsService,
    private readonly config: NhiClaimsConfig,
    private readonly logger: LoggerService,
  ) {}

  /**
   * The user asking to do `action`, let through the permission that guards
   * it, with their groups; a 403 otherwise. The first step of every call.
   */
  caller<A extends NhiAction>(
    credentials: BackstageCredentials,
    action: A,
  ): Promise<Caller<A>> {
    return this.authorizer.caller(credentials, action);
  }

  /** A backend service or a user allowed to read the pipeline's feeds; a 403 otherwise. */
  feedReader(credentials: BackstageCredentials): Promise<FeedReader> {
    return this.authorizer.feedReader(credentials);
  }

  /** Claims as permission rules see them, for the permissions registry. */
  async claimResources(
    ids: string[],
  ): Promise<Array<NhiClaimResource | undefined>> {
    return Promise.all(
      ids.map(async id => {
        const claim = await this.store.getClaim(id);
        return claim ? this.claimResource(claim) : undefined;
      }),
    );
  }

  /**
   * The claim with the leads of its group and, while it is open, the
   * identity's current owner and who speaks for it, for permission rules,
   * review decisions and notifications.
   */
  async claimResource(claim: NhiClaim): Promise<NhiClaimResource> {
    const groupLeads = await this.directory.leadsOfGroup(claim.group);
    if (claim.status !== 'open') {
      return { ...claim, groupLeads, currentOwnerLeads: [] };
    }
    const { owner, claimed } = await this.ownerOf(claim.entityRef);
    if (!owner || owner === claim.group) {
      return { ...claim, groupLeads, currentOwnerLeads: [] };
    }
    return {
      ...claim,
      groupLeads,
      currentOwner: owner,
      currentOwnerClaimed: claimed,
      currentOwnerLeads: await this.directory.speakersFor(owner),
    };
  }

  /**
   * Claims an identity for a group (entity refs already normalized). An
   * identity another group owns makes it a transfer. Refused: an identity
   * declared by hand (400), a group that cannot own identities (400), a
   * group the caller is not in (403), the group that owns it already (409).
   */
  async createClaim(
    caller: Caller<'claim.create'>,
    request: { entityRef: string; group: string; justification: string },
  ): Promise<NhiClaim> {
    const { entityRef, group } = request;
    const identity = await this.directory.identity(
      entityRef,
      caller.credentials,
    );
    if (!identity.metadata.annotations?.[ANNOTATION_NHI_SOURCE]) {
      throw new InputError(
        `${entityRef} is declared in a catalog-info.yaml; change its spec.owner there instead of claiming it`,
      );
    }
    this.assertClaimableGroup(await this.directory.group(group));
    this.authorizer.assertMayClaimFor(caller, group);
    const { owner: currentOwner } = await this.ownerOf(entityRef);
    if (currentOwner === group) {
      throw new ConflictError(`${entityRef} is already owned by ${group}`);
    }
    const claim = await this.store.createClaim({
      entityRef,
      group,
      kind: currentOwner ? 'transfer' : 'claim',
      fromGroup: currentOwner,
      justification: request.justification,
      createdBy: caller.userRef,
    });
    if (this.notifier.enabled) {
      const resource = await this.claimResource(claim);
      await this.notifier.claimRequested(
        resource,
        identity,
        this.authorizer.claimReviewers(resource),
      );
    }
    return claim;
  }

  /** Claims, newest first; open ones say whether the caller may review them. */
  async listClaims(
    caller: Caller<'claim.read'>,
    filter: ClaimsListFilter,
    page: PageRequest,
  ): Promise<PageOfRows<NhiClaim>> {
    const scope = filter.toReview
      ? await this.authorizer.claimsToReview(caller)
      : {};
    const result = await this.store.listClaims(
      {
        entityRef: filter.entityRef,
        groups: filter.groups,
        ...scope,
        statuses: filter.toReview ? ['open'] : filter.statuses,
        createdBy: filter.mine ? caller.userRef : undefined,
      },
      page,
    );
    const items = await Promise.all(
      result.items.map(claim => this.withReview(claim, caller)),
    );
    return {
      items: filter.toReview ? items.filter(c => c.review?.allowed) : items,
      totalCount: result.totalCount,
    };
  }

  /** The claim, saying whether the caller may review it while it is open; or 404. */
  async getClaim(caller: Caller<'claim.read'>, id: string): Promise<NhiClaim> {
    return this.withReview(await this.mustGetClaim(id), caller);
  }

  /** The claim a reviewer is about to decide, or 404. */
  async claimToReview(
    _caller: Caller<'claim.review'>,
    id: string,
  ): Promise<NhiClaim> {
    return this.mustGetClaim(id);
  }

  /**
   * Approves an open claim (see {@link ClaimsService.claimResource}): its
   * group becomes the owner, the previous owner's claim is superseded and
   * competing claims are closed. A 403 unless the caller may review it; a
   * reviewer approving a transfer without the owner's consent gives the
   * reason as `comment` (400 without); a 409 if the owner changed since
   * the claim was read.
   */
  async approveClaim(
    caller: Caller<'claim.review'>,
    claim: NhiClaimResource,
    comment: string | undefined,
  ): Promise<NhiClaim> {
    const decision = await this.authorizer.assertMayReviewClaim(claim, caller);
    if (decision.commentRequired && !comment) {
      throw new InputError(
        `${claim.currentOwner} owns ${claim.entityRef} and has not consented: a reviewer approving this transfer gives the reason as comment`,
      );
    }
    this.assertClaimableGroup(await this.directory.group(claim.group));
    const transfer = claim.currentOwner
      ? {
          from: claim.currentOwner,
          consent: decision.commentRequired ? 'reviewer' : 'owner',
        }
      : undefined;
    const result = await this.store.approveClaim({
      id: claim.id,
      by: caller.userRef,
      comment,
      expectedOwner: claim.currentOwnerClaimed
        ? claim.currentOwner ?? null
        : null,
      details: transfer,
    });
    await this.publishOwnership(result.claim.entityRef, result.claim);
    await this.notifier.claimDecided(result.claim, 'approved', transfer?.from);
    for (const closed of result.closed) {
      await this.notifier.claimDecided(closed, 'closed');
    }
    this.logger.info(
      `NHI claim ${claim.id}: ${claim.entityRef} approved for ${claim.group} by ${caller.userRef}`,
    );
    return result.claim;
  }

  /** Rejects an open claim with a reason; a 403 unless the caller may review it. */
  async rejectClaim(
    caller: Caller<'claim.review'>,
    claim: NhiClaimResource,
    comment: string,
  ): Promise<NhiClaim> {
    await this.authorizer.assertMayReviewClaim(claim, caller);
    const rejected = await this.store.decideClaim({
      id: claim.id,
      by: caller.userRef,
      status: 'rejected',
      comment,
    });
    await this.notifier.claimDecided(rejected, 'rejected', claim.currentOwner);
    return rejected;
  }

  /** Withdraws the caller's own open claim. */
  async withdrawClaim(
    caller: Caller<'claim.withdraw'>,
    id: string,
  ): Promise<NhiClaim> {
    const claim = await this.mustGetClaim(id);
    this.authorizer.assertMayWithdraw(caller, claim);
    return this.store.decideClaim({
      id,
      by: caller.userRef,
      status: 'withdrawn',
    });
  }

  /**
   * Ends the claimed ownership of an identity: members of the owning group
   * or reviewers. An owner from the identity's source or a declaration is
   * not released here (409).
   */
  async releaseOwnership(
    caller: Caller<'ownership.release'>,
    entityRef: string,
    comment: string | undefined,
  ): Promise<NhiClaim> {
    await this.directory.identity(entityRef, caller.credentials);
    const owner = await this.store.currentOwner(entityRef);
    if (!owner) {
      throw new ConflictError(
        `${entityRef} has no claimed owner; an owner from its source or a declaration is changed there`,
      );
    }
    this.authorizer.assertMayRelease(caller, owner.group);
    const released = await this.store.releaseOwnership({
      entityRef,
      by: caller.userRef,
      comment,
    });
    await this.publishOwnership(entityRef, null);
    return released;
  }

  /** The pipeline's feed: approved claims after a claim id, in id order. */
  async approvedOwners(
    _reader: FeedReader,
    page: { after?: string; limit: number },
  ): Promise<Array<NhiApprovedClaim & { claimId: string }>> {
    return (await this.store.approvedClaims(page)).map(toApproved);
  }

  /**
   * Accepts one finding of an identity until a date. Owners accept medium
   * and low findings directly; for a high or critical one their acceptance
   * is a request (`status: 'requested'`) that a reviewer approves or
   * rejects. Reviewers accept directly. Refused (400): a date that is past
   * or beyond the limit for the finding's severity, a rule that is not a
   * finding of the identity, a leaked credential (unless configured).
   */
  async createException(
    caller: Caller<'exception.create'>,
    request: {
      entityRef: string;
      ruleId: string;
      justification: string;
      until: Date;
    },
  ): Promise<NhiException> {
    const { entityRef, ruleId, until } = request;
    const now = Date.now();
    if (until.getTime() <= now) {
      throw new InputError('until must be in the future');
    }
    const identity = await this.directory.identity(
      entityRef,
      caller.credentials,
    );
    const finding = this.acceptableFinding(identity, ruleId);
    const max = this.maxExceptionDays(finding.severity);
    if (until.getTime() - now > max * DAY) {
      throw new InputError(
        `until may be at most ${max} days away for a ${finding.severity} finding`,
      );
    }
    const status = this.authorizer.riskAcceptance(
      caller,
      ownerOfIdentity(identity),
      finding.severity,
    );
    const exception = await this.store.createException({
      entityRef,
      ruleId,
      justification: request.justification,
      until,
      createdBy: caller.userRef,
      status,
      severity: finding.severity,
    });
    if (status === 'requested') {
      await this.notifier.exceptionRequested(
        exception,
        identity,
        this.authorizer.exceptionReviewers(),
      );
    } else {
      await this.publishExceptions(entityRef);
    }
    return exception;
  }

  /** Exceptions, newest first; requests say whether the caller may decide them. */
  async listExceptions(
    caller: Caller<'claim.read'>,
    filter: ExceptionFilter,
    page: PageRequest,
  ): Promise<PageOfRows<NhiException>> {
    const result = await this.store.listExceptions(filter, page);
    return {
      items: await Promise.all(
        result.items.map(async e =>
          e.status === 'requested'
            ? { ...e, review: await this.authorizer.exceptionReview(e, caller) }
            : e,
        ),
      ),
      totalCount: result.totalCount,
    };
  }

  /** The pipeline's feed: every accepted risk in force. */
  async activeExceptions(
    _reader: FeedReader,
    page: PageRequest,
  ): Promise<PageOfRows<ActiveException>> {
    const result = await this.store.listExceptions({ activeOnly: true }, page);
    return {
      items: result.items.map(e => ({
        entityRef: e.entityRef,
        ruleId: e.ruleId,
        until: e.until,
        by: e.createdBy,
      })),
      totalCount: result.totalCount,
    };
  }

  /** What may be accepted and for how long, and whether the caller reviews. */
  async exceptionPolicy(
    caller: Caller<'claim.read'>,
  ): Promise<NhiExceptionPolicy> {
    return {
      maxDays: {
        critical: this.maxExceptionDays('critical'),
        high: this.maxExceptionDays('high'),
        medium: this.maxExceptionDays('medium'),
        low: this.maxExceptionDays('low'),
      },
      reviewRequired: [...REVIEWED_SEVERITIES],
      notAcceptable: this.config.acceptLeakedCredentials
        ? []
        : [LEAKED_CREDENTIAL_RULE],
      reviewer: await this.authorizer.reviewsExceptions(caller),
    };
  }

  /** The exception a reviewer or its author is about to act on, or 404. */
  async exceptionToDecide(
    _caller: Caller<'exception.review' | 'exception.revoke'>,
    id: string,
  ): Promise<NhiException> {
    const exception = await this.store.getException(id);
    if (!exception) throw new NotFoundError(`no exception ${id}`);
    return exception;
  }

  /**
   * Approves or rejects a request to accept a finding: a 403 unless the
   * caller may decide it; an approval needs the finding to be there still
   * (409 otherwise).
   */
  async reviewException(
    caller: Caller<'exception.review'>,
    exception: NhiException,
    decision: 'approved' | 'rejected',
    comment: string | undefined,
  ): Promise<NhiException> {
    await this.authorizer.assertMayReviewException(exception, caller);
    if (decision === 'approved') {
      const identity = await this.directory.identity(
        exception.entityRef,
        caller.credentials,
      );
      try {
        this.acceptableFinding(identity, exception.ruleId);
      } catch (e) {
        if (
          (e as Error).name === 'InputError' &&
          exception.ruleId !== LEAKED_CREDENTIAL_RULE
        ) {
          throw new ConflictError(
            `${exception.ruleId} is no longer a finding of ${exception.entityRef}: there is nothing to accept; reject the request`,
          );
        }
        throw e;
      }
    }
    const reviewed = await this.store.reviewException({
      id: exception.id,
      by: caller.userRef,
      decision,
      comment,
    });
    if (decision === 'approved') {
      await this.publishExceptions(exception.entityRef);
    }
    await this.notifier.exceptionDecided(reviewed, decision);
    return reviewed;
  }

  /**
   * Revokes an accepted risk or withdraws a request: its author, the
   * owners or reviewers.
   */
  async revokeException(
    caller: Caller<'exception.revoke'>,
    exception: NhiException,
  ): Promise<NhiException> {
    const identity = await this.directory.identity(
      exception.entityRef,
      caller.credentials,
    );
    this.authorizer.assertMayRevoke(
      caller,
      exception,
      ownerOfIdentity(identity),
    );
    const revoked = await this.store.revokeException({
      id: exception.id,
      by: caller.userRef,
    });
    if (exception.status === 'active') {
      await this.publishExceptions(exception.entityRef);
    }
    return revoked;
  }

  /** The audit trail of an identity, newest first. */
  async auditTrail(
    _caller: Caller<'claim.read'>,
    entityRef: string,
    page: PageRequest,
  ) {
    return this.store.listAudit(entityRef, page);
  }

  private async mustGetClaim(id: string): Promise<NhiClaim> {
    const claim = await this.store.getClaim(id);
    if (!claim) throw new NotFoundError(`no claim ${id}`);
    return claim;
  }

  private async withReview(claim: NhiClaim, caller: Caller): Promise<NhiClaim> {
    return {
      ...claim,
      review:
        claim.status === 'open'
          ? await this.authorizer.claimReview(
              await this.claimResource(claim),
              caller,
            )
          : undefined,
    };
  }

  /**
   * Who owns an identity now: its approved claim's group, else the owner
   * the catalog shows (from its source, tags or a declaration).
   */
  private async ownerOf(
    entityRef: string,
  ): Promise<{ owner?: string; claimed: boolean }> {
    const claimed = await this.store.currentOwner(entityRef);
    if (claimed) return { owner: claimed.group, claimed: true };
    return {
      owner: await this.directory.catalogOwner(entityRef),
      claimed: false,
    };
  }

  /**
   * Refuses a group that cannot own identities: not of a configured type
   * (`nhi.claims.groups.types`, teams by default) or excluded by name.
   */
  private assertClaimableGroup(group: Entity) {
    const ref = stringifyEntityRef(group);
    const { claimGroupTypes, excludedClaimGroups } = this.config;
    if (excludedClaimGroups.includes(ref)) {
      throw new InputError(
        `${ref} cannot own identities (nhi.claims.groups.exclude); claim for your team`,
      );
    }
    const type =
      typeof group.spec?.type === 'string'
        ? group.spec.type.trim().toLocaleLowerCase('en-US')
        : '';
    if (!claimGroupTypes.includes(type)) {
      throw new InputError(
        `${ref} is ${
          type ? `a group of type ${type}` : 'a group without a type'
        }; identities are claimed for teams (groups of type ${claimGroupTypes.join(
          ' or ',
        )})`,
      );
    }
  }

  /** Longest exception for a finding of this severity, in days. */
  private maxExceptionDays(severity: FindingSeverity): number {
    return REVIEWED_SEVERITIES.includes(severity)
      ? this.config.maxHighRiskExceptionDays
      : this.config.maxExceptionDays;
  }

  /**
   * The finding of a rule on the identity that an exception would accept,
   * or a 400 saying why it cannot be accepted.
   */
  private acceptableFinding(
    identity: NonHumanIdentityEntity,
    ruleId: string,
  ): NhiFinding {
    if (
      ruleId === LEAKED_CREDENTIAL_RULE &&
      !this.config.acceptLeakedCredentials
    ) {
      throw new InputError(
        `${LEAKED_CREDENTIAL_RULE} cannot be accepted: a leaked credential must be rotated (deactivate it and issue a new one)`,
      );
    }
    const finding = nhiFindings(identity.spec.risk).find(
      f => f.ruleId === ruleId,
    );
    if (!finding) {
      throw new InputError(
        `${ruleId} is not a finding of ${stringifyEntityRef(
          identity,
        )}: only what its risk evaluation found can be accepted`,
      );
    }
    return finding;
  }

  private async publishOwnership(entityRef: string, claim: NhiClaim | null) {
    const payload: NhiOwnershipEvent = {
      entityRef,
      claim: claim ? toApproved(claim) : null,
    };
    // Not lost if this fails: the pipeline reads approved claims on every run.
    await this.publish(NHI_OWNERSHIP_TOPIC, payload, 'ownership', entityRef);
  }

  private async publishExceptions(entityRef: string) {
    const { items } = await this.store.listExceptions(
      { entityRef, activeOnly: true },
      { limit: 1000, offset: 0 },
    );
    const payload: NhiExceptionsEvent = {
      entityRef,
      accepted: items.map(e => ({
        ruleId: e.ruleId,
        until: e.until,
        by: e.createdBy,
      })),
    };
    await this.publish(NHI_EXCEPTIONS_TOPIC, payload, 'exceptions', entityRef);
  }

  private async publish(
    topic: string,
    eventPayload: NhiOwnershipEvent | NhiExceptionsEvent,
    what: string,
    entityRef: string,
  ) {
    try {
      await this.events.publish({ topic, eventPayload });
    } catch (e) {
      this.logger.warn(
        `NHI ${what} event for ${entityRef} not published: ${e}`,
      );
    }
  }
}

/** The pipeline's view of an approved claim. */
export function toApproved(
  claim: NhiClaim,
): NhiApprovedClaim & { claimId: string } {
  return {
    entityRef: claim.entityRef,
    owner: claim.group,
    claimedBy: claim.createdBy,
    approvedBy: claim.decidedBy ?? 'unknown',
    approvedAt: claim.decidedAt ?? claim.createdAt,
    claimId: claim.id,
  };
}
