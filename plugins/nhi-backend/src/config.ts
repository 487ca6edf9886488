import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** The claims settings (`nhi.claims`). */
export interface NhiClaimsConfig {
  reviewerGroups: string[];
  groupLeadsReview: boolean;
  allowSelfApproval: boolean;
  requireMembership: boolean;
  maxExceptionDays: number;
}

/** Reads `nhi.claims`, with defaults; a bad value names its key. */
export function readNhiClaimsConfig(config: Config): NhiClaimsConfig {
  const c = config.getOptionalConfig('nhi.claims');
  const reviewerGroups = (
    c?.getOptionalStringArray('reviewers.groups') ?? []
  ).map((g, i) => {
    try {
      return stringifyEntityRef(
        parseEntityRef(g, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      );
    } catch {
      throw new InputError(
        `nhi.claims.reviewers.groups[${i}] is not an entity ref: ${g}`,
      );
    }
  });
  const maxExceptionDays = c?.getOptionalNumber('maxExceptionDays') ?? 365;
  if (!Number.isInteger(maxExceptionDays) || maxExceptionDays < 1) {
    throw new InputError(
      `nhi.claims.maxExceptionDays must be a whole number of days, at least 1, got ${maxExceptionDays}`,
    );
  }
  return {
    reviewerGroups,
    groupLeadsReview: c?.getOptionalBoolean('reviewers.groupLeads') ?? true,
    allowSelfApproval: c?.getOptionalBoolean('allowSelfApproval') ?? false,
    requireMembership: c?.getOptionalBoolean('requireMembership') ?? true,
    maxExceptionDays,
  };
}
