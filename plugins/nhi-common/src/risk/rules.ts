import { NhiSeverity, NonHumanIdentitySpec } from '../kind/types';
import { shortList } from '../text';
import { DAY } from '../time';
import {
  active,
  agentExpiry,
  CREDENTIAL_BOUND_TYPES,
  daysSince,
  isProduction,
  lastUseOf,
  stillUsable,
  usableBy,
} from './ruleHelpers';
import { NhiEvaluationPolicy } from './policy';
import { isPastRotation } from './rotation';
import { day, parseTime } from './time';
import { NHI_KUBERNETES_RULES } from './sourceRules/kubernetes';
import { NHI_GCP_RULES } from './sourceRules/gcp';
import { NHI_GITHUB_RULES } from './sourceRules/github';
import { NHI_AZURE_RULES } from './sourceRules/azure';

/**
 * The OWASP Non-Human Identities Top 10 (2025).
 *
 * @public
 */
export const OWASP_NHI_TOP_10: Record<string, string> = {
  NHI1: 'Improper Offboarding',
  NHI2: 'Secret Leakage',
  NHI3: 'Vulnerable Third-Party NHI',
  NHI4: 'Insecure Authentication',
  NHI5: 'Overprivileged NHI',
  NHI6: 'Insecure Cloud Deployment Configurations',
  NHI7: 'Long-Lived Secrets',
  NHI8: 'Environment Isolation',
  NHI9: 'NHI Reuse',
  NHI10: 'Human Use of NHI',
};

/**
 * Where a secret scanner found a credential: never the secret itself.
 *
 * @public
 */
export type NhiLeak = {
  scanner: string;
  repository?: string;
  file?: string;
  line?: number;
  commit?: string;
  link?: string;
  date?: string;
};

/**
 * What a rule sees besides the identity.
 *
 * @public
 */
export interface NhiRuleContext {
  policy: NhiEvaluationPolicy;
  /** Evaluation time, ms since epoch. */
  now: number;
  /** Leaks found by secret scanners, by credential id. */
  leaksOf(credentialId: string): NhiLeak[] | undefined;
  /**
   * Since when the identity has been unowned (ms since epoch), as the claims
   * backend first saw it; undefined when not known.
   */
  unownedSince?: number;
}

/**
 * A rule of the catalog: what it checks, how bad it is, which OWASP NHI risk
 * it maps to, and what to do. `check` returns the evidence (which key, which
 * policy, which date) when the rule fires, undefined otherwise. Pure.
 *
 * @public
 */
export interface NhiRule {
  id: string;
  title: string;
  severity: NhiSeverity;
  owasp: keyof typeof OWASP_NHI_TOP_10 | string;
  description: string;
  remediation: string;
  check(spec: NonHumanIdentitySpec, ctx: NhiRuleContext): string | undefined;
}

const LONG_LIVED_KINDS = [
  'token',
  'api-key',
  'client-secret',
  'webhook-secret',
];

/**
 * The catalog of rules. Together they cover the OWASP NHI Top 10 (2025).
 * The rules reference in `docs/rules.md` is generated from this list.
 *
 * @public
 */
