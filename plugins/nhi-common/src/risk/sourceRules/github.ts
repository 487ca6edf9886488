import type { NonHumanIdentitySpec } from '../../kind/types';
import { shortList } from '../../text';
import { day, parseTime } from '../time';
import { active, daysSince } from '../ruleHelpers';
import { rotationPolicyFor } from '../rotation';
import type { NhiRule } from '../rules';

/*
 * Rules of the GitHub source (provider `github`): what the catalog's general
 * rules do not see in deploy keys, GitHub App installations, fine-grained
 * tokens and Actions secrets. Administration rights, escalation paths,
 * write on every repository, third-party apps, dormancy, rotation and
 * missing expiry are the general rules' (NHI-ADMIN,
 * NHI-PRIVILEGE-ESCALATION, NHI-SERVICE-WILDCARD, NHI-THIRD-PARTY-TRUST,
 * NHI-DORMANT-…, NHI-CREDENTIAL-NOT-ROTATED, NHI-NO-EXPIRY).
 */

const isGithub = (spec: NonHumanIdentitySpec) => spec.provider === 'github';
const writes = (spec: NonHumanIdentitySpec) =>
  (spec.permissions?.scopes ?? []).includes('contents:write');

/** Names that tell a cloud credential stored as an Actions secret. */
const CLOUD_KEY =
  /^(AWS_|AZURE_|ARM_|GCP_|GOOGLE_|GCLOUD_)|SERVICE_ACCOUNT|_SA_KEY$/i;

/**
 * The rules of the GitHub source.
 *
 * @public
 */
export const NHI_GITHUB_RULES: NhiRule[] = [
  {
    id: 'NHI-GITHUB-DORMANT-WRITE-DEPLOY-KEY',
    title: 'Write deploy key unused for months',
    severity: 'high',
    owasp: 'NHI5',
    description:
      'A deploy key that can push to its repository has not been used for longer than the dormancy threshold (or never since it was added that long ago). Whoever holds the private key can still push code — and workflow files that run with the repository’s secrets — although nothing needs the write access any more.',
    remediation:
      'Delete the key; if something still deploys with it, add a new read-only key (or a GitHub App with the permissions it needs) and rotate it.',
    check: (spec, { policy, now }) => {
      if (!isGithub(spec) || spec.type !== 'deploy-key' || !writes(spec)) {
        return undefined;
      }
      const dormant = active(spec).filter(c => {
        const used = parseTime(c.lastUsed?.at);
        if (used !== undefined) {
          return daysSince(used, now) >= policy.dormantDays;
        }
        const created = parseTime(c.createdAt);
        return (
          !!c.lastUsed?.never &&
          created !== undefined &&
          daysSince(created, now) >= policy.dormantDays
        );
      });
      return dormant.length
        ? `write key ${shortList(
            dormant.map(c =>
              c.lastUsed?.at
                ? `${c.id} last used ${day(parseTime(c.lastUsed.at)!)}`
                : `${c.id} never used since ${day(parseTime(c.createdAt)!)}`,
            ),
            2,
          )} (dormant after ${policy.dormantDays} days)`
        : undefined;
    },
  },
  {
    id: 'NHI-GITHUB-THIRD-PARTY-APP-WRITES-EVERYWHERE',
    title: 'Third-party GitHub App can write to every repository',
    severity: 'high',
    owasp: 'NHI3',
    description:
      'A GitHub App owned by another company is installed on all repositories with write access: whoever holds that app’s private key — the vendor, or an attacker who breached it — can push to every repository of the organization.',
    remediation:
      'Install the app on the repositories that need it only, and remove the write permissions it does not use; prefer apps your organization owns for automation that writes.',
    check: spec => {
      if (!isGithub(spec) || spec.type !== 'github-app-installation') {
        return undefined;
      }
      const vendors = spec.permissions?.trust?.externalOrganizations ?? [];
      const everywhere = spec.permissions?.serviceWildcards ?? [];
      return vendors.length && everywhere.length
        ? `owned by ${shortList(vendors)}; ${shortList(everywhere, 2)}`
        : undefined;
    },
  },
  {
    id: 'NHI-GITHUB-TOKEN-LIFETIME-BEYOND-POLICY',
    title: 'Fine-grained token lives longer than the rotation policy',
    severity: 'medium',
    owasp: 'NHI7',
    description:
      'A fine-grained personal access token granted to (or asking for) the organization expires later after it was granted than the rotation policy allows a token to live: it stays within policy only until the policy’s age is reached, and then keeps working for months.',
    remediation:
      'Ask the owner for a token that expires within the policy (GitHub can enforce a maximum lifetime for the organization), then revoke this one.',
    check: (spec, { policy }) => {
      if (!isGithub(spec) || spec.type !== 'personal-access-token') {
        return undefined;
      }
      const long = (spec.credentials ?? []).filter(c => {
        if (c.status === 'expired' || c.status === 'revoked') return false;
        const expires = parseTime(c.expiresAt);
        const since = parseTime(c.createdAt);
        const max = rotationPolicyFor(c, spec, policy)?.maxAgeDays;
        return (
          expires !== undefined &&
          since !== undefined &&
          max !== undefined &&
          daysSince(since, expires) > max
        );
      });
      return long.length
        ? `${shortList(
            long.map(
              c =>
                `${c.id} expires ${day(parseTime(c.expiresAt)!)}, ${daysSince(
                  parseTime(c.createdAt)!,
                  parseTime(c.expiresAt)!,
                )} days after it was granted`,
            ),
            2,
          )} (policy ${rotationPolicyFor(long[0], spec, policy)?.name})`
        : undefined;
    },
  },
  {
    id: 'NHI-GITHUB-SECRET-FOR-EVERY-REPOSITORY',
    title: 'Organization secret available to every repository',
    severity: 'medium',
    owasp: 'NHI9',
    description:
      'An organization Actions secret is available to all (private) repositories: any workflow of any of them — including repositories nobody reviews — can read it, so one secret serves, and leaks through, them all.',
    remediation:
      'Set the secret’s repository access to the repositories that need it, or move it to those repositories (or their environments).',
    check: spec =>
      isGithub(spec) &&
      spec.type === 'ci-secret' &&
      spec.permissions?.trust?.organizations?.length
        ? `every repository of ${shortList(
            spec.permissions.trust.organizations,
          )} can read it`
        : undefined,
  },
  {
    id: 'NHI-GITHUB-CLOUD-KEY-IN-ACTIONS',
    title: 'Cloud key stored as an Actions secret',
    severity: 'medium',
    owasp: 'NHI6',
    description:
      'An Actions secret holds a long-lived cloud credential (an access key, a service-account key, a client secret), although GitHub Actions can get short-lived cloud credentials through OIDC with nothing stored.',
    remediation:
      'Trust GitHub’s OIDC issuer in the cloud (an IAM role, a workload identity pool, a federated credential) restricted to the repository’s subject, switch the workflow to it, then delete the secret and the key.',
    check: spec => {
      if (!isGithub(spec) || spec.type !== 'ci-secret') return undefined;
      const keys = active(spec).filter(
        c =>
          (c.kind === 'access-key' || c.kind === 'client-secret') &&
          CLOUD_KEY.test(c.id.slice(c.id.lastIndexOf('/') + 1)),
      );
      return keys.length
        ? `stores ${shortList(
            keys.map(c => c.id.slice(c.id.lastIndexOf('/') + 1)),
          )}; use OIDC instead`
        : undefined;
    },
  },
];
