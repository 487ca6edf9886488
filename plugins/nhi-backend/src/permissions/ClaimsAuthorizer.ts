import {
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  isResourcePermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  NhiCampaign,
  nhiCampaignDecidePermission,
  nhiCampaignManagePermission,
  nhiCampaignReadPermission,
  nhiClaimCreatePermission,
  nhiClaimReadPermission,
  nhiClaimReviewPermission,
  nhiClaimWithdrawPermission,
  nhiExceptionCreatePermission,
  nhiExceptionReviewPermission,
  nhiExceptionRevokePermission,
  nhiOwnershipReleasePermission,
  NhiClaim,
  NhiException,
  NhiReviewDecision,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiClaimsConfig } from '../config';
import { ReviewerScope } from '../database/CampaignsStore';
import { FindingSeverity } from '../database/ClaimsStore';
import { CatalogDirectory } from '../service/CatalogDirectory';
import {
  NhiCampaignItemQuery,
  NhiCampaignItemResource,
  NhiClaimQuery,
  NhiClaimResource,
} from './rules';

/** The permission that guards each thing a user asks the claims backend to do. */
const GUARDS = {
  'claim.create': nhiClaimCreatePermission,
  'claim.read': nhiClaimReadPermission,
  'claim.review': nhiClaimReviewPermission,
  'claim.withdraw': nhiClaimWithdrawPermission,
  'ownership.release': nhiOwnershipReleasePermission,
  'exception.create': nhiExceptionCreatePermission,
  'exception.review': nhiExceptionReviewPermission,
  'exception.revoke': nhiExceptionRevokePermission,
  'campaign.read': nhiCampaignReadPermission,
  'campaign.manage': nhiCampaignManagePermission,
  'campaign.decide': nhiCampaignDecidePermission,
} satisfies Record<string, Permission>;

/** What a user asks the claims backend to do; each is guarded by one permission. */
export type NhiAction = keyof typeof GUARDS;

/**
 * A user let through the permission that guards `action`, with the groups
 * they belong to. Only {@link ClaimsAuthorizer.caller} makes one; the
 * service's operations take the one of their action, so that none runs
 * for a caller who was not let through.
 */
export interface Caller<A extends NhiAction = NhiAction> {
  readonly action: A;
  readonly userRef: string;
  readonly credentials: BackstageCredentials<BackstageUserPrincipal>;
  readonly groups: string[];
}

/**
 * A reader of the pipeline's feeds (approved owners, accepted risks): a
 * backend service, or a user with `nhi.claim.read`. Only
 * {@link ClaimsAuthorizer.feedReader} makes one.
 */
export interface FeedReader {
  readonly action: 'feed.read';
  readonly credentials: BackstageCredentials;
}

/** Severities whose acceptance by an owner waits for a reviewer. */
export const REVIEWED_SEVERITIES: FindingSeverity[] = ['critical', 'high'];

/**
 * What the permission policy said about a caller, asked at most once per
 * request: the conditional decision of `nhi.claim.review`, and whether
 * `nhi.exception.review` is allowed.
 */
type PolicyDecisions = {
  claimReview?: Promise<PolicyDecision>;
  exceptionReview?: Promise<boolean>;
  campaignDecide?: Promise<PolicyDecision>;
  campaignManage?: Promise<boolean>;
  /** Leads by group, read once per request. */
  leads?: Map<string, Promise<string[]>>;
  /** The groups the caller leads, read once per request. */
  ledGroups?: Promise<string[]>;
};

/** What the campaign rules need of an item: who it is assigned to, the owner then, escalation. */
export type CampaignItemAssignment = Pick<
  NhiCampaignItemResource,
  'reviewer' | 'reviewerKind' | 'owner' | 'escalation'
>;

/** Who created or claimed the identities the caller is about to decide, in lower case. */
export interface CampaignConflicts {
  created: Set<string>;
  claimed: Set<string>;
}

const POLICY_REFUSAL: NhiReviewDecision = {
  allowed: false,
  reason: 'the permission policy does not allow you to review it',
};

const POLICY_REFUSAL_CAMPAIGN: NhiReviewDecision = {
  allowed: false,
  reason: 'the permission policy does not allow you to decide it',
};

