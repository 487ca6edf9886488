import {
  AuthService,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EventsService } from '@backstage/plugin-events-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import {
  ANNOTATION_NHI_LEADS,
  ANNOTATION_NHI_SOURCE,
  isNonHumanIdentityEntity,
  NHI_EXCEPTIONS_TOPIC,
  NHI_OWNERSHIP_TOPIC,
  NhiApprovedClaim,
  NhiClaim,
  NhiException,
  NhiExceptionPolicy,
  NhiExceptionsEvent,
  NhiFinding,
  nhiFindings,
  NhiOwnershipEvent,
  NhiReviewDecision,
  nhiRuleById,
  NonHumanIdentityEntity,
} from '@backstage-nhi/nhi-common';
import { NhiClaimsConfig } from '../config';
import { ClaimsStore, FindingSeverity } from '../database/ClaimsStore';
import { NhiClaimResource } from '../permissions/rules';

const DAY = 86_400_000;

/** The rule a leaked credential fires; by default it cannot be accepted. */
export const LEAKED_CREDENTIAL_RULE = 'NHI-LEAKED-CREDENTIAL';

/** Severities whose acceptance by an owner waits for a reviewer. */
export const REVIEWED_SEVERITIES: FindingSeverity[] = ['critical', 'high'];

/** Who is asking, with the groups they belong to. */
export interface Caller {
  userRef: string;
  credentials: BackstageCredentials;
  groups: string[];
}

/** Normalizes a ref to `kind:namespace/name`, or throws a 400 naming the field. */
export function normalizeRef(
  value: string,
  defaultKind: string,
  field: string,
): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(value.trim(), {
        defaultKind,
        defaultNamespace: 'default',
      }),
    );
  } catch {
    throw new InputError(`${field} is not an entity ref: ${value}`);
  }
}

/**
 * The rules of claims, exceptions and ownership, around the store: who may
 * claim what, who reviews, what each decision changes, who is told. Catalog
 * reads use the caller's credentials, so an identity they cannot see is a
 * 404 for them.
 */
export class ClaimsService {
  constructor(
    private readonly options: {
      store: ClaimsStore;
      catalog: CatalogService;
      auth: AuthService;
      events: EventsService;
      notifications?: NotificationService;
      config: NhiClaimsConfig;
      logger: LoggerService;
    },
  ) {}

  get store() {
    return this.options.store;
  }

  /** Groups whose members review every claim. */
  async reviewerGroups(): Promise<string[]> {
    return this.options.config.reviewerGroups;
  }

  /** Whether reviewers may decide their own claims. */
  get allowSelfApproval(): boolean {
    return this.options.config.allowSelfApproval;
  }

