import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  NHI_CAMPAIGN_ITEM_RESOURCE_TYPE,
  NHI_CLAIM_RESOURCE_TYPE,
  NhiCampaignItem,
  NhiClaim,
} from '@backstage-nhi/plugin-nhi-common';
import { z } from 'zod';

/**
 * A claim as permission rules see it: the claim, the leads of the group it
 * is for and, while it is open and another group owns the identity (a
 * transfer), that owner and the people who speak for it (its leads, or the
 * owning user).
 *
 * @public
 */
export type NhiClaimResource = NhiClaim & {
  groupLeads: string[];
  /** The identity's owner today, when it is not the claimed group. */
  currentOwner?: string;
  /** Whether that owner comes from an approved claim (not from the catalog). */
  currentOwnerClaimed?: boolean;
  /** Leads of the current owner group, or the owning user. */
  currentOwnerLeads: string[];
};

/**
 * Criteria a claims query understands.
 *
 * @public
 */
export type NhiClaimQuery = {
  key: 'created_by' | 'group_ref';
  values: string[];
};

/**
 * The permission resource ref of ownership claims.
 *
 * @public
 */
export const nhiClaimResourceRef = createPermissionResourceRef<
  NhiClaimResource,
  NhiClaimQuery
>().with({ pluginId: 'nhi', resourceType: NHI_CLAIM_RESOURCE_TYPE });

const isClaimedBy = createPermissionRule({
  name: 'IS_CLAIMED_BY',
  description: 'Allow when the claim was made by one of the given users',
  resourceRef: nhiClaimResourceRef,
  paramsSchema: z.object({
    userRefs: z.array(z.string()).describe('User entity refs'),
  }),
  apply: (claim, { userRefs }) => userRefs.includes(claim.createdBy),
  toQuery: ({ userRefs }) => ({ key: 'created_by', values: userRefs }),
});

const isForGroup = createPermissionRule({
  name: 'IS_FOR_GROUP',
  description: 'Allow when the claim is for one of the given groups',
  resourceRef: nhiClaimResourceRef,
  paramsSchema: z.object({
    groupRefs: z.array(z.string()).describe('Group entity refs'),
  }),
  apply: (claim, { groupRefs }) => groupRefs.includes(claim.group),
  toQuery: ({ groupRefs }) => ({ key: 'group_ref', values: groupRefs }),
});

const isLeadOfClaimedGroup = createPermissionRule({
  name: 'IS_LEAD_OF_CLAIMED_GROUP',
  description:
    'Allow when one of the given users is a lead of the claimed group (annotation backstage-nhi.io/leads)',
  resourceRef: nhiClaimResourceRef,
  paramsSchema: z.object({
    userRefs: z.array(z.string()).describe('User entity refs'),
  }),
  apply: (claim, { userRefs }) =>
    claim.groupLeads.some(lead => userRefs.includes(lead)),
  // Leads live in the catalog, not in the claims table: as a query this rule
  // matches nothing, and is decided per claim instead.
  toQuery: (): NhiClaimQuery => ({ key: 'group_ref', values: [] }),
});

const isLeadOfCurrentOwner = createPermissionRule({
  name: 'IS_LEAD_OF_CURRENT_OWNER',
  description:
    'Allow when one of the given users is a lead of the group that owns the identity today (a transfer needs its consent)',
  resourceRef: nhiClaimResourceRef,
  paramsSchema: z.object({
    userRefs: z.array(z.string()).describe('User entity refs'),
  }),
  apply: (claim, { userRefs }) =>
    claim.currentOwnerLeads.some(lead => userRefs.includes(lead)),
  // Like the leads of the claimed group: decided per claim, never as a query.
  toQuery: (): NhiClaimQuery => ({ key: 'group_ref', values: [] }),
});

/**
 * The permission rules of claims.
 *
 * @public
 */
export const nhiClaimRules = {
  isClaimedBy,
  isForGroup,
  isLeadOfClaimedGroup,
  isLeadOfCurrentOwner,
};

const exports_ = createConditionExports({
  resourceRef: nhiClaimResourceRef,
  rules: nhiClaimRules,
});

