import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { normalizeRef } from './lib/identifiers';

/** The claims settings (`nhi.claims`). */
export interface NhiClaimsConfig {
  reviewerGroups: string[];
  groupLeadsReview: boolean;
  allowSelfApproval: boolean;
  requireMembership: boolean;
  /** Longest exception for a medium or low finding, in days. */
  maxExceptionDays: number;
  /** Longest exception for a high or critical finding, in days. */
  maxHighRiskExceptionDays: number;
  /** Whether a leaked credential's finding may be accepted at all. */
  acceptLeakedCredentials: boolean;
  /** `spec.type`s of the groups identities can be claimed for, lower case. */
  claimGroupTypes: string[];
  /** Groups identities can never be claimed for, as full refs. */
  excludedClaimGroups: string[];
}

function days(
  value: number | undefined,
  fallback: number,
  key: string,
): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(
      `${key} must be a whole number of days, at least 1, got ${n}`,
    );
  }
  return n;
}

/** Reads `nhi.claims`, with defaults; a bad value names its key. */
export function readNhiClaimsConfig(config: Config): NhiClaimsConfig {
  const c = config.getOptionalConfig('nhi.claims');
  const reviewerGroups = (
    c?.getOptionalStringArray('reviewers.groups') ?? []
  ).map((g, i) =>
    normalizeRef(g, 'group', `nhi.claims.reviewers.groups[${i}]`),
  );
  const maxExceptionDays = days(
    c?.getOptionalNumber('maxExceptionDays'),
    365,
    'nhi.claims.maxExceptionDays',
  );
  const highRiskSet = c?.getOptionalNumber('maxHighRiskExceptionDays');
  const maxHighRiskExceptionDays = days(
    highRiskSet,
    Math.min(90, maxExceptionDays),
    'nhi.claims.maxHighRiskExceptionDays',
  );
  if (maxHighRiskExceptionDays > maxExceptionDays) {
    throw new InputError(
      `nhi.claims.maxHighRiskExceptionDays (${maxHighRiskExceptionDays}) must not be longer than nhi.claims.maxExceptionDays (${maxExceptionDays})`,
    );
  }
  const claimGroupTypes = (
    c?.getOptionalStringArray('groups.types') ?? ['team']
  ).map(t => t.trim().toLocaleLowerCase('en-US'));
  if (!claimGroupTypes.length || claimGroupTypes.some(t => !t)) {
    throw new InputError(
      'nhi.claims.groups.types must name at least one group type, e.g. [team]',
    );
  }
  const excludedClaimGroups = (
    c?.getOptionalStringArray('groups.exclude') ?? []
  ).map((g, i) => normalizeRef(g, 'group', `nhi.claims.groups.exclude[${i}]`));
  return {
    reviewerGroups,
    groupLeadsReview: c?.getOptionalBoolean('reviewers.groupLeads') ?? true,
    allowSelfApproval: c?.getOptionalBoolean('allowSelfApproval') ?? false,
    requireMembership: c?.getOptionalBoolean('requireMembership') ?? true,
    maxExceptionDays,
    maxHighRiskExceptionDays,
    acceptLeakedCredentials:
      c?.getOptionalBoolean('acceptLeakedCredentials') ?? false,
    claimGroupTypes,
    excludedClaimGroups,
  };
}
