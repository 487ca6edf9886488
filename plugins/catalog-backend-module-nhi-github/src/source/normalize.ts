import {
  NhiCreation,
  NhiCredentialKind,
  NhiPermissionSummary,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import yaml from 'js-yaml';
import { createHash } from 'node:crypto';
import { repositoryOwnersFromCodeowners } from './codeowners';
import { githubPermissionVerdicts } from './permissions';
import { organizationScope, repositoryScope } from './readOrganization';
import {
  InstallationData,
  OrganizationSnapshot,
  RepositoryData,
  SecretData,
  TokenGrantData,
} from './snapshot';

/** How records are made. */
export interface NormalizeOptions {
  /** The GitHub host, e.g. `github.com` (ids, links). */
  host: string;
  /** Repository custom properties naming an owner, first present wins. */
  ownerProperties: string[];
  /** Whether a repository without a catalog file stands for the component of its name. */
  repositoryNameAsComponent: boolean;
}

/**
 * The components a repository's identities are used by: the Components its
 * catalog file defines (the file GitHub discovery registers, whose
 * `github.com/project-slug` is this repository), else — when allowed — the
 * component named like the repository.
 */
export function repositoryComponents(
  repo: Pick<RepositoryData, 'name' | 'catalogInfo'>,
  repositoryNameAsComponent: boolean,
): string[] {
  if (repo.catalogInfo) {
    try {
      const refs = yaml
        .loadAll(repo.catalogInfo)
        .map(d => d as { kind?: unknown; metadata?: any })
        .filter(
          d =>
            typeof d?.kind === 'string' &&
            d.kind.toLowerCase() === 'component' &&
            typeof d.metadata?.name === 'string',
        )
        .map(
          d =>
            `component:${d.metadata.namespace ?? 'default'}/${d.metadata.name}`,
        );
      if (refs.length) return [...new Set(refs)];
    } catch {
      // An unreadable catalog file names nothing; the fallback applies.
    }
  }
  return repositoryNameAsComponent ? [repo.name] : [];
}

/** The OIDC issuer of GitHub Actions on a host. */
export function actionsOidcIssuer(host: string): string {
  return host === 'github.com'
    ? 'https://token.actions.githubusercontent.com'
    : `https://${host}/_services/token`;
}

/**
 * The subject of the Actions OIDC tokens of an organization, as a template:
 * claims GitHub fills per job in braces. With no customization GitHub's
 * default applies, `repo:<org>/<repo>:<context>`.
 */
export function actionsOidcSubject(org: string, claimKeys: string[]): string {
  const keys = claimKeys.length ? claimKeys : ['repo', 'context'];
  return keys
    .map(key => {
      if (key === 'repo') return `repo:${org}/{repo}`;
      if (key === 'repository_owner') return `repository_owner:${org}`;
      if (key === 'context') return '{context}';
      return `${key}:{${key}}`;
    })
    .join(':');
}

/**
 * The kind of credential an Actions secret most likely holds, from its name
 * (GitHub never returns the value). Unknown names count as tokens.
 */
export function secretCredentialKind(name: string): NhiCredentialKind {
  const n = name.toUpperCase();
  if (
    /ACCESS_KEY|SECRET_KEY_ID|_SA_KEY$|SERVICE_ACCOUNT|CREDENTIALS_JSON/.test(n)
  ) {
    return 'access-key';
  }
  if (/PASSWORD|PASSWD|(^|_)PASS$|(^|_)PWD$/.test(n)) return 'password';
  if (/WEBHOOK/.test(n)) return 'webhook-secret';
  if (/SSH|PRIVATE_KEY|DEPLOY_KEY|_PEM$/.test(n)) return 'ssh-key';
  if (/CLIENT_SECRET/.test(n)) return 'client-secret';
  if (/API_KEY|APIKEY|SECRET_KEY$/.test(n)) return 'api-key';
  return 'token';
}

/** The SHA-256 fingerprint of an SSH public key, as GitHub shows it. */
export function sshFingerprint(publicKey: string): string | undefined {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) return undefined;
  const digest = createHash('sha256')
    .update(Buffer.from(blob, 'base64'))
    .digest('base64')
    .replace(/=+$/, '');
  return `SHA256:${digest}`;
}