/**
 * Conditions for permission policies deciding on `nhi.claim.review`:
 *
 * ```ts
 * if (isPermission(request.permission, nhiClaimReviewPermission)) {
 *   const me = [user.identity.userEntityRef];
 *   return createNhiClaimConditionalDecision(request.permission, {
 *     allOf: [
 *       {
 *         anyOf: [
 *           nhiClaimConditions.isLeadOfClaimedGroup({ userRefs: me }),
 *           nhiClaimConditions.isLeadOfCurrentOwner({ userRefs: me }),
 *         ],
 *       },
 *       { not: nhiClaimConditions.isClaimedBy({ userRefs: me }) },
 *     ],
 *   });
 * }
 * ```
 *
 * @public
 */
export const nhiClaimConditions = exports_.conditions;

/**
 * Builds a conditional decision for `nhi.claim.review`.
 *
 * @public
 */
export const createNhiClaimConditionalDecision =
  exports_.createConditionalDecision;

/**
 * An item of an access-review campaign as permission rules see it: the item
 * (its identity's state when the scope was frozen, its reviewer, decision)
 * with who may decide it now (`reviewers`: users and groups) and the
 * campaign's status.
 *
 * @public
 */
export type NhiCampaignItemResource = NhiCampaignItem & {
  campaignStatus: 'active' | 'closed';
};

/**
 * Criteria a campaign items query understands.
 *
 * @public
 */
export type NhiCampaignItemQuery = {
  key: 'owner_ref' | 'reviewer_ref';
  values: string[];
};

/**
 * The permission resource ref of campaign items.
 *
 * @public
 */
export const nhiCampaignItemResourceRef = createPermissionResourceRef<
  NhiCampaignItemResource,
  NhiCampaignItemQuery
>().with({ pluginId: 'nhi', resourceType: NHI_CAMPAIGN_ITEM_RESOURCE_TYPE });

const isItemReviewer = createPermissionRule({
  name: 'IS_ITEM_REVIEWER',
  description:
    'Allow when one of the given refs (a user, or a group they belong to) reviews the item: the owner team’s leads or members, the fallback group, a delegate, or whoever it escalated to',
  resourceRef: nhiCampaignItemResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('User and group entity refs (the ownership refs of a user)'),
  }),
  apply: (item, { claims }) => {
    const mine = new Set(claims.map(c => c.toLowerCase()));
    return item.reviewers.some(r => mine.has(r.toLowerCase()));
  },
  // Reviewers are resolved from the catalog (leads, escalation): decided
  // per item, never as a query.
  toQuery: (): NhiCampaignItemQuery => ({ key: 'reviewer_ref', values: [] }),
});

const isItemOwnedBy = createPermissionRule({
  name: 'IS_ITEM_OWNED_BY',
  description:
    'Allow when the identity was owned by one of the given groups or users when the campaign froze its scope',
  resourceRef: nhiCampaignItemResourceRef,
  paramsSchema: z.object({
    ownerRefs: z.array(z.string()).describe('Group or user entity refs'),
  }),
  apply: (item, { ownerRefs }) =>
    !!item.owner && ownerRefs.includes(item.owner),
  toQuery: ({ ownerRefs }) => ({ key: 'owner_ref', values: ownerRefs }),
});

/**
 * The permission rules of campaign items.
 *
 * @public
 */
export const nhiCampaignItemRules = { isItemReviewer, isItemOwnedBy };

const campaignExports = createConditionExports({
  resourceRef: nhiCampaignItemResourceRef,
  rules: nhiCampaignItemRules,
});

/**
 * Conditions for permission policies deciding on `nhi.campaign.decide`:
 *
 * ```ts
 * if (isPermission(request.permission, nhiCampaignDecidePermission)) {
 *   return createNhiCampaignItemConditionalDecision(
 *     request.permission,
 *     nhiCampaignItemConditions.isItemReviewer({
 *       claims: user.info.ownershipEntityRefs,
 *     }),
 *   );
 * }
 * ```
 *
 * @public
 */
export const nhiCampaignItemConditions = campaignExports.conditions;

/**
 * Builds a conditional decision for `nhi.campaign.decide`.
 *
 * @public
 */
export const createNhiCampaignItemConditionalDecision =
  campaignExports.createConditionalDecision;