export const NHI_RULES: readonly NhiRule[] = [
  {
    id: 'NHI-NO-OWNER',
    title: 'Nobody owns the identity',
    severity: 'high',
    owasp: 'NHI1',
    description:
      'No team or person is accountable for the identity, so nobody reviews, rotates or decommissions it.',
    remediation:
      'Claim it for the team that uses it, tag it with an owner in its source, or declare it in the using component’s catalog-info.yaml.',
    check: spec => {
      if (spec.ownership?.status !== 'unowned') return undefined;
      const suggested = spec.ownership.suggestedOwners ?? [];
      return suggested.length
        ? `no owner; suggested: ${shortList(suggested)}`
        : 'no owner';
    },
  },
  {
    id: 'NHI-UNOWNED-PAST-GRACE',
    title: 'Unowned past the grace period',
    severity: 'critical',
    owasp: 'NHI1',
    description:
      'Nobody has owned the identity for longer than the grace period (30 days by default, nhi.evaluation.unownedGraceDays): the policy is that it is deactivated. The claims backend records when it first saw the identity unowned and notifies the suggested owners on the way (day 0, 7 and 21 by default).',
    remediation:
      'Claim it for the team that uses it today; otherwise deactivate it (its access-review campaign, or the NHI page’s deactivation list).',
    check: (spec, { policy, now, unownedSince }) => {
      if (spec.ownership?.status !== 'unowned' || unownedSince === undefined) {
        return undefined;
      }
      const graceEnds = unownedSince + policy.unownedGraceDays * DAY;
      if (now < graceEnds) return undefined;
      return `unowned since ${day(unownedSince)}, past the ${
        policy.unownedGraceDays
      }-day grace period (ended ${day(graceEnds)}): listed for deactivation`;
    },
  },
  {
    id: 'NHI-UNKNOWN-OWNER',
    title: 'Owner tag names nobody in the catalog',
    severity: 'medium',
    owasp: 'NHI1',
    description:
      'The source names an owner that is not a team or person in the catalog — often a team that was renamed or dissolved.',
    remediation:
      'Fix the owner tag in the source to an existing team, or claim the identity.',
    check: spec =>
      spec.ownership?.unresolvedOwner
        ? `owner "${spec.ownership.unresolvedOwner}" is not a Group or User in the catalog`
        : undefined,
  },
  {
    id: 'NHI-DORMANT-IDENTITY',
    title: 'Dormant identity',
    severity: 'medium',
    owasp: 'NHI1',
    description:
      'The identity has not been used for longer than the dormancy threshold — or was never used since it was created that long ago, or has no credential left to use it with — yet it still exists and can be brought back.',
    remediation:
      'Confirm with the owner that it is no longer needed, then disable and delete it.',
    check: (spec, { policy, now }) => {
      // Evidence names dates, not day counts, so it does not change daily.
      const last = lastUseOf(spec);
      if (last !== undefined) {
        return daysSince(last, now) >= policy.dormantDays
          ? `last used ${day(last)} (dormant after ${policy.dormantDays} days)`
          : undefined;
      }
      const created = parseTime(spec.createdBy?.at);
      const since = created === undefined ? '' : ` (created ${day(created)})`;
      const window = spec.lastUsed?.notWithinDays;
      if (window !== undefined && window >= policy.dormantDays) {
        return `no use recorded in the ${window} days its source tracks${since}`;
      }
      const oldEnough =
        created !== undefined && daysSince(created, now) >= policy.dormantDays;
      if (spec.lastUsed?.never && oldEnough) {
        return `never used since it was created ${day(created!)}`;
      }
      if (
        CREDENTIAL_BOUND_TYPES.has(spec.type) &&
        spec.credentials &&
        !active(spec).length &&
        (created === undefined || oldEnough)
      ) {
        return `no active credential: nothing can authenticate as it${since}`;
      }
      return undefined;
    },
  },
  {
    id: 'NHI-DORMANT-CREDENTIAL',
    title: 'Dormant credential',
    severity: 'medium',
    owasp: 'NHI1',
    description:
      'An active credential has not been used for longer than the dormancy threshold.',
    remediation: 'Deactivate the credential, then delete it if nothing breaks.',
    check: (spec, { policy, now }) => {
      const dormant = active(spec).filter(c => {
        const t = parseTime(c.lastUsed?.at);
        return t !== undefined && daysSince(t, now) >= policy.dormantDays;
      });
      return dormant.length
        ? `${shortList(
            dormant.map(
              c => `${c.id} (last used ${c.lastUsed!.at!.slice(0, 10)})`,
            ),
          )}`
        : undefined;
    },
  },
  {
    id: 'NHI-NEVER-USED-CREDENTIAL',
    title: 'Credential never used',
    severity: 'low',
    owasp: 'NHI1',
    description:
      'An active credential was created but never used: it is attack surface without a purpose.',
    remediation: 'Delete it; create credentials only when they are needed.',
    check: (spec, { policy, now }) => {
      const unused = active(spec).filter(c => {
        const created = parseTime(c.createdAt);
        return (
          c.lastUsed?.never &&
          created !== undefined &&
          daysSince(created, now) >= policy.neverUsedGraceDays
        );
      });
      return unused.length
        ? shortList(
            unused.map(c => `${c.id} (created ${c.createdAt!.slice(0, 10)})`),
          )
        : undefined;
    },
  },
  {
    id: 'NHI-LEAKED-CREDENTIAL',
    title: 'Credential found by a secret scanner',
    severity: 'critical',
    owasp: 'NHI2',
    description:
      'A secret scanner found this credential in a repository, so anyone with access to that history may hold it.',
    remediation:
      'Rotate the credential now, check its use since the commit, and purge it from the history.',
    check: (spec, { leaksOf }) => {
      const found: string[] = [];
      for (const c of spec.credentials ?? []) {
        for (const leak of leaksOf(c.id) ?? []) {
          const where = [
            leak.repository,
            leak.file
              ? `${leak.file}${leak.line ? `:${leak.line}` : ''}`
              : undefined,
            leak.commit ? `commit ${leak.commit.slice(0, 12)}` : undefined,
          ]
            .filter(Boolean)
            .join(' ');
          found.push(
            `${c.id} found by ${leak.scanner}${where ? ` in ${where}` : ''}${
              leak.link ? ` (${leak.link})` : ''
            }`,
          );
        }
      }
      return found.length ? shortList(found, 2) : undefined;
    },
  },
  {
    id: 'NHI-SECRET-IN-METADATA',
    title: 'Secret material in identity metadata',
    // Critical like a leaked credential: whoever can read the source (the
    // inventory file, the cloud console's tags) holds a live secret.
    severity: 'critical',
    owasp: 'NHI2',
    description:
      'The source gave the identity a description, tag or other text holding a secret (an access key, a token, a private key, a password). The pipeline redacted it before storing anything, but the source still holds it, readable by everyone who can read the source.',
    remediation:
      'Rotate the exposed secret now, remove it from the source (the tag, the description, the inventory file and its history), then check its use since it was written there.',
    check: spec => {
      const found = spec.redactedSecrets ?? [];
      if (!found.length) return undefined;
      const byField = new Map<string, Set<string>>();
      for (const { field, kind } of found) {
        byField.set(field, (byField.get(field) ?? new Set()).add(kind));
      }
      return `redacted at ingest: ${shortList(
        [...byField].map(
          ([field, kinds]) => `${[...kinds].join(', ')} in ${field}`,
        ),
      )}`;
    },
  },
  {
    id: 'NHI-PUBLIC-TRUST',
    title: 'Anyone can assume the identity',
    severity: 'critical',
    owasp: 'NHI3',
    description:
      'The trust policy lets any principal assume the identity, without a condition that restricts who.',
    remediation:
      'Restrict the trust policy to the accounts or services that need it (and add conditions such as aws:PrincipalOrgID).',
    check: spec =>
      spec.permissions?.trust?.public
        ? 'trust policy allows Principal "*"'
        : undefined,
  },
  {
    id: 'NHI-EXTERNAL-TRUST-NO-EXTERNAL-ID',
    title: 'Other accounts can assume it without an external id',
    severity: 'high',
    owasp: 'NHI3',
    description:
      'Third-party accounts are trusted without an external id, which exposes the identity to the confused-deputy problem.',
    remediation:
      'Require an sts:ExternalId condition for every third-party account in the trust policy.',
    check: spec => {
      const accounts =
        spec.permissions?.trust?.externalAccountsWithoutExternalId;
      return accounts?.length
        ? `trusted without external id: ${shortList(accounts)}`
        : undefined;
    },
  },
  {
    id: 'NHI-THIRD-PARTY-TRUST',
    title: 'Other accounts can assume it',
    severity: 'low',
    owasp: 'NHI3',
    description:
      'Accounts or organizations outside your organization can assume the identity; each is a third party whose compromise reaches you.',
    remediation:
      'Review the trusted accounts regularly and remove those no longer needed.',
    check: spec => {
      const accounts = spec.permissions?.trust?.externalAccounts ?? [];
      const orgs = spec.permissions?.trust?.externalOrganizations ?? [];
      const parts = [
        accounts.length ? `trusted accounts: ${shortList(accounts)}` : '',
        orgs.length ? `any principal of organization ${shortList(orgs)}` : '',
      ].filter(Boolean);
      return parts.length ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'NHI-PASSWORD-AUTH',
    title: 'Machine identity with a password',
    severity: 'medium',
    owasp: 'NHI4',
    description:
      'A password is a legacy, phishable way for a machine to authenticate and is rarely rotated.',
    remediation:
      'Move the workload to federated or short-lived credentials and remove the password.',
    check: spec => {
      const passwords = active(spec).filter(c => c.kind === 'password');
      return passwords.length
        ? `active password: ${shortList(passwords.map(c => c.id))}`
        : undefined;
    },
  },
  {
    id: 'NHI-SIGNING-CERTIFICATE',
    title: 'Legacy signing certificate',
    severity: 'medium',
    owasp: 'NHI4',
    description:
      'An active signing certificate is a legacy authentication method for API calls.',
    remediation:
      'Delete the signing certificate and use short-lived credentials.',
    check: spec => {
      const certs = active(spec).filter(c => c.kind === 'signing-certificate');
      return certs.length
        ? `active signing certificate: ${shortList(certs.map(c => c.id))}`
        : undefined;
    },
  },
  {
    id: 'NHI-ADMIN',
    title: 'Administrator access',
    severity: 'critical',
    owasp: 'NHI5',
    description: 'The identity can do everything in its account.',
    remediation:
      'Replace administrator access with a policy scoped to what the workload does (access analyzers can generate one from its activity).',
    check: spec =>
      spec.permissions?.admin
        ? spec.permissions.summary ?? 'has administrator access'
        : undefined,
  },
  {
    id: 'NHI-PRIVILEGE-ESCALATION',
    title: 'Can escalate its own privileges',
    severity: 'high',
    owasp: 'NHI5',
    description:
      'The identity holds a combination of permissions that lets it grant itself more.',
    remediation:
      'Remove one permission of each escalation path, or guard it with conditions and a permissions boundary.',
    check: spec => {
      const paths = spec.permissions?.escalation;
      return paths?.length
        ? `escalation paths: ${shortList(paths)}`
        : undefined;
    },
  },
  {
    id: 'NHI-SERVICE-WILDCARD',
    title: 'Service-wide wildcard permissions',
    severity: 'medium',
    owasp: 'NHI5',
    description: 'The identity may perform every action of a service.',
    remediation: 'Grant the actions the workload uses instead of service:*.',
    check: spec => {
      const w = spec.permissions?.serviceWildcards;
      return w?.length ? `wildcards: ${shortList(w)}` : undefined;
    },
  },
  {
    id: 'NHI-DATA-EXFILTRATION',
    title: 'Can read data broadly',
    severity: 'medium',
    owasp: 'NHI5',
    description:
      'The identity can read objects, secrets or parameters on every resource: a stolen credential can exfiltrate data.',
    remediation: 'Scope read actions to the resources the workload needs.',
    check: spec => {
      const a = spec.permissions?.dataExfiltration;
      return a?.length ? `actions: ${shortList(a)}` : undefined;
    },
  },
  {
    id: 'NHI-ROOT-ACCESS-KEY',
    title: 'Root account access key',
    severity: 'critical',
    owasp: 'NHI5',
    description:
      'The cloud account’s root user has an access key: unrestricted and impossible to scope.',
    remediation: 'Delete the root access key; use IAM roles for automation.',
    check: spec =>
      /:root$/.test(spec.externalId) &&
      active(spec).some(c => c.kind === 'access-key')
        ? `root access key: ${shortList(
            active(spec)
              .filter(c => c.kind === 'access-key')
              .map(c => c.id),
          )}`
        : undefined,
  },
  {
    id: 'NHI-AGENT-CREATED-ADMIN',
    title: 'Administrator identity created by an AI agent',
    severity: 'critical',
    owasp: 'NHI5',
    description:
      'An AI agent created an identity with administrator access — the “for initial setup” role that was never reduced.',
    remediation:
      'Reduce its permissions to what the workload needs, or delete it if the setup is done.',
    check: spec =>
      spec.createdBy?.type === 'agent' && spec.permissions?.admin
        ? `created by agent ${spec.createdBy.agent?.id ?? 'unknown'}${
            spec.createdBy.agent?.reason
              ? ` (“${spec.createdBy.agent.reason}”)`
              : ''
          } with administrator access`
        : undefined,
  },
  {
    id: 'NHI-OIDC-NO-SUBJECT',
    title: 'OIDC trust without a subject restriction',
    severity: 'critical',
    owasp: 'NHI6',
    description:
      'A CI/CD OIDC provider can assume the identity for any subject: any repository or pipeline on that provider can use it.',
    remediation:
      'Add a condition on the token subject (e.g. token.actions.githubusercontent.com:sub = repo:org/repo:ref:refs/heads/main).',
    check: spec => {
      const open = (spec.permissions?.trust?.oidc ?? []).filter(
        o => !o.subjectRestricted,
      );
      return open.length
        ? `unrestricted OIDC: ${shortList(open.map(o => o.provider))}`
        : undefined;
    },
  },
  {
    id: 'NHI-STATIC-CI-CREDENTIAL',
    title: 'Static credential used by CI/CD',
    severity: 'high',
    owasp: 'NHI6',
    description:
      'A pipeline authenticates with a long-lived static credential instead of short-lived workload identity.',
    remediation:
      'Switch the pipeline to OIDC workload identity federation and delete the static credential.',
    check: (spec, { policy }) => {
      const words = policy.ciPatterns.map(p => p.toLowerCase());
      const isCi =
        spec.type === 'cicd-token' ||
        (spec.usedBy ?? []).some(u => {
          const name = u.slice(u.lastIndexOf('/') + 1).toLowerCase();
          return words.some(w => name.split(/[-_.]/).includes(w) || name === w);
        });
      if (!isCi) return undefined;
      const statics = active(spec).filter(
        c =>
          ['access-key', 'token', 'api-key'].includes(c.kind) && !c.expiresAt,
      );
      return statics.length
        ? `CI/CD uses static ${shortList(
            statics.map(c => `${c.kind} ${c.id}`),
          )}`
        : undefined;
    },
  },
  {
    id: 'NHI-CREDENTIAL-NOT-ROTATED',
    title: 'Credential past its rotation policy',
    severity: 'high',
    owasp: 'NHI7',
    description:
      'An active credential is older than its rotation policy allows (or expired and still listed).',
    remediation:
      'Rotate it: create a new credential, switch the workload, delete the old one.',
    check: spec => {
      const late = active(spec).filter(c => isPastRotation(c.rotation?.status));
      return late.length
        ? shortList(
            late.map(
              c =>
                `${c.id} ${c.rotation!.status} (policy ${
                  c.rotation!.policy ?? 'none'
                }${c.rotation!.dueAt ? `, due ${c.rotation!.dueAt}` : ''})`,
            ),
          )
        : undefined;
    },
  },
  {
    id: 'NHI-NO-EXPIRY',
    title: 'Long-lived secret without expiry',
    severity: 'medium',
    owasp: 'NHI7',
    description:
      'A token, key or secret never expires, so a leak stays useful forever.',
    remediation: 'Issue it with an expiry and automate its renewal.',
    check: spec => {
      const forever = active(spec).filter(
        c =>
          (LONG_LIVED_KINDS.includes(c.kind) && !c.expiresAt) ||
          c.rotation?.status === 'no-expiry',
      );
      return forever.length
        ? `no expiry: ${shortList(forever.map(c => c.id))}`
        : undefined;
    },
  },
  {
    id: 'NHI-CERTIFICATE-EXPIRING',
    title: 'Certificate expires soon',
    severity: 'low',
    owasp: 'NHI7',
    description:
      'A certificate expires within the warning window: renew it before it breaks.',
    remediation: 'Renew the certificate (better: automate renewal).',
    check: spec => {
      const soon = active(spec).filter(
        c => c.kind === 'certificate' && c.rotation?.status === 'due-soon',
      );
      return soon.length
        ? shortList(
            soon.map(c => `${c.id} expires ${c.expiresAt?.slice(0, 10)}`),
          )
        : undefined;
    },
  },
  {
    id: 'NHI-TWO-ACTIVE-KEYS',
    title: 'Two active access keys',
    severity: 'medium',
    owasp: 'NHI7',
    description:
      'More than one access key is active: usually a rotation left half done, doubling what can leak.',
    remediation: 'Finish the rotation: deactivate and delete the older key.',
    check: spec => {
      const keys = active(spec).filter(c => c.kind === 'access-key');
      return keys.length > 1
        ? `active keys: ${shortList(keys.map(c => c.id))}`
        : undefined;
    },
  },
  {
    id: 'NHI-CROSS-ENVIRONMENT',
    title: 'Used in production and non-production',
    severity: 'medium',
    owasp: 'NHI8',
    description:
      'One identity serves production and other environments, so a test system can reach production.',
    remediation: 'Give each environment its own identity.',
    check: (spec, { policy }) => {
      const envs = spec.environments ?? [];
      const prod = envs.filter(e => isProduction(e, policy));
      const other = envs.filter(e => !isProduction(e, policy));
      return prod.length && other.length
        ? `environments: ${envs.join(', ')}`
        : undefined;
    },
  },
  {
    id: 'NHI-SHARED-IDENTITY',
    title: 'Shared by several services',
    severity: 'medium',
    owasp: 'NHI9',
    description:
      'Several services use one identity: its permissions are the union of their needs and its compromise reaches all of them.',
    remediation: 'Give each service its own identity with its own permissions.',
    check: (spec, { policy }) => {
      const users = spec.usedBy ?? [];
      return users.length > policy.maxServicesPerIdentity
        ? `used by ${users.length}: ${shortList(users)}`
        : undefined;
    },
  },
  {
    id: 'NHI-INTERACTIVE-LOGIN',
    title: 'Machine identity can log in interactively',
    severity: 'high',
    owasp: 'NHI10',
    description:
      'The identity has console or interactive access, which means humans can use it — and do.',
    remediation:
      'Remove console access; people should use their own accounts with SSO and MFA.',
    check: spec => {
      if (!spec.interactiveLogin) return undefined;
      if (spec.mfa === false) return 'console access without MFA';
      return spec.mfa ? 'console access with MFA' : 'console access';
    },
  },
  {
    id: 'NHI-PERSONAL-TOKEN',
    title: 'Personal access token used as a machine identity',
    severity: 'medium',
    owasp: 'NHI10',
    description:
      'A token tied to a person serves automation: it breaks or lingers when the person leaves.',
    remediation:
      'Replace it with an app or service identity owned by the team.',
    check: spec =>
      spec.type === 'personal-access-token'
        ? `personal token${
            spec.createdBy?.ref ? ` of ${spec.createdBy.ref}` : ''
          }`
        : undefined,
  },
  {
    id: 'NHI-AGENT-NO-EXPIRY',
    title: 'AI-agent identity without expiry',
    severity: 'high',
    owasp: 'NHI7',
    description:
      'An AI agent’s identity has no expiry, so it outlives the task it was made for.',
    remediation:
      'Give agent identities an expiry (the default policy is 24 hours for agent tokens).',
    check: spec =>
      spec.category === 'ai-agent' && !agentExpiry(spec)
        ? 'no expiry on the agent identity'
        : undefined,
  },
  {
    id: 'NHI-AGENT-EXPIRED',
    title: 'AI-agent identity past its expiry',
    severity: 'high',
    owasp: 'NHI1',
    description:
      'The agent identity’s expiry has passed but it can still be used: it has active credentials or can be assumed.',
    remediation: 'Disable its credentials and delete the identity.',
    check: (spec, { now }) => {
      const exp = parseTime(agentExpiry(spec));
      return spec.category === 'ai-agent' &&
        exp !== undefined &&
        exp <= now &&
        stillUsable(spec)
        ? `expired ${day(exp)}; ${usableBy(spec)}`
        : undefined;
    },
  },
  {
    id: 'NHI-AGENT-NO-HUMAN',
    title: 'AI-agent identity without an accountable human',
    severity: 'high',
    owasp: 'NHI1',
    description:
      'Nobody is named as the human the agent acts for, so its actions cannot be attributed.',
    remediation: 'Record the accountable human (on-behalf-of) for the agent.',
    check: spec =>
      spec.category === 'ai-agent' && !spec.agent?.onBehalfOf
        ? 'no on-behalf-of human recorded'
        : undefined,
  },
  {
    id: 'NHI-AGENT-CREATED-UNTAGGED',
    title: 'Agent-created identity missing provenance',
    severity: 'medium',
    owasp: 'NHI1',
    description:
      'An identity an AI agent created lacks the agent id, the originating human, the reason or the expiry that policy requires.',
    remediation:
      'Tag it with agent-id, on-behalf-of, reason and expires-at — or delete it if nobody can say why it exists.',
    check: spec => {
      if (spec.createdBy?.type !== 'agent') return undefined;
      const a = spec.createdBy.agent;
      const missing = [
        !a?.id && 'agent id',
        !a?.onBehalfOf && 'on-behalf-of',
        !a?.reason && 'reason',
        !a?.expiresAt && 'expiry',
      ].filter(Boolean) as string[];
      return missing.length ? `missing: ${missing.join(', ')}` : undefined;
    },
  },
  {
    id: 'NHI-AGENT-CREATED-EXPIRED',
    title: 'Agent-created identity past the expiry it was given',
    severity: 'high',
    owasp: 'NHI1',
    description:
      'An AI agent created the identity with an expiry that has passed, yet it can still be used: it has active credentials or can be assumed.',
    remediation:
      'Delete it, or claim it and give it a new owner-approved expiry.',
    check: (spec, { now }) => {
      const exp = parseTime(spec.createdBy?.agent?.expiresAt);
      return spec.createdBy?.type === 'agent' &&
        exp !== undefined &&
        exp <= now &&
        stillUsable(spec)
        ? `expired ${day(exp)}, created by ${
            spec.createdBy.agent?.id ?? 'an agent'
          }; ${usableBy(spec)}`
        : undefined;
    },
  },
  // Rules of source modules: one file each under ./sourceRules, spread here
  // (one line per source, below this comment).
  ...NHI_GITHUB_RULES,
  ...NHI_KUBERNETES_RULES,
  ...NHI_GCP_RULES,
  ...NHI_AZURE_RULES,
];
