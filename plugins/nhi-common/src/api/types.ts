import { NhiSeverity } from '../kind/types';

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
 * Whether the calling user may approve or reject a claim or an exception
 * request, and if not, why (shown next to disabled buttons).
 *
 * @public
 */
export type NhiReviewDecision = {
  allowed: boolean;
  reason?: string;
  /**
   * Set when an approval by this user needs a comment: a reviewer deciding a
   * transfer without the consent of the current owner's lead gives a reason.
   */
  commentRequired?: boolean;
};

/**
 * A claim that a group owns an identity. A transfer is a claim by the
 * receiving group for an identity another group owns: it needs the consent
 * of a lead of the current owner, or a reviewer's decision with a reason.
 *
 * @public
 */
export type NhiClaim = {
  id: string;
  entityRef: string;
  /** The group the identity is claimed for. */
  group: string;
  kind: 'claim' | 'transfer';
  /** For a transfer: the group that owned the identity when it was asked for. */
  fromGroup?: string;
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
  review?: NhiReviewDecision;
};

/**
 * Status of an exception (accepted risk):
 *
 * - `requested` — an owner asked to accept a high or critical finding; a
 *   reviewer approves or rejects it;
 * - `active` — the finding is accepted until `until`;
 * - `rejected` — a reviewer refused the request;
 * - `revoked` — it was revoked (or the request withdrawn) before its date;
 * - `expired` — its date passed (an active exception or a request never decided).
 *
 * @public
 */
export type NhiExceptionStatus =
  | 'requested'
  | 'active'
  | 'rejected'
  | 'revoked'
  | 'expired';

/**
 * An accepted risk: one rule's finding on one identity accepted until a
 * date, or a request to accept it.
 *
 * @public
 */
export type NhiException = {
  id: string;
  entityRef: string;
  ruleId: string;
  justification: string;
  until: string;
  status: NhiExceptionStatus;
  /** Severity of the finding when it was accepted or requested. */
  severity?: NhiSeverity;
  createdBy: string;
  createdAt: string;
  /** Who approved or rejected the request. */
  reviewedBy?: string;
  reviewedAt?: string;
  /** The reviewer's comment. */
  reviewComment?: string;
  revokedBy?: string;
  revokedAt?: string;
  /** For a request, whether the calling user may approve or reject it. */
  review?: NhiReviewDecision;
};

/**
 * Filters of the exceptions list.
 *
 * @public
 */
export type NhiExceptionsQuery = {
  entityRef?: string;
  /** Only exceptions in force now. */
  active?: boolean;
  /** Only these stored statuses. */
  status?:
    | Exclude<NhiExceptionStatus, 'expired'>
    | Array<Exclude<NhiExceptionStatus, 'expired'>>;
  limit?: number;
  cursor?: string;
};

/**
 * What may be accepted and for how long, as the backend is configured
 * (`GET /exceptions/policy`).
 *
 * @public
 */
export type NhiExceptionPolicy = {
  /** Longest exception in days, by severity of the finding. */
  maxDays: Record<NhiSeverity, number>;
  /** Severities whose acceptance by an owner is a request a reviewer decides. */
  reviewRequired: NhiSeverity[];
  /** Rules that cannot be accepted at all (a leaked credential is rotated). */
  notAcceptable: string[];
  /** Whether the calling user reviews exception requests (their acceptance needs no review). */
  reviewer: boolean;
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
  /**
   * ISO 8601 date or date-time, in the future, at most
   * {@link NhiExceptionPolicy.maxDays} away for the finding's severity.
   */
  until: string;
};
