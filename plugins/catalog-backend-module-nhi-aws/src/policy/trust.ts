import { NhiTrust } from '@backstage-nhi/nhi-common';
import { loadPolicy, Statement } from '@cloud-copilot/iam-policy';
import { accountOfArn } from '../source/partition';

/**
 * Condition keys that restrict who the principal can be. A trust statement
 * with `Principal: "*"` and a positive condition on one of them is not
 * public.
 */
const RESTRICTING_KEYS = new Set(
  [
    'aws:PrincipalOrgID',
    'aws:PrincipalOrgPaths',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalServiceName',
    'aws:SourceAccount',
    'aws:SourceArn',
    'aws:SourceOrgID',
    'aws:SourceOrgPaths',
    'aws:SourceOwner',
    'aws:userid',
  ].map(k => k.toLowerCase()),
);

/** Operators that restrict to the listed values (not the negated or IfExists ones). */
const POSITIVE_OPERATOR =
  /^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i;

/** Hosts that are OIDC identity providers in a `Federated` principal without an ARN. */
const WEB_IDENTITY_HOSTS = new Set([
  'cognito-identity.amazonaws.com',
  'accounts.google.com',
  'graph.facebook.com',
  'www.amazon.com',
]);

const ASSUME_ACTIONS = /^sts:(AssumeRole|AssumeRoleWithWebIdentity|\*)$/i;

function conditions(s: Statement) {
  return s.conditions().map(c => ({
    operator: c.operation().value(),
    key: c.conditionKey().toLowerCase(),
    values: c.conditionValues(),
  }));
}

function hasRestrictingCondition(s: Statement): boolean {
  return conditions(s).some(
    c =>
      RESTRICTING_KEYS.has(c.key) &&
      POSITIVE_OPERATOR.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every(v => !/^[*?]*$/.test(v)),
  );
}

function hasExternalId(s: Statement): boolean {
  return conditions(s).some(
    c =>
      c.key === 'sts:externalid' &&
      POSITIVE_OPERATOR.test(c.operator) &&
      c.values.some(v => !/^[*?]*$/.test(v)),
  );
}

/**
 * Whether a subject value names something specific. A value made only of
 * wildcards does not, nor does a GitHub subject whose owner is a wildcard
 * (`repo:*`, `repo:*\/x:*`).
 */
function specificSubject(value: string): boolean {
  if (/^[*?]*$/.test(value)) return false;
  if (/^repo:[*?]/.test(value)) return false;
  return true;
}

function subjectRestricted(s: Statement, provider: string): boolean {
  const subKey = `${provider.toLowerCase()}:sub`;
  return conditions(s).some(
    c =>
      c.key === subKey &&
      POSITIVE_OPERATOR.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every(specificSubject),
  );
}

function allowsAssume(s: Statement): boolean {
  if (s.isNotActionStatement()) return true;
  if (!s.isActionStatement()) return false;
  return s
    .actions()
    .some(a => a.isWildcardAction() || ASSUME_ACTIONS.test(a.value()));
}

/**
 * Reads a role's trust (assume-role) policy as "who can assume this role":
 * AWS services, other accounts (and those trusted without an
 * `sts:ExternalId` condition), web-identity providers (and whether the
 * subject is restricted), and whether anyone at all can (`Principal: "*"`
 * without a condition restricting the principal's organization, account,
 * ARN or source). Only `Allow` statements that allow `sts:AssumeRole` or
 * `sts:AssumeRoleWithWebIdentity` count. SAML providers are people signing
 * in and are not listed.
 *
 * @public
 */
export function analyzeTrustPolicy(
  document: unknown,
  ownAccountId: string,
): NhiTrust {
  const services = new Set<string>();
  const external = new Set<string>();
  const withoutExternalId = new Set<string>();
  const oidc = new Map<string, boolean>();
  let isPublic = false;
  let statements: Statement[];
  try {
    statements = loadPolicy(document).statements();
  } catch {
    return {};
  }
  for (const s of statements) {
    if (!s.isAllow() || !allowsAssume(s)) continue;
    if (s.isNotPrincipalStatement()) {
      // Allow with NotPrincipal: everyone but a few.
      if (!hasRestrictingCondition(s)) isPublic = true;
      continue;
    }
    if (!s.isPrincipalStatement()) continue;
    for (const p of s.principals()) {
      if (p.isWildcardPrincipal()) {
        if (!hasRestrictingCondition(s)) isPublic = true;
      } else if (p.isServicePrincipal()) {
        services.add(p.service());
      } else if (p.isFederatedPrincipal()) {
        const value = p.federated();
        const m = /:oidc-provider\/(.+)$/.exec(value);
        const provider = m?.[1] ?? (WEB_IDENTITY_HOSTS.has(value) ? value : '');
        if (!provider) continue;
        const restricted = subjectRestricted(s, provider);
        // Several statements for one provider: restricted only if all are.
        oidc.set(provider, (oidc.get(provider) ?? true) && restricted);
      } else if (p.isAwsPrincipal() || p.isAccountPrincipal()) {
        const account = accountOfArn(p.value());
        if (!account || account === ownAccountId) continue;
        external.add(account);
        if (!hasExternalId(s)) withoutExternalId.add(account);
      }
    }
  }
  const trust: NhiTrust = {};
  if (isPublic) trust.public = true;
  if (services.size) trust.services = [...services].sort();
  if (external.size) trust.externalAccounts = [...external].sort();
  if (withoutExternalId.size) {
    trust.externalAccountsWithoutExternalId = [...withoutExternalId].sort();
  }
  if (oidc.size) {
    trust.oidc = [...oidc.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([provider, restricted]) => ({
        provider,
        subjectRestricted: restricted,
      }));
  }
  return trust;
}
