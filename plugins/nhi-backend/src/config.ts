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

/** The access-review and unowned-identity settings (`nhi.campaigns`, `nhi.unowned`). */
export interface NhiCampaignsConfig {
  /** Reviews unowned identities and overdue items after escalation (a group ref). */
  fallbackGroup: string;
  /** Default reminder cadence of a new campaign, in days (0: none). */
  reminderEveryDays: number;
  /** Default reminder before the due date of a new campaign, in days (0: none). */
  dueSoonDays: number;
  /** Days past the due date after which overdue items escalate to the fallback group. */
  escalateToFallbackAfterDays: number;
  /** How often reminders, escalation, recurrences and remediations are checked, in minutes. */
  checkEveryMinutes: number;
  /** The most identities one campaign may hold. */
  maxItems: number;
  /** Days of being unowned on which the suggested owners are notified. */
  unownedNotifyDays: number[];
  /** How often the unowned identities are read from the inventory, in minutes. */
  unownedCheckEveryMinutes: number;
}

function wholeNumber(
  value: number | undefined,
  fallback: number,
  key: string,
  min: number,
): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(
      `${key} must be a whole number, at least ${min}, got ${n}`,
    );
  }
  return n;
}

/** Reads `nhi.campaigns` and `nhi.unowned`, with defaults; a bad value names its key. */
export function readNhiCampaignsConfig(config: Config): NhiCampaignsConfig {
  const c = config.getOptionalConfig('nhi.campaigns');
  const u = config.getOptionalConfig('nhi.unowned');
  const fallbackGroup = normalizeRef(
    c?.getOptionalString('fallbackGroup') ?? 'group:default/security',
    'group',
    'nhi.campaigns.fallbackGroup',
  );
  if (!fallbackGroup.startsWith('group:')) {
    throw new InputError(
      `nhi.campaigns.fallbackGroup must be a Group, got ${fallbackGroup}`,
    );
  }
  const notifyDays = u?.getOptional('notifyDays') ?? [0, 7, 21];
  if (!Array.isArray(notifyDays)) {
    throw new InputError(
      'nhi.unowned.notifyDays must be a list of days, e.g. [0, 7, 21]',
    );
  }
  const unownedNotifyDays = [
    ...new Set(
      notifyDays.map((d, i) =>
        wholeNumber(
          typeof d === 'number' ? d : NaN,
          0,
          `nhi.unowned.notifyDays[${i}]`,
          0,
        ),
      ),
    ),
  ].sort((a, b) => a - b);
  return {
    fallbackGroup,
    reminderEveryDays: wholeNumber(
      c?.getOptionalNumber('reminders.everyDays'),
      7,
      'nhi.campaigns.reminders.everyDays',
      0,
    ),
    dueSoonDays: wholeNumber(
      c?.getOptionalNumber('reminders.dueSoonDays'),
      3,
      'nhi.campaigns.reminders.dueSoonDays',
      0,
    ),
    escalateToFallbackAfterDays: wholeNumber(
      c?.getOptionalNumber('escalation.fallbackAfterDays'),
      3,
      'nhi.campaigns.escalation.fallbackAfterDays',
      0,
    ),
    checkEveryMinutes: wholeNumber(
      c?.getOptionalNumber('checkEveryMinutes'),
      15,
      'nhi.campaigns.checkEveryMinutes',
      1,
    ),
    maxItems: wholeNumber(
      c?.getOptionalNumber('maxItems'),
      500_000,
      'nhi.campaigns.maxItems',
      1,
    ),
    unownedNotifyDays,
    unownedCheckEveryMinutes: wholeNumber(
      u?.getOptionalNumber('checkEveryMinutes'),
      60,
      'nhi.unowned.checkEveryMinutes',
      1,
    ),
  };
}
