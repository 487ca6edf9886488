import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { NHI_CLAIM_RESOURCE_TYPE, NhiClaim } from '@backstage-nhi/nhi-common';
import { z } from 'zod';

/**
 * A claim as permission rules see it: the claim and the leads of the group
 * it is for.
 *
 * @public
 */
export type NhiClaimResource = NhiClaim & { groupLeads: string[] };

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

/**
 * The permission rules of claims.
 *
 * @public
 */
export const nhiClaimRules = { isClaimedBy, isForGroup, isLeadOfClaimedGroup };

const exports_ = createConditionExports({
  resourceRef: nhiClaimResourceRef,
  rules: nhiClaimRules,
});

/**
 * Conditions for permission policies deciding on `nhi.claim.review`:
 *
 * ```ts
 * if (isPermission(request.permission, nhiClaimReviewPermission)) {
 *   return createNhiClaimConditionalDecision(request.permission, {
 *     allOf: [
 *       nhiClaimConditions.isLeadOfClaimedGroup({ userRefs: [user.identity.userEntityRef] }),
 *       { not: nhiClaimConditions.isClaimedBy({ userRefs: [user.identity.userEntityRef] }) },
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
