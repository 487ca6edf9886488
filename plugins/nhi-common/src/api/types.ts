/**
 * Status of an ownership claim:
 *
 * - `open` — waiting for review;
 * - `approved` — its group is the identity's owner (at most one per identity);
 * - `rejected` — a reviewer said no;
 * - `withdrawn` — the claimant took it back;
 * - `closed` — another claim for the identity was approved first;
 * - `superseded` — it was the owner until a transfer to another group was approved;
 * - `released` — the owning group gave the identity up.
 *
 * @public
 */
export type NhiClaimStatus =
  | 'open'
  | 'approved'
  | 'rejected'
  | 'withdrawn'
  | 'closed'
  | 'superseded'
  | 'released';

/**
 * A claim that a group owns an identity. A transfer is a claim by the
 * receiving group for an identity another group owns.
 *
 * @public
 */
export type NhiClaim = {
  id: string;
  entityRef: string;
  /** The group the identity is claimed for. */
  group: string;
  kind: 'claim' | 'transfer';
  status: NhiClaimStatus;
  justification: string;
  createdBy: string;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  /** Why the claim ended without a decision on it (e.g. another claim won). */
  closedReason?: string;
  /**
   * For the calling user: whether they may approve or reject it, and if not,
   * why (shown next to disabled buttons).
   */
  review?: { allowed: boolean; reason?: string };
};

/**
 * An accepted risk: one rule's finding on one identity accepted until a date.
 *
 * @public
 */
export type NhiException = {
  id: string;
  entityRef: string;
  ruleId: string;
  justification: string;
  until: string;
  status: 'active' | 'revoked' | 'expired';
  createdBy: string;
  createdAt: string;
  revokedBy?: string;
  revokedAt?: string;
};

/**
 * One entry of an identity's audit trail. Append-only: the database refuses
 * updates and deletes.
 *
 * @public
 */
export type NhiAuditEntry = {
  id: number;
  entityRef: string;
  at: string;
  actor: string;
  action: string;
  claimId?: string;
  exceptionId?: string;
  details?: Record<string, unknown>;
};

/**
 * A page of a list.
 *
 * @public
 */
export type NhiPage<T> = {
  items: T[];
  totalCount: number;
  /** Pass as `cursor` for the next page; absent on the last. */
  nextCursor?: string;
};

/**
 * Filters of the claims list.
 *
 * @public
 */
export type NhiClaimsQuery = {
  entityRef?: string;
  group?: string;
  status?: NhiClaimStatus | NhiClaimStatus[];
  /** Claims the calling user made. */
  mine?: boolean;
  /** Open claims the calling user may review. */
  toReview?: boolean;
  limit?: number;
  cursor?: string;
};

/**
 * Body of `POST /claims`.
 *
 * @public
 */
export type NhiCreateClaimRequest = {
  entityRef: string;
  group: string;
  justification: string;
};

/**
 * Body of `POST /exceptions`.
 *
 * @public
 */
export type NhiCreateExceptionRequest = {
  entityRef: string;
  ruleId: string;
  justification: string;
  /** ISO 8601 date or date-time, in the future, at most a year away by default. */
  until: string;
};
