/**
 * Events topic on which the claims backend announces ownership changes; the
 * catalog module applies each as a delta mutation within seconds.
 *
 * @public
 */
export const NHI_OWNERSHIP_TOPIC = 'nhi.ownership';

/**
 * An approved claim as the pipeline applies it.
 *
 * @public
 */
export interface NhiApprovedClaim {
  /** The identity, as `nonhumanidentity:<namespace>/<name>`. */
  entityRef: string;
  /** The new owner (Group or User entity ref). */
  owner: string;
  claimedBy: string;
  approvedBy: string;
  /** ISO 8601 time of approval. */
  approvedAt: string;
  claimId?: string;
}

/**
 * Payload of an event on {@link NHI_OWNERSHIP_TOPIC}: the identity's new
 * approved claim, or `claim: null` when its claim was released (the owner
 * falls back to what the source or declarations say).
 *
 * @public
 */
export interface NhiOwnershipEvent {
  entityRef: string;
  claim: NhiApprovedClaim | null;
}

/**
 * Events topic on which the claims backend announces that an identity's
 * accepted risks changed; the catalog module re-evaluates it within seconds.
 *
 * @public
 */
export const NHI_EXCEPTIONS_TOPIC = 'nhi.exceptions';

/**
 * Payload of an event on {@link NHI_EXCEPTIONS_TOPIC}: the identity's
 * active accepted risks, all of them.
 *
 * @public
 */
export interface NhiExceptionsEvent {
  entityRef: string;
  accepted: Array<{ ruleId: string; until: string; by: string }>;
}
