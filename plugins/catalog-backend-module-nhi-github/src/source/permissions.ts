import { NhiPermissionSummary } from '@backstage-nhi/plugin-nhi-common';

/**
 * What a GitHub App installation or a fine-grained token may do: its
 * permissions (`contents: write`, …) and the repositories they apply to.
 *
 * @public
 */
export interface GithubGrant {
  /** Permission name → `read`, `write` or `admin`, organization and repository permissions together. */
  permissions: Record<string, string>;
  /** `all` repositories of the organization, some, or none. */
  repositorySelection: 'all' | 'selected' | 'subset' | 'none';
  /** For a selection: the repository names, when known. */
  repositories?: string[];
  /** The organization. */
  organization: string;
  /** An app's owner when it is not the organization (a third party). */
  thirdPartyOwner?: string;
}

const WRITE = new Set(['write', 'admin']);

/**
 * Permissions that let the holder grant itself (or whatever it controls)
 * more than it has, with the path named as the evidence shows it.
 */
const ESCALATION_PATHS: Record<string, string> = {
  workflows:
    'workflows:write → edit workflow files → run with the repositories’ Actions secrets and GITHUB_TOKEN',
  administration:
    'administration:write → add deploy keys and collaborators, lift branch protection',
  members:
    'members:write → add people to the organization and to teams that hold repository access',
  organization_self_hosted_runners:
    'organization_self_hosted_runners:write → register runners that receive jobs and their secrets',
};

/** Organization permissions that are administration of the organization itself. */
const ORGANIZATION_ADMIN = ['organization_administration'];

const word = (n: number, one: string, many = `${one}s`) =>
  `${n} ${n === 1 ? one : many}`;

/** The repositories a grant applies to, in words. */
function repositoriesInWords(grant: GithubGrant): string {
  if (grant.repositorySelection === 'all') {
    return `all repositories of ${grant.organization}`;
  }
  if (grant.repositorySelection === 'none') {
    return `no repositories of ${grant.organization}`;
  }
  const names = grant.repositories ?? [];
  if (!names.length) return `selected repositories of ${grant.organization}`;
  return `${word(names.length, 'repository', 'repositories')} (${names
    .slice(0, 5)
    .join(', ')}${names.length > 5 ? ', …' : ''})`;
}

/**
 * The three verdicts for a GitHub App installation or a fine-grained token,
 * as every source gives them:
 *
 * - administrator-equivalent (`admin`): organization administration with
 *   write access, or repository administration with write access on every
 *   repository — either controls who can do anything in the organization;
 * - escalation paths named (`escalation`): write access that reaches more
 *   than it is (workflows → Actions secrets, administration → deploy keys
 *   and collaborators, members → team access, runners → jobs' secrets);
 * - third-party trust (`trust.externalOrganizations`): an app another
 *   account owns, whose keys that account holds.
 *
 * Write access to every repository is named as a wildcard
 * (`contents:write on all repositories`), read access to every repository's
 * code as broad data access; `scopes` lists the permissions as GitHub names
 * them; `summary` says it in a sentence.
 *
 * @public
 */
export function githubPermissionVerdicts(
  grant: GithubGrant,
): NhiPermissionSummary {
  const entries = Object.entries(grant.permissions)
    .filter(([, level]) => !!level)
    .sort(([a], [b]) => a.localeCompare(b));
  const writes = entries.filter(([, level]) => WRITE.has(level));
  const all = grant.repositorySelection === 'all';
  const isOrgLevel = (name: string) =>
    name.startsWith('organization_') || name === 'members';
  const repositoryWrites = writes
    .map(([name]) => name)
    .filter(name => !isOrgLevel(name) && name !== 'metadata');

  const adminBy: string[] = [];
  for (const name of ORGANIZATION_ADMIN) {
    if (WRITE.has(grant.permissions[name] ?? '')) {
      adminBy.push(`${name}:${grant.permissions[name]}`);
    }
  }
  if (all && WRITE.has(grant.permissions.administration ?? '')) {
    adminBy.push(
      `administration:${grant.permissions.administration} on all repositories`,
    );
  }

  const escalation = writes
    .map(([name]) => ESCALATION_PATHS[name])
    .filter((p): p is string => !!p)
    // Administration on every repository is already administrator-equivalent.
    .filter(p => !(all && p.startsWith('administration:')));

  const serviceWildcards = all
    ? repositoryWrites.map(name => `${name}:write on all repositories`)
    : [];
  const readsCode = all && !!grant.permissions.contents;
  const dataExfiltration = readsCode ? ['contents of all repositories'] : [];

  const where = repositoriesInWords(grant);
  const parts: string[] = [];
  if (adminBy.length) {
    parts.push(`administrator-equivalent: ${adminBy.join(', ')}`);
  }
  const organizationWrites = writes
    .map(([name]) => name)
    .filter(name => isOrgLevel(name));
  if (repositoryWrites.length) {
    parts.push(`write on ${where}: ${repositoryWrites.join(', ')}`);
  } else if (grant.repositorySelection !== 'none') {
    parts.push(`read-only on ${where}`);
  }
  if (organizationWrites.length) {
    parts.push(
      `write on the organization ${
        grant.organization
      }: ${organizationWrites.join(', ')}`,
    );
  }
  if (escalation.length) {
    parts.push(
      `escalation through ${escalation.map(p => p.split(' ')[0]).join(', ')}`,
    );
  }
  if (grant.thirdPartyOwner) {
    parts.push(`owned by ${grant.thirdPartyOwner} (third party)`);
  }

  const summary: NhiPermissionSummary = {
    scopes: entries.map(([name, level]) => `${name}:${level}`),
    summary: parts.join('; '),
  };
  if (adminBy.length) summary.admin = true;
  if (escalation.length) summary.escalation = escalation;
  if (serviceWildcards.length) summary.serviceWildcards = serviceWildcards;
  if (dataExfiltration.length) summary.dataExfiltration = dataExfiltration;
  if (grant.thirdPartyOwner) {
    summary.trust = { externalOrganizations: [grant.thirdPartyOwner] };
  }
  return summary;
}
