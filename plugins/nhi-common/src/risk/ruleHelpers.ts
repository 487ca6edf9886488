/*
 * What the rules of the catalog share: reading an identity's credentials,
 * use and usability. Internal to nhi-common (not exported from the package):
 * the rule files under ./sourceRules use them as rules.ts does.
 */
import { NhiCredential, NonHumanIdentitySpec } from '../kind/types';
import { DAY } from '../time';
import { NhiEvaluationPolicy } from './policy';
import { parseTime } from './time';

/** The active credentials of an identity. */
export const active = (spec: NonHumanIdentitySpec): NhiCredential[] =>
  (spec.credentials ?? []).filter(c => c.status === 'active');

/** Whole days from `time` to `now` (ms since the epoch). */
export function daysSince(time: number, now: number) {
  return Math.floor((now - time) / DAY);
}

/** The latest use of the identity or any of its credentials, ms since the epoch. */
export function lastUseOf(spec: NonHumanIdentitySpec): number | undefined {
  const times = [
    parseTime(spec.lastUsed?.at),
    ...(spec.credentials ?? []).map(c => parseTime(c.lastUsed?.at)),
  ].filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : undefined;
}

/** Whether an environment name counts as production under the policy. */
export function isProduction(env: string, policy: NhiEvaluationPolicy) {
  return policy.productionEnvironments.includes(env.toLowerCase());
}

/** How an identity that is still usable can be used, for evidence. */
export function usableBy(spec: NonHumanIdentitySpec): string {
  const n = active(spec).length;
  if (n) return `${n} active credential${n === 1 ? '' : 's'}`;
  return 'still assumable';
}

/** When an AI-agent identity expires. */
export function agentExpiry(spec: NonHumanIdentitySpec): string | undefined {
  return spec.agent?.expiresAt ?? spec.expiresAt;
}

/**
 * Identity types that can only be used through credentials of their own
 * (an IAM user signs in with a password or signs with an access key): one
 * without an active credential cannot be used. Roles and service accounts
 * are assumed or bound instead.
 */
export const CREDENTIAL_BOUND_TYPES = new Set(['iam-user']);

/** Identity types that are assumed rather than authenticated as. */
export const ASSUMABLE_TYPES = new Set(['iam-role']);

/**
 * Whether an identity can still be used: it has an active credential, or
 * it can be assumed (a role, or anything with a trust relationship).
 */
export function stillUsable(spec: NonHumanIdentitySpec): boolean {
  if (active(spec).length) return true;
  const trust = spec.permissions?.trust;
  if (trust && Object.keys(trust).length) return true;
  return ASSUMABLE_TYPES.has(spec.type);
}