/** What {@link ClaimsAuthorizer} decides with. */
export interface ClaimsAuthorizerOptions {
  config: NhiClaimsConfig;
  permissions: PermissionsService;
  auth: AuthService;
  /** Where the groups of a caller and the groups they lead are read. */
  directory: CatalogDirectory;
  /**
   * The rules of `nhi-claim` as the permissions registry has them
   * (`getPermissionRuleset`), to apply a conditional decision on
   * `nhi.claim.review` to a claim.
   */
  reviewRuleset: PermissionRuleset<NhiClaimResource, NhiClaimQuery>;
  /**
   * The rules of `nhi-campaign-item` as the permissions registry has them,
   * to apply a conditional decision on `nhi.campaign.decide` to an item.
   */
  campaignRuleset?: PermissionRuleset<
    NhiCampaignItemResource,
    NhiCampaignItemQuery
  >;
}

/**
 * Every decision about who may do what in the claims backend, in one
 * place: the permission that guards each action (and which principals may
 * ask at all — backend services read the feeds and nothing else), the
 * conditional decision of `nhi.claim.review` applied to a claim, and the
 * rules of the configuration on top of the policy — reviewer groups, group
 * leads, the owner's consent to a transfer, self-approval, membership of
 * the group one claims for, owners and reviewers of accepted risks. A
 * policy can narrow who reviews, never widen it.
 *
 * Decisions of the permission framework are asked once per caller and
 * kept for the request, however many claims a list shows.
 */
export class ClaimsAuthorizer {
  private readonly decisions = new WeakMap<Caller, PolicyDecisions>();
  private readonly appliesTo: (
    decision: PolicyDecision,
    claim: NhiClaimResource,
  ) => boolean;
  private readonly appliesToItem?: (
    decision: PolicyDecision,
    item: NhiCampaignItemResource,
  ) => boolean;

  /** The authorizer; see {@link ClaimsAuthorizerOptions}. */
  static create(options: ClaimsAuthorizerOptions): ClaimsAuthorizer {
    return new ClaimsAuthorizer(options);
  }

  private constructor(private readonly options: ClaimsAuthorizerOptions) {
    this.appliesTo = createConditionAuthorizer(options.reviewRuleset);
    if (options.campaignRuleset) {
      this.appliesToItem = createConditionAuthorizer(options.campaignRuleset);
    }
  }

  /**
   * Lets a user attempt an action, or throws: a backend service is refused
   * as the HTTP layer would refuse it, a user without the permission that
   * guards the action gets a 403 naming it. For `claim.review`, a resource
   * permission, only a definite deny refuses here; a conditional decision
   * is applied to each claim by {@link ClaimsAuthorizer.claimReview}.
   */
  async caller<A extends NhiAction>(
    credentials: BackstageCredentials,
    action: A,
  ): Promise<Caller<A>> {
    const { auth, permissions, directory } = this.options;
    if (!auth.isPrincipal(credentials, 'user')) {
      if (auth.isPrincipal(credentials, 'service')) {
        throw new NotAllowedError(
          `This endpoint does not allow 'service' credentials`,
        );
      }
      throw new AuthenticationError('Missing credentials');
    }
    const permission = GUARDS[action];
    let conditional: PolicyDecision | undefined;
    if (isResourcePermission(permission)) {
      [conditional] = await permissions.authorizeConditional([{ permission }], {
        credentials,
      });
      if (conditional.result === AuthorizeResult.DENY) {
        throw notAllowed(permission);
      }
    } else if (!(await this.allows(credentials, permission))) {
      throw notAllowed(permission);
    }
    const userRef = credentials.principal.userEntityRef;
    const caller: Caller<A> = {
      action,
      userRef,
      credentials,
      groups: await directory.groupsOf(userRef),
    };
    if (conditional) {
      const known = this.decisionsFor(caller);
      if (action === 'campaign.decide') {
        known.campaignDecide = Promise.resolve(conditional);
      } else {
        known.claimReview = Promise.resolve(conditional);
      }
    }
    if (action === 'campaign.manage') {
      this.decisionsFor(caller).campaignManage = Promise.resolve(true);
    }
    return caller;
  }

  /**
   * Lets a backend service (the catalog's pipeline) read the feeds, or a
   * user who may read claims; refuses anyone else with a 403.
   */
  async feedReader(credentials: BackstageCredentials): Promise<FeedReader> {
    if (
      !this.options.auth.isPrincipal(credentials, 'service') &&
      !(await this.allows(credentials, nhiClaimReadPermission))
    ) {
      throw notAllowed(nhiClaimReadPermission);
    }
    return { action: 'feed.read', credentials };
  }

  /** Whether the caller is in a reviewer group (reviews everything). */
  isReviewer(caller: Pick<Caller, 'groups'>): boolean {
    return this.options.config.reviewerGroups.some(g =>
      caller.groups.includes(g),
    );
  }