const differs = (a: string, b: string) =>
  Math.abs(Date.parse(a) - Date.parse(b)) > 60_000;

/**
 * Turns what was read of one organization into identity records: GitHub App
 * installations (`github-app-installation`), deploy keys (`deploy-key`),
 * fine-grained tokens granted or requested (`personal-access-token`),
 * Actions secrets of the organization, repositories and environments
 * (`ci-secret`, metadata only) and the organization's Actions OIDC
 * (`cicd-token` with its federation). Only data that was read is turned
 * into records; the rest keeps its entities.
 */
export function toIdentityRecords(
  snapshot: OrganizationSnapshot,
  options: NormalizeOptions,
): NhiIdentityRecord[] {
  const { org } = snapshot;
  const host = options.host;
  const web = `https://${host}`;
  const records: NhiIdentityRecord[] = [];
  const person = (login: string | null | undefined) =>
    login ? snapshot.emails.get(login.toLowerCase()) ?? login : undefined;
  const repositories = new Map(
    snapshot.repositories.map(r => [r.name.toLowerCase(), r]),
  );
  const ownerOf = (repo: RepositoryData | undefined) =>
    repo ? repositoryOwner(repo, options.ownerProperties, person) : undefined;
  const componentsOf = (name: string) =>
    repositoryComponents(
      repositories.get(name.toLowerCase()) ?? { name },
      options.repositoryNameAsComponent,
    );

  // Organization secrets visible to a repository.
  const organizationSecretsOf = (repo: RepositoryData): SecretData[] =>
    (snapshot.organizationSecrets ?? []).filter(s => {
      if (s.visibility === 'all') return true;
      if (s.visibility === 'selected') {
        return (s.selectedRepositories ?? []).some(
          n => n.toLowerCase() === repo.name.toLowerCase(),
        );
      }
      return repo.visibility !== 'public';
    });

  for (const i of snapshot.installations ?? []) {
    records.push(installationRecord(i, org, host));
  }
  for (const g of [
    ...(snapshot.tokenGrants ?? []),
    ...(snapshot.tokenRequests ?? []),
  ]) {
    records.push(tokenRecord(g, org, host, person(g.owner?.login)));
  }

  for (const s of snapshot.organizationSecrets ?? []) {
    const selected =
      s.visibility === 'selected' ? s.selectedRepositories ?? [] : [];
    const owners = [
      ...new Map(
        selected
          .map(n => ownerOf(repositories.get(n.toLowerCase())))
          .filter((o): o is { value: string; via: string } => !!o)
          .map(o => [o.value.toLowerCase(), o]),
      ).values(),
    ];
    const everyRepository = s.visibility !== 'selected';
    records.push(
      secretRecord({
        secret: s,
        org,
        externalId: `${host}/${org}/actions/secrets/${s.name}`,
        name: `${org}/${s.name}`,
        scope: organizationScope(org, 'organization-secrets'),
        what: `Organization Actions secret ${s.name} of ${org}`,
        where: secretAudience(org, s, selected),
        usedBy: [...new Set(selected.flatMap(componentsOf))],
        // Every (private) repository's workflows can read it: any principal
        // of the organization, in the kind's terms.
        trust: everyRepository ? { organizations: [org] } : undefined,
        owner: selected.length && owners.length === 1 ? owners[0] : undefined,
        tags: [
          'organization-secret',
          `visibility-${s.visibility ?? 'private'}`,
        ],
        link: `${web}/organizations/${org}/settings/secrets/actions`,
      }),
    );
  }

  for (const repo of snapshot.repositories) {
    const owner = ownerOf(repo);
    const fullName = `${org}/${repo.name}`;
    const archivedTag = repo.archived ? ['archived-repository'] : [];
    const secretsOfWorkflows =
      repo.secrets === undefined
        ? undefined
        : repo.secrets.length +
          Object.values(repo.environmentSecrets ?? {}).reduce(
            (n, list) => n + list.length,
            0,
          ) +
          (snapshot.organizationSecrets
            ? organizationSecretsOf(repo).length
            : 0);

    for (const k of repo.deployKeys ?? []) {
      const fingerprint = sshFingerprint(k.key);
      const lastUsed = k.last_used ? { at: k.last_used } : { never: true };
      const createdBy: NhiCreation = k.added_by
        ? { type: 'person', name: person(k.added_by), at: k.created_at }
        : { type: 'unknown', at: k.created_at };
      const escalation =
        !k.read_only && !repo.archived && secretsOfWorkflows
          ? [
              `push to ${fullName} → its workflows run with ${secretsOfWorkflows} Actions ${
                secretsOfWorkflows === 1 ? 'secret' : 'secrets'
              }`,
            ]
          : undefined;
      const permissions: NhiPermissionSummary = {
        scopes: [k.read_only ? 'contents:read' : 'contents:write'],
        summary: k.read_only
          ? `read (clone) access to ${fullName}`
          : `write (push) access to ${fullName}${
              repo.archived
                ? ' — the repository is archived, so read-only until it is unarchived'
                : ''
            }`,
        ...(escalation ? { escalation } : {}),
      };
      records.push({
        externalId: `${host}/${org}/deploy-keys/${k.id}`,
        name: `${repo.name}/${k.title}`,
        description: `Deploy key "${k.title}" of ${fullName} (${
          k.read_only ? 'read-only' : 'read and write'
        })${k.added_by ? `, added by ${k.added_by}` : ''}.`,
        type: 'deploy-key',
        category: 'machine-certificate',
        provider: 'github',
        account: org,
        scope: repositoryScope(org, repo.name, 'deploy-keys'),
        tags: [
          'github',
          'deploy-key',
          k.read_only ? 'read-only' : 'write-access',
          ...archivedTag,
        ],
        ...(owner ? { owner } : {}),
        ...(componentsOf(repo.name).length
          ? { usedBy: componentsOf(repo.name) }
          : {}),
        createdBy,
        lastUsed,
        credentials: [
          {
            id: fingerprint ?? `deploy-key-${k.id}`,
            kind: 'ssh-key',
            status: k.enabled === false ? 'inactive' : 'active',
            createdAt: k.created_at,
            lastUsed,
          },
        ],
        permissions,
        links: [
          { url: `${web}/${fullName}/settings/keys`, title: 'Deploy keys' },
        ],
      });
    }

    for (const s of repo.secrets ?? []) {
      records.push(
        secretRecord({
          secret: s,
          org,
          externalId: `${host}/${fullName}/actions/secrets/${s.name}`,
          name: `${repo.name}/${s.name}`,
          scope: repositoryScope(org, repo.name, 'secrets'),
          what: `Repository Actions secret ${s.name} of ${fullName}`,
          where: fullName,
          usedBy: componentsOf(repo.name),
          owner,
          tags: ['repository-secret', ...archivedTag],
          link: `${web}/${fullName}/settings/secrets/actions`,
        }),
      );
    }
    for (const [env, secrets] of Object.entries(
      repo.environmentSecrets ?? {},
    )) {
      for (const s of secrets) {
        records.push(
          secretRecord({
            secret: s,
            org,
            externalId: `${host}/${fullName}/environments/${env}/secrets/${s.name}`,
            name: `${repo.name}/${env}/${s.name}`,
            scope: repositoryScope(org, repo.name, 'environment-secrets'),
            what: `Environment secret ${s.name} of ${fullName}, environment ${env}`,
            where: `jobs of ${fullName} that deploy to ${env}`,
            usedBy: componentsOf(repo.name),
            environments: [env],
            owner,
            tags: ['environment-secret', ...archivedTag],
            link: `${web}/${fullName}/settings/environments`,
          }),
        );
      }
    }
  }

  if (snapshot.oidcClaimKeys) {
    const subject = actionsOidcSubject(org, snapshot.oidcClaimKeys);
    const issuer = actionsOidcIssuer(host);
    records.push({
      externalId: `${host}/${org}/actions/oidc`,
      name: `${org}/actions-oidc`,
      description: `GitHub Actions of ${org} can request short-lived OIDC tokens from ${issuer} (subject ${subject}${
        snapshot.oidcClaimKeys.length ? ', customized' : ', GitHub’s default'
      }) and use cloud roles that trust them instead of stored secrets.`,
      type: 'cicd-token',
      category: 'api-key',
      provider: 'github',
      account: org,
      scope: organizationScope(org, 'oidc'),
      tags: ['github', 'actions', 'oidc'],
      federation: [{ kind: 'oidc', issuer, subject }],
      permissions: {
        summary: `short-lived OIDC tokens for the workflows of ${org}; what they can do is what the clouds trusting ${issuer} with subject ${subject} allow`,
      },
      links: [
        {
          url: `${web}/organizations/${org}/settings/actions`,
          title: 'Actions settings',
        },
      ],
    });
  }
  return records;
}

