import {
  NhiCredential,
  NhiRotationStatus,
  NhiRotationSummary,
  NonHumanIdentitySpec,
} from '../kind/types';
import { NhiEvaluationPolicy, NhiRotationPolicy } from './policy';
import { DAY } from '../time';
import { day, parseTime } from './time';

/**
 * A credential's rotation statuses, worst first (`inactive`, nothing to
 * rotate, last): the order credentials are listed in and the identity's
 * status is taken in.
 *
 * @public
 */
export const NHI_ROTATION_STATUSES: readonly NhiRotationStatus[] = [
  'expired',
  'overdue',
  'never-rotated',
  'no-expiry',
  'due-soon',
  'ok',
  'inactive',
];

/**
 * An identity's rotation statuses (`spec.rotation.status`, its worst active
 * credential's), worst first; `not-applicable` when it has no active
 * credential.
 *
 * @public
 */
export const NHI_IDENTITY_ROTATION_STATUSES: readonly NhiRotationSummary['status'][] =
  [...NHI_ROTATION_STATUSES.filter(s => s !== 'inactive'), 'not-applicable'];

/**
 * The rotation statuses that count as past the rotation policy: what the
 * "past rotation" counts of the cards, the scorecards' `overdueRotation`
 * fact and the rule NHI-CREDENTIAL-NOT-ROTATED all mean.
 *
 * @public
 */
export const NHI_PAST_ROTATION_STATUSES: readonly NhiRotationStatus[] = [
  'overdue',
  'never-rotated',
  'expired',
];

/**
 * Whether a credential's or an identity's rotation status is past the
 * rotation policy (one of {@link NHI_PAST_ROTATION_STATUSES}).
 *
 * @public
 */
export function isPastRotation(status: string | undefined): boolean {
  return (NHI_PAST_ROTATION_STATUSES as readonly string[]).includes(
    status ?? '',
  );
}

/**
 * The rotation policy that applies to a credential of an identity: the
 * first whose match fits.
 *
 * @public
 */
export function rotationPolicyFor(
  credential: Pick<NhiCredential, 'kind'>,
  identity: Pick<NonHumanIdentitySpec, 'category' | 'type'>,
  policy: NhiEvaluationPolicy,
): NhiRotationPolicy | undefined {
  return policy.rotation.find(
    p =>
      (!p.match.kind || p.match.kind === credential.kind) &&
      (!p.match.category || p.match.category === identity.category) &&
      (!p.match.type || p.match.type === identity.type),
  );
}

/**
 * The rotation status of one credential against its policy:
 *
 * - `inactive` — not usable, nothing to rotate;
 * - `expired` — its expiry has passed;
 * - `no-expiry` — judged by expiry (certificates) but has none;
 * - `never-rotated` — older than the policy allows and never rotated;
 * - `overdue` — last rotated longer ago than the policy allows;
 * - `due-soon` — within the policy's warning window of its due date or expiry;
 * - `ok` — within policy.
 *
 * @public
 */
export function credentialRotation(
  credential: Omit<NhiCredential, 'rotation'>,
  identity: Pick<NonHumanIdentitySpec, 'category' | 'type'>,
  policy: NhiEvaluationPolicy,
  now: number,
): NonNullable<NhiCredential['rotation']> {
  const p = rotationPolicyFor(credential, identity, policy);
  if (credential.status !== 'active') {
    return { status: 'inactive', ...(p ? { policy: p.name } : {}) };
  }
  const expires = parseTime(credential.expiresAt);
  if (expires !== undefined && expires <= now) {
    return {
      status: 'expired',
      dueAt: day(expires),
      ...(p ? { policy: p.name } : {}),
    };
  }
  if (!p) {
    return expires !== undefined
      ? { status: 'ok', dueAt: day(expires) }
      : { status: 'ok' };
  }
  const soon = p.dueSoonDays * DAY;
  if (p.byExpiry) {
    if (expires === undefined) return { status: 'no-expiry', policy: p.name };
    return {
      status: expires - now <= soon ? 'due-soon' : 'ok',
      dueAt: day(expires),
      policy: p.name,
    };
  }
  const maxAge = (p.maxAgeDays ?? 0) * DAY;
  const created = parseTime(credential.createdAt);
  const rotated = parseTime(credential.lastRotatedAt);
  const since = rotated ?? created;
  // A credential that expires within its allowed lifetime is compliant by expiry.
  if (
    expires !== undefined &&
    since !== undefined &&
    expires - since <= maxAge + DAY
  ) {
    return {
      status: expires - now <= soon ? 'due-soon' : 'ok',
      dueAt: day(expires),
      policy: p.name,
    };
  }
  if (since === undefined) {
    return { status: 'ok', policy: p.name };
  }
  const due = since + maxAge;
  let status: NhiRotationStatus;
  if (now > due) {
    status =
      rotated === undefined || rotated === created
        ? 'never-rotated'
        : 'overdue';
  } else if (due - now <= soon) {
    status = 'due-soon';
  } else {
    status = 'ok';
  }
  return { status, dueAt: day(due), policy: p.name };
}

/**
 * The identity's rotation status: the worst among its active credentials,
 * `not-applicable` when it has none.
 *
 * @public
 */
export function worstRotation(
  credentials: Array<Pick<NhiCredential, 'rotation'>>,
): NhiRotationSummary['status'] {
  let worst: NhiRotationSummary['status'] = 'not-applicable';
  for (const c of credentials) {
    const s = c.rotation?.status;
    if (!s || s === 'inactive') continue;
    if (
      worst === 'not-applicable' ||
      NHI_ROTATION_STATUSES.indexOf(s) < NHI_ROTATION_STATUSES.indexOf(worst)
    ) {
      worst = s;
    }
  }
  return worst;
}