  /**
   * Whether the caller may approve or reject a claim, and if not why: the
   * configuration first ({@link ClaimsAuthorizer.claimReviewEligibility}),
   * then the policy's decision on `nhi.claim.review` for this claim.
   */
  async claimReview(
    claim: NhiClaimResource,
    caller: Caller,
  ): Promise<NhiReviewDecision> {
    const eligibility = this.claimReviewEligibility(claim, caller);
    if (!eligibility.allowed) return eligibility;
    const known = this.decisionsFor(caller);
    known.claimReview ??= this.options.permissions
      .authorizeConditional([{ permission: nhiClaimReviewPermission }], {
        credentials: caller.credentials,
      })
      .then(([decision]) => decision);
    return this.appliesTo(await known.claimReview, claim)
      ? eligibility
      : POLICY_REFUSAL;
  }

  /** {@link ClaimsAuthorizer.claimReview}, or a 403 saying why not. */
  async assertMayReviewClaim(
    claim: NhiClaimResource,
    caller: Caller<'claim.review'>,
  ): Promise<NhiReviewDecision> {
    const decision = await this.claimReview(claim, caller);
    if (!decision.allowed) {
      throw new NotAllowedError(
        `you cannot review this claim: ${decision.reason}`,
      );
    }
    return decision;
  }