/** The owner a repository names: a custom property, else CODEOWNERS. */
export function repositoryOwner(
  repo: Pick<RepositoryData, 'properties' | 'codeowners'>,
  ownerProperties: string[],
  person: (login: string) => string | undefined = l => l,
): { value: string; via: string } | undefined {
  for (const name of ownerProperties) {
    const key = Object.keys(repo.properties ?? {}).find(
      k => k.toLowerCase() === name.toLowerCase(),
    );
    const value = key ? repo.properties![key] : undefined;
    if (value) return { value, via: `property:${key}` };
  }
  if (repo.codeowners) {
    const owners = repositoryOwnersFromCodeowners(repo.codeowners.text);
    const via = `codeowners:${repo.codeowners.path}`;
    if (owners?.teams.length) return { value: owners.teams[0], via };
    if (owners?.emails.length) return { value: owners.emails[0], via };
    if (owners?.users.length) {
      return { value: person(owners.users[0]) ?? owners.users[0], via };
    }
  }
  return undefined;
}

/** Who may use an organization secret, in words. */
function secretAudience(org: string, s: SecretData, selected: string[]) {
  if (s.visibility === 'selected') {
    return `${selected.length} selected ${
      selected.length === 1 ? 'repository' : 'repositories'
    }`;
  }
  if (s.visibility === 'all') return `every repository of ${org}`;
  return `every private and internal repository of ${org}`;
}