  /** The caller's groups, from their User entity's memberOf relations. */
  async groupsOf(userRef: string): Promise<string[]> {
    const user = await this.options.catalog.getEntityByRef(userRef, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    return (user?.relations ?? [])
      .filter(r => r.type === RELATION_MEMBER_OF)
      .map(r => r.targetRef);
  }

  /** The identity, or 404 (unknown, not visible to the caller, or not an NHI). */
  async identity(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<NonHumanIdentityEntity> {
    const entity = await this.options.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity || !isNonHumanIdentityEntity(entity)) {
      throw new NotFoundError(`no non-human identity ${entityRef}`);
    }
    return entity;
  }

  private async group(groupRef: string): Promise<Entity> {
    const group = await this.options.catalog.getEntityByRef(groupRef, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    if (!group || group.kind.toLowerCase() !== 'group') {
      throw new NotFoundError(`no group ${groupRef}`);
    }
    return group;
  }

  /**
   * Refuses a group that cannot own identities: not of a configured type
   * (`nhi.claims.groups.types`, teams by default) or excluded by name.
   */
  assertClaimableGroup(group: Entity) {
    const ref = stringifyEntityRef(group);
    const { claimGroupTypes, excludedClaimGroups } = this.options.config;
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

  /**
   * Who owns an identity now: its approved claim's group, else the owner
   * the catalog shows (from its source, tags or a declaration).
   */
  async ownerOf(
    entityRef: string,
  ): Promise<{ owner?: string; claimed: boolean }> {
    const claimed = await this.options.store.currentOwner(entityRef);
    if (claimed) return { owner: claimed.group, claimed: true };
    const entity = await this.options.catalog.getEntityByRef(entityRef, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    const owner =
      entity && isNonHumanIdentityEntity(entity)
        ? entity.spec.owner
        : undefined;
    return {
      owner: owner ? normalizeRef(owner, 'group', 'owner') : undefined,
      claimed: false,
    };
  }

  /**
   * Who speaks for an owner: the leads of an owning group, or the owning
   * user themselves.
   */
  private async speakersFor(owner: string): Promise<string[]> {
    if (owner.startsWith('user:')) return [owner];
    try {
      return this.leadsOf(await this.group(owner));
    } catch {
      return [];
    }
  }

  /** Leads of a group from its `backstage-nhi.io/leads` annotation. */
  leadsOf(group: Entity): string[] {
    return (group.metadata.annotations?.[ANNOTATION_NHI_LEADS] ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean)
      .map(s =>
        normalizeRef(
          s,
          'user',
          `${ANNOTATION_NHI_LEADS} of ${stringifyEntityRef(group)}`,
        ),
      );
  }

  /** The groups whose leads include the user (for "to review"). */
  async groupsLedBy(userRef: string): Promise<string[]> {
    const led: string[] = [];
    for await (const page of this.options.catalog.streamEntities(
      {
        filter: { kind: 'Group' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      { credentials: await this.options.auth.getOwnServiceCredentials() },
    )) {
      for (const g of page) {
        if (this.leadsOf(g).includes(userRef)) led.push(stringifyEntityRef(g));
      }
    }
    return led;
  }

  /**
   * The claim with the leads of its group and, while it is open, the
   * identity's current owner and its leads, for permission rules and
   * review decisions.
   */
  async claimResource(claim: NhiClaim): Promise<NhiClaimResource> {
    let groupLeads: string[] = [];
    try {
      groupLeads = this.leadsOf(await this.group(claim.group));
    } catch {
      groupLeads = [];
    }
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
      currentOwnerLeads: await this.speakersFor(owner),
    };
  }

  /**
   * Whether the caller may review a claim under the configuration (reviewer
   * groups, group leads, self-approval), and why not. The permission policy
   * decides on top of this.
   */
  reviewEligibility(
    claim: NhiClaimResource,
    caller: Pick<Caller, 'userRef' | 'groups'>,
  ): NhiReviewDecision {
    const { config } = this.options;
    if (claim.status !== 'open') {
      return { allowed: false, reason: `the claim is ${claim.status}` };
    }
    if (claim.createdBy === caller.userRef && !config.allowSelfApproval) {
      return { allowed: false, reason: 'nobody reviews their own claim' };
    }
    if (claim.currentOwner) {
      // A transfer: the owner consents, or a reviewer decides with a reason.
      const owner = claim.currentOwner;
      if (
        config.groupLeadsReview &&
        claim.currentOwnerLeads.includes(caller.userRef)
      ) {
        return { allowed: true };
      }
      if (this.isReviewer(caller)) {
        return { allowed: true, commentRequired: true };
      }
      const who = [
        config.groupLeadsReview
          ? `${
              owner.startsWith('user:') ? owner : `a lead of ${owner}`
            } (its owner today)`
          : undefined,
        config.reviewerGroups.length
          ? `members of ${config.reviewerGroups.join(', ')} (with a reason)`
          : undefined,
      ].filter(Boolean);
      return {
        allowed: false,
        reason: who.length
          ? `${owner} owns it: only ${who.join(' or ')} decide this transfer`
          : 'no reviewers are configured',
      };
    }
    if (this.isReviewer(caller)) {
      return { allowed: true };
    }
    if (config.groupLeadsReview && claim.groupLeads.includes(caller.userRef)) {
      return { allowed: true };
    }
    const who = [
      config.reviewerGroups.length
        ? `members of ${config.reviewerGroups.join(', ')}`
        : undefined,
      config.groupLeadsReview ? `leads of ${claim.group}` : undefined,
    ].filter(Boolean);
    return {
      allowed: false,
      reason: who.length
        ? `only ${who.join(' or ')} review this claim`
        : 'no reviewers are configured',
    };
  }

  async createClaim(
    request: { entityRef: string; group: string; justification: string },
    caller: Caller,
  ): Promise<NhiClaim> {
    const entityRef = normalizeRef(
      request.entityRef,
      'nonhumanidentity',
      'entityRef',
    );
    const groupRef = normalizeRef(request.group, 'group', 'group');
    if (!groupRef.startsWith('group:')) {
      throw new InputError(`group must be a Group, got ${groupRef}`);
    }
    const identity = await this.identity(entityRef, caller.credentials);
    if (!identity.metadata.annotations?.[ANNOTATION_NHI_SOURCE]) {
      throw new InputError(
        `${entityRef} is declared in a catalog-info.yaml; change its spec.owner there instead of claiming it`,
      );
    }
    this.assertClaimableGroup(await this.group(groupRef));
    if (
      this.options.config.requireMembership &&
      !caller.groups.includes(groupRef)
    ) {
      throw new NotAllowedError(
        `you can only claim for a group you belong to; you are not in ${groupRef}`,
      );
    }
    const { owner: currentOwner } = await this.ownerOf(entityRef);
    if (currentOwner === groupRef) {
      throw new ConflictError(`${entityRef} is already owned by ${groupRef}`);
    }
    const claim = await this.options.store.createClaim({
      entityRef,
      group: groupRef,
      kind: currentOwner ? 'transfer' : 'claim',
      fromGroup: currentOwner,
      justification: request.justification,
      createdBy: caller.userRef,
    });
    await this.notifyReviewers(claim, identity);
    return claim;
  }

  /**
   * Approves an open claim the caller may review (`decision` from
   * {@link ClaimsService.reviewEligibility} and the policy). A transfer
   * decided by a reviewer without the owner's consent needs a comment; the
   * approval fails if the owner changed since the decision was computed.
   */
  async approveClaim(
    claim: NhiClaimResource,
    comment: string | undefined,
    caller: Caller,
    decision: NhiReviewDecision,
  ) {
    if (decision.commentRequired && !comment) {
      throw new InputError(
        `${claim.currentOwner} owns ${claim.entityRef} and has not consented: a reviewer approving this transfer gives the reason as comment`,
      );
    }
    this.assertClaimableGroup(await this.group(claim.group));
    const transfer = claim.currentOwner
      ? {
          from: claim.currentOwner,
          consent: decision.commentRequired ? 'reviewer' : 'owner',
        }
      : undefined;
    const result = await this.options.store.approveClaim({
      id: claim.id,
      by: caller.userRef,
      comment,
      expectedOwner: claim.currentOwnerClaimed
        ? claim.currentOwner ?? null
        : null,
      details: transfer,
    });
    await this.publishOwnership(result.claim.entityRef, result.claim);
    await this.notifyClaimant(result.claim, 'approved', transfer?.from);
    for (const closed of result.closed) {
      await this.notifyClaimant(closed, 'closed');
    }
    this.options.logger.info(
      `NHI claim ${claim.id}: ${claim.entityRef} approved for ${claim.group} by ${caller.userRef}`,
    );
    return result;
  }

  async rejectClaim(claim: NhiClaimResource, comment: string, caller: Caller) {
    const rejected = await this.options.store.decideClaim({
      id: claim.id,
      by: caller.userRef,
      status: 'rejected',
      comment,
    });
    await this.notifyClaimant(rejected, 'rejected', claim.currentOwner);
    return rejected;
  }

  async withdrawClaim(id: string, caller: Caller) {
    const claim = await this.mustGetClaim(id);
    if (claim.createdBy !== caller.userRef) {
      throw new NotAllowedError('only the claimant can withdraw a claim');
    }
    return this.options.store.decideClaim({
      id,
      by: caller.userRef,
      status: 'withdrawn',
    });
  }

  async releaseOwnership(
    entityRefInput: string,
    comment: string | undefined,
    caller: Caller,
  ) {
    const entityRef = normalizeRef(
      entityRefInput,
      'nonhumanidentity',
      'entityRef',
    );
    await this.identity(entityRef, caller.credentials);
    const owner = await this.options.store.currentOwner(entityRef);
    if (!owner) {
      throw new ConflictError(
        `${entityRef} has no claimed owner; an owner from its source or a declaration is changed there`,
      );
    }
    if (!caller.groups.includes(owner.group) && !this.isReviewer(caller)) {
      throw new NotAllowedError(
        `only members of ${owner.group} or reviewers can release it`,
      );
    }
    const released = await this.options.store.releaseOwnership({
      entityRef,
      by: caller.userRef,
      comment,
    });
    await this.publishOwnership(entityRef, null);
    return released;
  }

  /** Whether the caller is in a reviewer group (reviews everything). */
  isReviewer(caller: Pick<Caller, 'groups'>) {
    return this.options.config.reviewerGroups.some(g =>
      caller.groups.includes(g),
    );
  }

  /** Longest exception for a finding of this severity, in days. */
  maxExceptionDays(severity: FindingSeverity): number {
    const { config } = this.options;
    return REVIEWED_SEVERITIES.includes(severity)
      ? config.maxHighRiskExceptionDays
      : config.maxExceptionDays;
  }

  /** What may be accepted and for how long, and whether the caller reviews. */
  exceptionPolicy(caller: Pick<Caller, 'groups'>): NhiExceptionPolicy {
    return {
      maxDays: {
        critical: this.maxExceptionDays('critical'),
        high: this.maxExceptionDays('high'),
        medium: this.maxExceptionDays('medium'),
        low: this.maxExceptionDays('low'),
      },
      reviewRequired: [...REVIEWED_SEVERITIES],
      notAcceptable: this.options.config.acceptLeakedCredentials
        ? []
        : [LEAKED_CREDENTIAL_RULE],
      reviewer: this.isReviewer(caller),
    };
  }

  /**
   * The finding of a rule on the identity that an exception would accept,
   * or a 400 saying why it cannot be accepted.
   */
  private acceptableFinding(
    identity: NonHumanIdentityEntity,
    ruleId: string,
  ): NhiFinding {
    const entityRef = stringifyEntityRef(identity);
    if (
      ruleId === LEAKED_CREDENTIAL_RULE &&
      !this.options.config.acceptLeakedCredentials
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
        `${ruleId} is not a finding of ${entityRef}: only what its risk evaluation found can be accepted`,
      );
    }
    return finding;
  }

  /**
   * Accepts one finding of an identity until a date. Owners accept medium
   * and low findings directly; for a high or critical one their acceptance
   * is a request (`status: 'requested'`) that a reviewer approves or
   * rejects. Reviewers accept directly. Refused (400): a rule that is not a
   * finding of the identity, a leaked credential (unless configured), a date
   * past the limit for the finding's severity.
   */
  async createException(
    request: {
      entityRef: string;
      ruleId: string;
      justification: string;
      until: string;
    },
    caller: Caller,
  ): Promise<NhiException> {
    const entityRef = normalizeRef(
      request.entityRef,
      'nonhumanidentity',
      'entityRef',
    );
    if (!nhiRuleById(request.ruleId)) {
      throw new InputError(
        `ruleId: there is no rule ${request.ruleId} (see docs/rules.md)`,
      );
    }
    const until = new Date(request.until);
    const now = Date.now();
    if (Number.isNaN(until.getTime())) {
      throw new InputError(`until: not an ISO 8601 date: ${request.until}`);
    }
    if (until.getTime() <= now)
      throw new InputError('until must be in the future');
    const identity = await this.identity(entityRef, caller.credentials);
    const finding = this.acceptableFinding(identity, request.ruleId);
    const max = this.maxExceptionDays(finding.severity);
    if (until.getTime() - now > max * DAY) {
      throw new InputError(
        `until may be at most ${max} days away for a ${finding.severity} finding`,
      );
    }
    const owner = identity.spec.owner
      ? normalizeRef(identity.spec.owner, 'group', 'owner')
      : undefined;
    const reviewer = this.isReviewer(caller);
    if (!(owner && caller.groups.includes(owner)) && !reviewer) {
      throw new NotAllowedError(
        owner
          ? `only members of ${owner} or reviewers can accept a risk on this identity`
          : 'only reviewers can accept a risk on an unowned identity',
      );
    }
    const requested =
      REVIEWED_SEVERITIES.includes(finding.severity) && !reviewer;
    const exception = await this.options.store.createException({
      entityRef,
      ruleId: request.ruleId,
      justification: request.justification,
      until,
      createdBy: caller.userRef,
      status: requested ? 'requested' : 'active',
      severity: finding.severity,
    });
    if (requested) {
      await this.notifyExceptionReviewers(exception, identity);
    } else {
      await this.publishExceptions(entityRef);
    }
    return exception;
  }

  /**
   * Whether the caller may approve or reject an exception request under the
   * configuration (reviewer groups, self-approval). The permission
   * `nhi.exception.review` decides on top of this.
   */
  exceptionReviewEligibility(
    exception: NhiException,
    caller: Pick<Caller, 'userRef' | 'groups'>,
  ): NhiReviewDecision {
    const { config } = this.options;
    if (exception.status !== 'requested') {
      return {
        allowed: false,
        reason:
          exception.status === 'expired' && !exception.reviewedBy
            ? 'the request expired before anyone decided'
            : `it is ${exception.status}, not a request waiting for review`,
      };
    }
    if (exception.createdBy === caller.userRef && !config.allowSelfApproval) {
      return { allowed: false, reason: 'nobody reviews their own request' };
    }
    if (this.isReviewer(caller)) return { allowed: true };
    return {
      allowed: false,
      reason: config.reviewerGroups.length
        ? `only members of ${config.reviewerGroups.join(
            ', ',
          )} decide requests to accept a ${
            exception.severity ?? 'high or critical'
          } finding`
        : 'no reviewers are configured',
    };
  }

  /** The exception, or 404. */
  async mustGetException(id: string): Promise<NhiException> {
    const exception = await this.options.store.getException(id);
    if (!exception) throw new NotFoundError(`no exception ${id}`);
    return exception;
  }

  /**
   * Approves or rejects a request to accept a finding. The caller's
   * eligibility (and the permission) is checked by the router; here the
   * finding must still be there to be accepted.
   */
  async reviewException(
    exception: NhiException,
    decision: 'approved' | 'rejected',
    comment: string | undefined,
    caller: Caller,
  ): Promise<NhiException> {
    if (decision === 'approved') {
      const identity = await this.identity(
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
    const reviewed = await this.options.store.reviewException({
      id: exception.id,
      by: caller.userRef,
      decision,
      comment,
    });
    if (decision === 'approved') {
      await this.publishExceptions(exception.entityRef);
    }
    await this.notifyRequester(reviewed, decision);
    return reviewed;
  }

  /**
   * Revokes an accepted risk or withdraws a request: its author, the
   * owners or reviewers.
   */
  async revokeException(id: string, caller: Caller): Promise<NhiException> {
    const existing = await this.mustGetException(id);
    const identity = await this.identity(
      existing.entityRef,
      caller.credentials,
    );
    const owner = identity.spec.owner
      ? normalizeRef(identity.spec.owner, 'group', 'owner')
      : undefined;
    if (
      existing.createdBy !== caller.userRef &&
      !(owner && caller.groups.includes(owner)) &&
      !this.isReviewer(caller)
    ) {
      throw new NotAllowedError(
        'only its author, the owners or reviewers can revoke it',
      );
    }
    const revoked = await this.options.store.revokeException({
      id,
      by: caller.userRef,
    });
    if (existing.status === 'active') {
      await this.publishExceptions(existing.entityRef);
    }
    return revoked;
  }

  async mustGetClaim(id: string): Promise<NhiClaim> {
    const claim = await this.options.store.getClaim(id);
    if (!claim) throw new NotFoundError(`no claim ${id}`);
    return claim;
  }

  private async publishOwnership(entityRef: string, claim: NhiClaim | null) {
    const payload: NhiOwnershipEvent = {
      entityRef,
      claim: claim ? toApproved(claim) : null,
    };
    try {
      await this.options.events.publish({
        topic: NHI_OWNERSHIP_TOPIC,
        eventPayload: payload,
      });
    } catch (e) {
      // Not lost: the pipeline reads approved claims on every run.
      this.options.logger.warn(
        `NHI ownership event for ${entityRef} not published: ${e}`,
      );
    }
  }

  private async publishExceptions(entityRef: string) {
    const { items } = await this.options.store.listExceptions(
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
    try {
      await this.options.events.publish({
        topic: NHI_EXCEPTIONS_TOPIC,
        eventPayload: payload,
      });
    } catch (e) {
      this.options.logger.warn(
        `NHI exceptions event for ${entityRef} not published: ${e}`,
      );
    }
  }

  private link(entityRef: string) {
    const { namespace, name } = parseEntityRef(entityRef);
    return `/catalog/${namespace}/nonhumanidentity/${name}`;
  }

  private async notifyReviewers(
    claim: NhiClaim,
    identity: NonHumanIdentityEntity,
  ) {
    const { notifications, config } = this.options;
    if (!notifications) return;
    const resource = await this.claimResource(claim);
    const name = identity.metadata.title ?? identity.metadata.name;
    let recipients: string[];
    let title: string;
    let description = `${claim.createdBy}: ${claim.justification}`;
    if (resource.currentOwner) {
      // Both teams hear of it; the owner's leads and the reviewers decide.
      recipients = [
        ...config.reviewerGroups,
        ...(config.groupLeadsReview ? resource.currentOwnerLeads : []),
        resource.currentOwner,
        claim.group,
      ];
      title = `Transfer requested: ${name} from ${resource.currentOwner} to ${claim.group}`;
      description += ` — a lead of ${resource.currentOwner} consents, or a reviewer decides with a reason.`;
    } else {
      recipients = [
        ...config.reviewerGroups,
        ...(config.groupLeadsReview ? resource.groupLeads : []),
      ];
      title = `Ownership claim: ${name} for ${claim.group}`;
    }
    recipients = [...new Set(recipients)];
    if (!recipients.length) return;
    try {
      await notifications.send({
        recipients: {
          type: 'entity',
          entityRef: recipients,
          excludeEntityRef: claim.createdBy,
        },
        payload: {
          title,
          description,
          link: this.link(claim.entityRef),
          severity: 'normal',
          topic: 'nhi-claims',
        },
      });
    } catch (e) {
      this.options.logger.warn(
        `NHI claim ${claim.id}: reviewers not notified: ${e}`,
      );
    }
  }

  /**
   * Tells the claimant the outcome; for a decided transfer, both teams as
   * well (`from` is the group it was to be taken from).
   */
  private async notifyClaimant(
    claim: NhiClaim,
    outcome: 'approved' | 'rejected' | 'closed',
    from?: string,
  ) {
    const { notifications } = this.options;
    if (!notifications) return;
    const text = {
      approved: `approved: ${claim.group} now owns it`,
      rejected: `rejected${claim.comment ? `: ${claim.comment}` : ''}`,
      closed: `closed: ${claim.closedReason ?? 'another claim was approved'}`,
    }[outcome];
    const recipients = from
      ? [...new Set([claim.createdBy, from, claim.group])]
      : claim.createdBy;
    try {
      await notifications.send({
        recipients: { type: 'entity', entityRef: recipients },
        payload: {
          title: from
            ? `Transfer of ${claim.entityRef} from ${from} to ${claim.group} ${outcome}`
            : `Your claim of ${claim.entityRef} was ${outcome}`,
          description: `${
            from
              ? `Transfer to ${claim.group} requested by ${claim.createdBy}`
              : `Claim for ${claim.group}`
          } ${text}`,
          link: this.link(claim.entityRef),
          severity: outcome === 'approved' ? 'normal' : 'low',
          topic: 'nhi-claims',
        },
      });
    } catch (e) {
      this.options.logger.warn(
        `NHI claim ${claim.id}: claimant not notified: ${e}`,
      );
    }
  }

  private async notifyExceptionReviewers(
    exception: NhiException,
    identity: NonHumanIdentityEntity,
  ) {
    const { notifications, config } = this.options;
    if (!notifications || !config.reviewerGroups.length) return;
    const rule = nhiRuleById(exception.ruleId);
    try {
      await notifications.send({
        recipients: {
          type: 'entity',
          entityRef: config.reviewerGroups,
          excludeEntityRef: exception.createdBy,
        },
        payload: {
          title: `Risk acceptance requested: ${
            rule?.title ?? exception.ruleId
          } (${exception.severity}) on ${
            identity.metadata.title ?? identity.metadata.name
          }`,
          description: `${exception.createdBy} asks to accept ${
            exception.ruleId
          } until ${exception.until.slice(0, 10)}: ${exception.justification}`,
          link: this.link(exception.entityRef),
          severity: 'normal',
          topic: 'nhi-exceptions',
        },
      });
    } catch (e) {
      this.options.logger.warn(
        `NHI exception ${exception.id}: reviewers not notified: ${e}`,
      );
    }
  }

  private async notifyRequester(
    exception: NhiException,
    decision: 'approved' | 'rejected',
  ) {
    const { notifications } = this.options;
    if (!notifications) return;
    try {
      await notifications.send({
        recipients: { type: 'entity', entityRef: exception.createdBy },
        payload: {
          title: `Your request to accept ${exception.ruleId} on ${exception.entityRef} was ${decision}`,
          description: `${exception.reviewedBy ?? 'A reviewer'} ${decision} it${
            exception.reviewComment ? `: ${exception.reviewComment}` : ''
          }`,
          link: this.link(exception.entityRef),
          severity: decision === 'approved' ? 'normal' : 'low',
          topic: 'nhi-exceptions',
        },
      });
    } catch (e) {
      this.options.logger.warn(
        `NHI exception ${exception.id}: requester not notified: ${e}`,
      );
    }
  }
}

/** The pipeline's view of an approved claim. */
export function toApproved(claim: NhiClaim): NhiApprovedClaim {
  return {
    entityRef: claim.entityRef,
    owner: claim.group,
    claimedBy: claim.createdBy,
    approvedBy: claim.decidedBy ?? 'unknown',
    approvedAt: claim.decidedAt ?? claim.createdAt,
    claimId: claim.id,
  };
}
