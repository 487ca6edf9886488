import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The permission resource type of ownership claims.
 *
 * @public
 */
export const NHI_CLAIM_RESOURCE_TYPE = 'nhi-claim';

/**
 * See the state of the identity sources (last run, counts, errors).
 *
 * @public
 */
export const nhiSourceReadPermission = createPermission({
  name: 'nhi.source.read',
  attributes: { action: 'read' },
});

/**
 * Start a run of an identity source now, outside its schedule.
 *
 * @public
 */
export const nhiSourceRunPermission = createPermission({
  name: 'nhi.source.run',
  attributes: { action: 'update' },
});

/**
 * Every permission of the NHI pipeline.
 *
 * @public
 */
export const nhiSourcePermissions = [
  nhiSourceReadPermission,
  nhiSourceRunPermission,
];

/**
 * Claim an identity for a group (the claimant must also be a member).
 *
 * @public
 */
export const nhiClaimCreatePermission = createPermission({
  name: 'nhi.claim.create',
  attributes: { action: 'create' },
});

/**
 * See claims, exceptions and audit trails.
 *
 * @public
 */
export const nhiClaimReadPermission = createPermission({
  name: 'nhi.claim.read',
  attributes: { action: 'read' },
});

/**
 * Approve or reject a claim. A resource permission on `nhi-claim`, so a
 * policy can decide per claim (e.g. only leads of the claimed group, never
 * one's own claim) with the rules the backend registers.
 *
 * @public
 */
export const nhiClaimReviewPermission = createPermission({
  name: 'nhi.claim.review',
  attributes: { action: 'update' },
  resourceType: NHI_CLAIM_RESOURCE_TYPE,
});

/**
 * Withdraw one's own open claim.
 *
 * @public
 */
export const nhiClaimWithdrawPermission = createPermission({
  name: 'nhi.claim.withdraw',
  attributes: { action: 'update' },
});

/**
 * Release an identity one's group owns.
 *
 * @public
 */
export const nhiOwnershipReleasePermission = createPermission({
  name: 'nhi.ownership.release',
  attributes: { action: 'update' },
});

/**
 * Record an accepted risk (exception) on an identity, or request one: an
 * owner's acceptance of a high or critical finding waits for a reviewer.
 *
 * @public
 */
export const nhiExceptionCreatePermission = createPermission({
  name: 'nhi.exception.create',
  attributes: { action: 'create' },
});

/**
 * Approve or reject a request to accept a high or critical finding. The
 * configured reviewer groups decide as well; a policy can narrow who reviews.
 *
 * @public
 */
export const nhiExceptionReviewPermission = createPermission({
  name: 'nhi.exception.review',
  attributes: { action: 'update' },
});

/**
 * Revoke an accepted risk, or withdraw a request.
 *
 * @public
 */
export const nhiExceptionRevokePermission = createPermission({
  name: 'nhi.exception.revoke',
  attributes: { action: 'delete' },
});

/**
 * Every permission of the claims backend.
 *
 * @public
 */
export const nhiClaimPermissions = [
  nhiClaimCreatePermission,
  nhiClaimReadPermission,
  nhiClaimReviewPermission,
  nhiClaimWithdrawPermission,
  nhiOwnershipReleasePermission,
  nhiExceptionCreatePermission,
  nhiExceptionReviewPermission,
  nhiExceptionRevokePermission,
];

/**
 * Run a remediation action on an identity (deactivate or delete a key,
 * remove a console password, tag, disable), after its dry run. A dry run
 * needs it too: it reads the provider with the actions' write credentials.
 *
 * @public
 */
export const nhiActionRunPermission = createPermission({
  name: 'nhi.action.run',
  attributes: { action: 'update' },
});

/**
 * Confirm or reject, as the second person, a destructive action someone
 * else asked for (the two-person rule). Nobody confirms their own.
 *
 * @public
 */
export const nhiActionConfirmPermission = createPermission({
  name: 'nhi.action.confirm',
  attributes: { action: 'update' },
});

/**
 * See the actions a source offers and the action log (pending
 * confirmations, what ran).
 *
 * @public
 */
export const nhiActionReadPermission = createPermission({
  name: 'nhi.action.read',
  attributes: { action: 'read' },
});

/**
 * Create an AI agent's identity (with its mandatory agent id, accountable
 * human, reason and expiry) through the portal.
 *
 * @public
 */
export const nhiAgentIdentityCreatePermission = createPermission({
  name: 'nhi.agent-identity.create',
  attributes: { action: 'create' },
});

/**
 * Every permission of the remediation actions.
 *
 * @public
 */
export const nhiActionPermissions = [
  nhiActionRunPermission,
  nhiActionConfirmPermission,
  nhiActionReadPermission,
  nhiAgentIdentityCreatePermission,
];

/**
 * The permission resource type of the items of access-review campaigns.
 *
 * @public
 */
export const NHI_CAMPAIGN_ITEM_RESOURCE_TYPE = 'nhi-campaign-item';

/**
 * See access-review campaigns, their items and decisions, export their
 * evidence, and the unowned-identity policy's list.
 *
 * @public
 */
export const nhiCampaignReadPermission = createPermission({
  name: 'nhi.campaign.read',
  attributes: { action: 'read' },
});

/**
 * Start (create) and close access-review campaigns, and reassign their
 * items.
 *
 * @public
 */
export const nhiCampaignManagePermission = createPermission({
  name: 'nhi.campaign.manage',
  attributes: { action: 'update' },
});

/**
 * Certify, revoke or reduce an item of a campaign, or delegate it. A
 * resource permission on `nhi-campaign-item`, so a policy can decide per
 * item (e.g. only its reviewers) with the rules the backend registers; the
 * backend's own rules (the item's reviewers, never one's own identity)
 * apply as well.
 *
 * @public
 */
export const nhiCampaignDecidePermission = createPermission({
  name: 'nhi.campaign.decide',
  attributes: { action: 'update' },
  resourceType: NHI_CAMPAIGN_ITEM_RESOURCE_TYPE,
});

/**
 * Every permission of access-review campaigns.
 *
 * @public
 */
export const nhiCampaignPermissions = [
  nhiCampaignReadPermission,
  nhiCampaignManagePermission,
  nhiCampaignDecidePermission,
];