/** An expired token is expired; a requested one cannot be used yet. */
function tokenStatus(g: TokenGrantData): 'expired' | 'inactive' | 'active' {
  if (g.token_expired) return 'expired';
  return g.pending ? 'inactive' : 'active';
}

function installationRecord(
  i: InstallationData,
  org: string,
  host: string,
): NhiIdentityRecord {
  const appOwner = i.app?.owner?.login;
  const thirdParty =
    appOwner && appOwner.toLowerCase() !== org.toLowerCase()
      ? appOwner
      : undefined;
  const permissions = githubPermissionVerdicts({
    permissions: i.permissions ?? {},
    repositorySelection: i.repository_selection,
    organization: org,
    thirdPartyOwner: thirdParty,
  });
  const suspended = i.suspended_at
    ? `suspended since ${i.suspended_at.slice(0, 10)}${
        i.suspended_by?.login ? ` by ${i.suspended_by.login}` : ''
      }`
    : undefined;
  if (suspended) permissions.summary = `${suspended}; ${permissions.summary}`;
  const name = i.app?.name ?? i.app_slug;
  return {
    externalId: `${host}/${org}/installations/${i.id}`,
    name: i.app_slug,
    description: `GitHub App "${name}"${
      appOwner ? ` (owned by ${appOwner})` : ''
    } installed on ${org} with access to ${
      i.repository_selection === 'all'
        ? 'all repositories'
        : 'selected repositories'
    }${suspended ? `; ${suspended}` : ''}.`,
    type: 'github-app-installation',
    category: 'bot',
    provider: 'github',
    account: org,
    scope: organizationScope(org, 'apps'),
    tags: [
      'github',
      'github-app',
      ...(thirdParty ? ['third-party'] : []),
      ...(i.repository_selection === 'all' ? ['all-repositories'] : []),
      ...(suspended ? ['suspended'] : []),
    ],
    createdBy: { type: 'unknown', at: i.created_at },
    permissions,
    links: [
      ...(i.html_url
        ? [{ url: i.html_url, title: 'Installation settings' }]
        : []),
      {
        url: i.app?.html_url ?? `https://${host}/apps/${i.app_slug}`,
        title: 'App',
      },
    ],
  };
}

