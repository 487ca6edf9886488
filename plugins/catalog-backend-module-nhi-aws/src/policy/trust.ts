import { NhiTrust } from '@backstage-nhi/plugin-nhi-common';
import { accountOfArn } from '../source/partition';
import { ConditionClause, parsePolicy, PolicyStatement } from './document';

/**
 * The AWS Organization the analysed account belongs to, so that its other
 * accounts are not taken for third parties.
 *
 * @public
 */
export interface AwsOrganizationContext {
  /** The organization id, `o-…`, when known. */
  id?: string;
  /** Every account of the organization (12-digit ids). */
  accounts: ReadonlySet<string>;
}

const ORG_KEYS = new Set([
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
]);

/**
 * Condition keys that restrict who the principal can be. A trust statement
 * with `Principal: "*"` and a positive condition on one of them is not
 * public.
 */
const RESTRICTING_KEYS = new Set([
  ...ORG_KEYS,
  ...[
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalServiceName',
    'aws:SourceAccount',
    'aws:SourceArn',
    'aws:SourceOwner',
    'aws:userid',
  ].map(k => k.toLowerCase()),
]);

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

const specific = (v: string) => !/^[*?]*$/.test(v);

/** Positive conditions on restricting keys, with specific values. */
function restrictions(s: PolicyStatement): ConditionClause[] {
  return s.conditions.filter(
    c =>
      RESTRICTING_KEYS.has(c.key) &&
      POSITIVE_OPERATOR.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every(specific),
  );
}

function hasExternalId(s: PolicyStatement): boolean {
  return s.conditions.some(
    c =>
      c.key === 'sts:externalid' &&
      POSITIVE_OPERATOR.test(c.operator) &&
      c.values.some(specific),
  );
}

/**
 * Whether a subject value names something specific. A value made only of
 * wildcards does not, nor does a GitHub subject whose owner is a wildcard
 * (`repo:*`, `repo:*\/x:*`).
 */
function specificSubject(value: string): boolean {
  if (!specific(value)) return false;
  if (/^repo:[*?]/.test(value)) return false;
  return true;
}

function subjectRestricted(s: PolicyStatement, provider: string): boolean {
  const subKey = `${provider.toLowerCase()}:sub`;
  return s.conditions.some(
    c =>
      c.key === subKey &&
      POSITIVE_OPERATOR.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every(specificSubject),
  );
}

function allowsAssume(s: PolicyStatement): boolean {
  if (s.notActions) {
    return !s.notActions.some(a => ASSUME_ACTIONS.test(a) || a === '*');
  }
  return (s.actions ?? []).some(a => a === '*' || ASSUME_ACTIONS.test(a));
}

/** `o-abc/r-x/ou-y/*` → `o-abc`; `o-abc` → `o-abc`. */
function organizationOf(value: string): string {
  return value.split('/')[0];
}

/**
 * Reads a role's trust (assume-role) policy as "who can assume this role":
 * AWS services; accounts of the organization (not third parties); other
 * accounts (and those trusted without an `sts:ExternalId` condition);
 * organizations whose every principal can (`Principal: "*"` restricted by
 * `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` / `aws:SourceOrgID` —
 * ours, or another one, named); web-identity providers (and whether the
 * subject is restricted); and whether anyone at all can (`Principal: "*"`
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
  organization?: AwsOrganizationContext,
): NhiTrust {
  const services = new Set<string>();
  const external = new Set<string>();
  const withoutExternalId = new Set<string>();
  const orgAccounts = new Set<string>();
  const organizations = new Set<string>();
  const externalOrganizations = new Set<string>();
  const oidc = new Map<string, boolean>();
  let isPublic = false;
  const parsed = parsePolicy(document, 'trust');
  if (parsed.errors.length) return {};

  const account = (id: string, s: PolicyStatement) => {
    if (id === ownAccountId) return;
    if (organization?.accounts.has(id)) {
      orgAccounts.add(id);
      return;
    }
    external.add(id);
    if (!hasExternalId(s)) withoutExternalId.add(id);
  };

  /** Principal "*" (or NotPrincipal): public unless a condition says who. */
  const anyone = (s: PolicyStatement) => {
    const r = restrictions(s);
    if (!r.length) {
      isPublic = true;
      return;
    }
    const orgs = r.filter(c => ORG_KEYS.has(c.key));
    for (const c of orgs) {
      for (const v of c.values) {
        // Another organization only when ours is known and differs.
        if (organization?.id && organizationOf(v) !== organization.id) {
          externalOrganizations.add(v);
        } else {
          organizations.add(v);
        }
      }
    }
    if (orgs.length) return;
    // Restricted to named accounts or principals: those are who can.
    for (const c of r) {
      if (c.key !== 'aws:principalaccount' && c.key !== 'aws:principalarn') {
        continue;
      }
      for (const v of c.values) {
        const id = accountOfArn(v);
        if (id) account(id, s);
      }
    }
  };

  for (const s of parsed.statements) {
    if (s.effect !== 'Allow' || !allowsAssume(s)) continue;
    if (s.notPrincipals) {
      // Allow with NotPrincipal: everyone but a few.
      anyone(s);
      continue;
    }
    for (const p of s.principals ?? []) {
      if (p.type === 'wildcard') {
        anyone(s);
      } else if (p.type === 'Service') {
        services.add(p.value);
      } else if (p.type === 'Federated') {
        const m = /:oidc-provider\/(.+)$/.exec(p.value);
        const provider =
          m?.[1] ?? (WEB_IDENTITY_HOSTS.has(p.value) ? p.value : '');
        if (!provider) continue;
        const restricted = subjectRestricted(s, provider);
        // Several statements for one provider: restricted only if all are.
        oidc.set(provider, (oidc.get(provider) ?? true) && restricted);
      } else if (p.type === 'AWS') {
        const id = accountOfArn(p.value);
        if (id) account(id, s);
      }
    }
  }
  const sorted = (set: Set<string>) => [...set].sort();
  const trust: NhiTrust = {};
  if (isPublic) trust.public = true;
  if (services.size) trust.services = sorted(services);
  if (orgAccounts.size) trust.organizationAccounts = sorted(orgAccounts);
  if (organizations.size) trust.organizations = sorted(organizations);
  if (external.size) trust.externalAccounts = sorted(external);
  if (withoutExternalId.size) {
    trust.externalAccountsWithoutExternalId = sorted(withoutExternalId);
  }
  if (externalOrganizations.size) {
    trust.externalOrganizations = sorted(externalOrganizations);
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