  /**
   * Whether the caller may review a claim under the configuration alone,
   * and why not. A transfer (another group owns the identity) is decided by
   * the owner's leads — their consent — or by a reviewer, who must then
   * give a reason (`commentRequired`); the leads of the receiving group
   * cannot approve it alone. Any other claim is decided by reviewers and
   * the leads of the claimed group. Nobody decides their own claim unless
   * `allowSelfApproval`.
   */
  claimReviewEligibility(
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

  /**
   * Which claims to look at for "to review": all of them for a reviewer,
   * else those for a group the caller leads or moving away from one; never
   * their own unless `allowSelfApproval`. Each is still decided by
   * {@link ClaimsAuthorizer.claimReview}.
   */
  async claimsToReview(
    caller: Caller,
  ): Promise<{ involvingGroups?: string[]; excludeCreatedBy?: string }> {
    return {
      involvingGroups: this.isReviewer(caller)
        ? undefined
        : await this.options.directory.groupsLedBy(caller.userRef),
      excludeCreatedBy: this.options.config.allowSelfApproval
        ? undefined
        : caller.userRef,
    };
  }

  /**
   * Who is asked to decide a new claim, as the configuration says: the
   * reviewer groups and, with `groupLeadsReview`, the leads of the owner
   * today (a transfer) or of the claimed group.
   */
  claimReviewers(claim: NhiClaimResource): string[] {
    const { config } = this.options;
    const leads = claim.currentOwner
      ? claim.currentOwnerLeads
      : claim.groupLeads;
    return [
      ...config.reviewerGroups,
      ...(config.groupLeadsReview ? leads : []),
    ];
  }

  /** Who is asked to decide a request to accept a high or critical finding. */
  exceptionReviewers(): string[] {
    return this.options.config.reviewerGroups;
  }

  /** A 403 unless the caller may claim for the group (`requireMembership`). */
  assertMayClaimFor(caller: Caller<'claim.create'>, groupRef: string) {
    if (
      this.options.config.requireMembership &&
      !caller.groups.includes(groupRef)
    ) {
      throw new NotAllowedError(
        `you can only claim for a group you belong to; you are not in ${groupRef}`,
      );
    }
  }

  /** A 403 unless the caller made the claim. */
  assertMayWithdraw(caller: Caller<'claim.withdraw'>, claim: NhiClaim) {
    if (claim.createdBy !== caller.userRef) {
      throw new NotAllowedError('only the claimant can withdraw a claim');
    }
  }

  /** A 403 unless the caller is in the owning group or a reviewer. */
  assertMayRelease(caller: Caller<'ownership.release'>, ownerGroup: string) {
    if (!caller.groups.includes(ownerGroup) && !this.isReviewer(caller)) {
      throw new NotAllowedError(
        `only members of ${ownerGroup} or reviewers can release it`,
      );
    }
  }

  /**
   * How the caller's acceptance of a finding is recorded: `active` at once,
   * or `requested` for a reviewer to decide (an owner accepting a high or
   * critical finding); a 403 unless they are in the owning group or a
   * reviewer.
   */
  riskAcceptance(
    caller: Caller<'exception.create'>,
    owner: string | undefined,
    severity: FindingSeverity,
  ): 'active' | 'requested' {
    const reviewer = this.isReviewer(caller);
    if (!(owner && caller.groups.includes(owner)) && !reviewer) {
      throw new NotAllowedError(
        owner
          ? `only members of ${owner} or reviewers can accept a risk on this identity`
          : 'only reviewers can accept a risk on an unowned identity',
      );
    }
    return REVIEWED_SEVERITIES.includes(severity) && !reviewer
      ? 'requested'
      : 'active';
  }

  /**
   * Whether the caller may approve or reject an exception request, and if
   * not why: only members of a reviewer group, not their own request unless
   * `allowSelfApproval`, and only with `nhi.exception.review`.
   */
  async exceptionReview(
    exception: NhiException,
    caller: Caller,
  ): Promise<NhiReviewDecision> {
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
    if (!this.isReviewer(caller)) {
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
    return (await this.mayReviewExceptions(caller))
      ? { allowed: true }
      : POLICY_REFUSAL;
  }

  /** {@link ClaimsAuthorizer.exceptionReview}, or a 403 saying why not. */
  async assertMayReviewException(
    exception: NhiException,
    caller: Caller<'exception.review'>,
  ) {
    const decision = await this.exceptionReview(exception, caller);
    if (!decision.allowed) {
      throw new NotAllowedError(
        `you cannot review this request: ${decision.reason}`,
      );
    }
  }

  /**
   * Whether the caller decides exception requests (and so accepts high and
   * critical findings without one): a reviewer with `nhi.exception.review`.
   */
  async reviewsExceptions(caller: Caller): Promise<boolean> {
    return this.isReviewer(caller) && (await this.mayReviewExceptions(caller));
  }

  /** A 403 unless the caller wrote the exception, is in the owning group or reviews. */
  assertMayRevoke(
    caller: Caller<'exception.revoke'>,
    exception: NhiException,
    owner: string | undefined,
  ) {
    if (
      exception.createdBy !== caller.userRef &&
      !(owner && caller.groups.includes(owner)) &&
      !this.isReviewer(caller)
    ) {
      throw new NotAllowedError(
        'only its author, the owners or reviewers can revoke it',
      );
    }
  }

  /** Whether the policy allows the caller `nhi.campaign.manage` (start, close, reassign). */
  async mayManageCampaigns(caller: Caller): Promise<boolean> {
    const known = this.decisionsFor(caller);
    known.campaignManage ??= this.allows(
      caller.credentials,
      nhiCampaignManagePermission,
    );
    return known.campaignManage;
  }

  /** The leads of a group, read once per request (per caller). */
  leadsOf(caller: Caller | undefined, group: string): Promise<string[]> {
    const cache = caller
      ? (this.decisionsFor(caller).leads ??= new Map())
      : new Map<string, Promise<string[]>>();
    let leads = cache.get(group);
    if (!leads) {
      leads = this.options.directory.leadsOfGroup(group);
      cache.set(group, leads);
    }
    return leads;
  }

  /**
   * Who may decide a campaign item now, as users and groups: the owner
   * team's leads under the `leads` rule (its members when it names no
   * leads), the team and its leads under `members`, an owning user, the
   * fallback group for an unowned identity, a delegate; once overdue the
   * owner team's leads too (escalation 1), later the fallback group
   * (escalation 2).
   */
  async itemReviewers(
    item: CampaignItemAssignment,
    campaign: Pick<NhiCampaign, 'reviewerRule' | 'fallbackGroup'>,
    caller?: Caller,
  ): Promise<string[]> {
    const reviewers = new Set<string>();
    const { reviewer } = item;
    if (item.reviewerKind === 'owner' && reviewer.startsWith('group:')) {
      const leads = await this.leadsOf(caller, reviewer);
      if (campaign.reviewerRule !== 'leads' || !leads.length) {
        reviewers.add(reviewer);
      }
      leads.forEach(l => reviewers.add(l));
    } else {
      reviewers.add(reviewer);
    }
    if (item.escalation >= 1 && item.owner?.startsWith('group:')) {
      (await this.leadsOf(caller, item.owner)).forEach(l => reviewers.add(l));
    }
    if (item.escalation >= 2) reviewers.add(campaign.fallbackGroup);
    return [...reviewers];
  }

  /** Whether the caller is one of these reviewers (themselves, or a group they are in). */
  isOneOf(caller: Pick<Caller, 'userRef' | 'groups'>, reviewers: string[]) {
    const mine = new Set(
      [caller.userRef, ...caller.groups].map(r => r.toLowerCase()),
    );
    return reviewers.some(r => mine.has(r.toLowerCase()));
  }

  /**
   * Which items of a campaign the caller reviews, for a database query:
   * the same people {@link ClaimsAuthorizer.itemReviewers} names.
   */
  async reviewerScope(
    caller: Caller,
    campaign: Pick<NhiCampaign, 'reviewerRule' | 'fallbackGroup'>,
  ): Promise<ReviewerScope> {
    const known = this.decisionsFor(caller);
    known.ledGroups ??= this.options.directory.groupsLedBy(caller.userRef);
    const ledGroups = await known.ledGroups;
    const ownerGroups = new Set(ledGroups);
    for (const g of caller.groups) {
      if (
        campaign.reviewerRule !== 'leads' ||
        !(await this.leadsOf(caller, g)).length
      ) {
        ownerGroups.add(g);
      }
    }
    return {
      userRef: caller.userRef,
      ownerGroups: [...ownerGroups],
      memberGroups: caller.groups,
      ledGroups,
      inFallbackGroup: caller.groups.includes(campaign.fallbackGroup),
    };
  }

  /**
   * Whether the caller may decide a campaign item now, and if not why: the
   * campaign is active, the caller is one of its reviewers, did not create
   * the identity and did not claim it for their team (nobody certifies their
   * own); then the policy's decision on `nhi.campaign.decide` for the item.
   * A decided item may be decided again while the campaign is active.
   */
  async campaignItemReview(
    item: NhiCampaignItemResource,
    caller: Caller,
    conflicts: CampaignConflicts,
  ): Promise<NhiReviewDecision> {
    if (item.campaignStatus !== 'active') {
      return {
        allowed: false,
        reason: 'the campaign is closed: its decisions are final',
      };
    }
    if (!this.isOneOf(caller, item.reviewers)) {
      return {
        allowed: false,
        reason: `only ${item.reviewers.join(', ')} review it`,
      };
    }
    const ref = item.entityRef.toLowerCase();
    if (conflicts.created.has(ref)) {
      return {
        allowed: false,
        reason:
          'you created this identity: nobody certifies their own; delegate it to someone else',
      };
    }
    if (conflicts.claimed.has(ref)) {
      return {
        allowed: false,
        reason:
          'you claimed this identity for your team: nobody certifies their own claim; delegate it to someone else',
      };
    }
    return (await this.campaignPolicyAllows(item, caller))
      ? { allowed: true }
      : POLICY_REFUSAL_CAMPAIGN;
  }

  /**
   * Whether the caller may delegate a campaign item: one of its reviewers
   * the policy lets decide it (who created or claimed it too: they hand it
   * on), or a campaign manager (a reassignment). Why not, otherwise.
   */
  async campaignItemDelegation(
    item: NhiCampaignItemResource,
    caller: Caller,
  ): Promise<NhiReviewDecision> {
    if (item.campaignStatus !== 'active') {
      return {
        allowed: false,
        reason: 'the campaign is closed: its decisions are final',
      };
    }
    if (await this.mayManageCampaigns(caller)) return { allowed: true };
    if (!this.isOneOf(caller, item.reviewers)) {
      return {
        allowed: false,
        reason: `only its reviewers (${item.reviewers.join(
          ', ',
        )}) or campaign managers hand it on`,
      };
    }
    return (await this.campaignPolicyAllows(item, caller))
      ? { allowed: true }
      : POLICY_REFUSAL_CAMPAIGN;
  }

  private async campaignPolicyAllows(
    item: NhiCampaignItemResource,
    caller: Caller,
  ): Promise<boolean> {
    const known = this.decisionsFor(caller);
    known.campaignDecide ??= this.options.permissions
      .authorizeConditional([{ permission: nhiCampaignDecidePermission }], {
        credentials: caller.credentials,
      })
      .then(([decision]) => decision);
    const decision = await known.campaignDecide;
    if (decision.result === AuthorizeResult.ALLOW) return true;
    if (decision.result === AuthorizeResult.DENY || !this.appliesToItem) {
      return false;
    }
    return this.appliesToItem(decision, item);
  }

  /** Whether the policy allows the caller `nhi.exception.review`. */
  private async mayReviewExceptions(caller: Caller): Promise<boolean> {
    // a caller let through for exception.review was allowed it already
    if (caller.action === 'exception.review') return true;
    const known = this.decisionsFor(caller);
    known.exceptionReview ??= this.allows(
      caller.credentials,
      nhiExceptionReviewPermission,
    );
    return known.exceptionReview;
  }

  private decisionsFor(caller: Caller): PolicyDecisions {
    let known = this.decisions.get(caller);
    if (!known) {
      known = {};
      this.decisions.set(caller, known);
    }
    return known;
  }

  private async allows(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ): Promise<boolean> {
    const [decision] = await this.options.permissions.authorize(
      [{ permission }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }
}

function notAllowed(permission: Permission) {
  return new NotAllowedError(`not allowed: ${permission.name}`);
}