function tokenRecord(
  g: TokenGrantData,
  org: string,
  host: string,
  creator: string | undefined,
): NhiIdentityRecord {
  const since = g.pending ? g.created_at : g.access_granted_at;
  const expires = g.token_expires_at ?? undefined;
  const lastUsed = g.token_last_used_at
    ? { at: g.token_last_used_at }
    : { never: true };
  const permissions = githubPermissionVerdicts({
    permissions: {
      ...(g.permissions?.organization ?? {}),
      ...(g.permissions?.repository ?? {}),
      ...(g.permissions?.other ?? {}),
    },
    repositorySelection: g.repository_selection,
    repositories: g.repositories,
    organization: org,
  });
  if (g.pending) {
    permissions.summary = `requested, not granted yet${
      g.reason ? ` (“${g.reason}”)` : ''
    }; ${permissions.summary}`;
  }
  const login = g.owner?.login ?? 'unknown';
  return {
    externalId: g.pending
      ? `${host}/${org}/personal-access-token-requests/${g.id}`
      : `${host}/${org}/personal-access-tokens/${g.token_id}`,
    name: `${login}/${g.token_name}`,
    description: `Fine-grained personal access token "${
      g.token_name
    }" of ${login}, ${
      g.pending ? 'asking for access to' : 'granted access to'
    } ${org}${since ? ` on ${since.slice(0, 10)}` : ''}${
      expires ? `; expires ${expires.slice(0, 10)}` : '; never expires'
    }.`,
    type: 'personal-access-token',
    category: 'api-key',
    provider: 'github',
    account: org,
    scope: organizationScope(
      org,
      g.pending ? 'token-requests' : 'token-grants',
    ),
    tags: [
      'github',
      'fine-grained-token',
      ...(g.pending ? ['pending-approval'] : []),
      ...(g.repository_selection === 'all' ? ['all-repositories'] : []),
    ],
    ...(creator
      ? { createdBy: { type: 'person' as const, name: creator, at: since } }
      : {}),
    ...(expires ? { expiresAt: expires } : {}),
    lastUsed,
    credentials: [
      {
        id: `github-fine-grained-token-${g.token_id}`,
        kind: 'token',
        status: tokenStatus(g),
        ...(since ? { createdAt: since } : {}),
        ...(expires ? { expiresAt: expires } : {}),
        lastUsed,
      },
    ],
    permissions,
    links: [
      {
        url: `https://${host}/organizations/${org}/settings/personal-access-token${
          g.pending ? '-requests' : 's/active'
        }`,
        title: g.pending ? 'Token requests' : 'Tokens granted',
      },
    ],
  };
}

function secretRecord(args: {
  secret: SecretData;
  org: string;
  externalId: string;
  name: string;
  scope: string;
  what: string;
  where: string;
  usedBy: string[];
  environments?: string[];
  trust?: NhiPermissionSummary['trust'];
  owner?: { value: string; via: string };
  tags: string[];
  link: string;
}): NhiIdentityRecord {
  const s = args.secret;
  const kind = secretCredentialKind(s.name);
  const rotated = differs(s.updated_at, s.created_at)
    ? s.updated_at
    : undefined;
  return {
    externalId: args.externalId,
    name: args.name,
    description: `${args.what}, available to ${
      args.where
    }. Created ${s.created_at.slice(0, 10)}, last updated ${s.updated_at.slice(
      0,
      10,
    )}. GitHub never shows its value and does not record its use.`,
    type: 'ci-secret',
    category: 'api-key',
    provider: 'github',
    account: args.org,
    scope: args.scope,
    tags: ['github', 'actions-secret', ...args.tags],
    ...(args.owner ? { owner: args.owner } : {}),
    ...(args.usedBy.length ? { usedBy: args.usedBy } : {}),
    ...(args.environments ? { environments: args.environments } : {}),
    createdBy: { type: 'unknown', at: s.created_at },
    credentials: [
      {
        id: args.externalId.slice(args.externalId.indexOf('/') + 1),
        kind,
        status: 'active',
        createdAt: s.created_at,
        ...(rotated ? { lastRotatedAt: rotated } : {}),
      },
    ],
    permissions: {
      summary: `holds ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind.replace(
        '-',
        ' ',
      )} for the workflows of ${args.where}`,
      ...(args.trust ? { trust: args.trust } : {}),
    },
    links: [{ url: args.link, title: 'Actions secrets' }],
  };
}
