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
  NHI_RULES,
  NhiApprovedClaim,
  NhiClaim,
  NhiException,
  NhiExceptionsEvent,
  NhiOwnershipEvent,
  NonHumanIdentityEntity,
} from '@backstage-nhi/nhi-common';
import { NhiClaimsConfig } from '../config';
import { ClaimsStore } from '../database/ClaimsStore';
import { NhiClaimResource } from '../permissions/rules';

const DAY = 86_400_000;

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

  /** The claim with the leads of its group, for permission rules. */
  async claimResource(claim: NhiClaim): Promise<NhiClaimResource> {
    let groupLeads: string[] = [];
    try {
      groupLeads = this.leadsOf(await this.group(claim.group));
    } catch {
      groupLeads = [];
    }
    return { ...claim, groupLeads };
  }

  /**
   * Whether the caller may review a claim under the configuration (reviewer
   * groups, group leads, self-approval), and why not. The permission policy
   * decides on top of this.
   */
  reviewEligibility(
    claim: NhiClaimResource,
    caller: Pick<Caller, 'userRef' | 'groups'>,
  ): { allowed: boolean; reason?: string } {
    const { config } = this.options;
    if (claim.status !== 'open') {
      return { allowed: false, reason: `the claim is ${claim.status}` };
    }
    if (claim.createdBy === caller.userRef && !config.allowSelfApproval) {
      return { allowed: false, reason: 'nobody reviews their own claim' };
    }
    if (config.reviewerGroups.some(g => caller.groups.includes(g))) {
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
    await this.group(groupRef);
    if (
      this.options.config.requireMembership &&
      !caller.groups.includes(groupRef)
    ) {
      throw new NotAllowedError(
        `you can only claim for a group you belong to; you are not in ${groupRef}`,
      );
    }
    const currentOwner = identity.spec.owner
      ? normalizeRef(identity.spec.owner, 'group', 'owner')
      : undefined;
    if (currentOwner === groupRef) {
      throw new ConflictError(`${entityRef} is already owned by ${groupRef}`);
    }
    const claim = await this.options.store.createClaim({
      entityRef,
      group: groupRef,
      kind: currentOwner ? 'transfer' : 'claim',
      justification: request.justification,
      createdBy: caller.userRef,
    });
    await this.notifyReviewers(claim, identity);
    return claim;
  }

  async approveClaim(id: string, comment: string | undefined, caller: Caller) {
    const claim = await this.mustGetClaim(id);
    const result = await this.options.store.approveClaim({
      id,
      by: caller.userRef,
      comment,
    });
    await this.publishOwnership(result.claim.entityRef, result.claim);
    await this.notifyClaimant(result.claim, 'approved');
    for (const closed of result.closed) {
      await this.notifyClaimant(closed, 'closed');
    }
    this.options.logger.info(
      `NHI claim ${id}: ${claim.entityRef} approved for ${claim.group} by ${caller.userRef}`,
    );
    return result;
  }

  async rejectClaim(id: string, comment: string, caller: Caller) {
    const claim = await this.options.store.decideClaim({
      id,
      by: caller.userRef,
      status: 'rejected',
      comment,
    });
    await this.notifyClaimant(claim, 'rejected');
    return claim;
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

  private isReviewer(caller: Pick<Caller, 'groups'>) {
    return this.options.config.reviewerGroups.some(g =>
      caller.groups.includes(g),
    );
  }

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
    if (!NHI_RULES.some(r => r.id === request.ruleId)) {
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
    const max = this.options.config.maxExceptionDays;
    if (until.getTime() - now > max * DAY) {
      throw new InputError(`until may be at most ${max} days away`);
    }
    const identity = await this.identity(entityRef, caller.credentials);
    const owner = identity.spec.owner
      ? normalizeRef(identity.spec.owner, 'group', 'owner')
      : undefined;
    if (!(owner && caller.groups.includes(owner)) && !this.isReviewer(caller)) {
      throw new NotAllowedError(
        owner
          ? `only members of ${owner} or reviewers can accept a risk on this identity`
          : 'only reviewers can accept a risk on an unowned identity',
      );
    }
    const exception = await this.options.store.createException({
      entityRef,
      ruleId: request.ruleId,
      justification: request.justification,
      until,
      createdBy: caller.userRef,
    });
    await this.publishExceptions(entityRef);
    return exception;
  }

  async revokeException(id: string, caller: Caller): Promise<NhiException> {
    const existing = await this.options.store.getException(id);
    if (!existing) throw new NotFoundError(`no exception ${id}`);
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
    await this.publishExceptions(existing.entityRef);
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
    let leads: string[] = [];
    if (config.groupLeadsReview) {
      leads = (await this.claimResource(claim)).groupLeads;
    }
    const recipients = [...new Set([...config.reviewerGroups, ...leads])];
    if (!recipients.length) return;
    try {
      await notifications.send({
        recipients: {
          type: 'entity',
          entityRef: recipients,
          excludeEntityRef: claim.createdBy,
        },
        payload: {
          title: `${
            claim.kind === 'transfer' ? 'Transfer' : 'Ownership claim'
          }: ${identity.metadata.title ?? identity.metadata.name} for ${
            claim.group
          }`,
          description: `${claim.createdBy}: ${claim.justification}`,
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

  private async notifyClaimant(
    claim: NhiClaim,
    outcome: 'approved' | 'rejected' | 'closed',
  ) {
    const { notifications } = this.options;
    if (!notifications) return;
    const text = {
      approved: `approved: ${claim.group} now owns it`,
      rejected: `rejected${claim.comment ? `: ${claim.comment}` : ''}`,
      closed: `closed: ${claim.closedReason ?? 'another claim was approved'}`,
    }[outcome];
    try {
      await notifications.send({
        recipients: { type: 'entity', entityRef: claim.createdBy },
        payload: {
          title: `Your claim of ${claim.entityRef} was ${outcome}`,
          description: `Claim for ${claim.group} ${text}`,
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
