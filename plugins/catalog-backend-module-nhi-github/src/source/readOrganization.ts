import { NhiSourceError } from '@backstage-nhi/plugin-nhi-node';
import pLimit from 'p-limit';
import {
  describeGithubError,
  failureKindOf,
  GithubApiAccounting,
  GithubClient,
  GithubConditionalCache,
  graphqlUrlOf,
  nextLink,
} from './client';
import { REPOSITORIES_QUERY, SAML_QUERY } from './queries';
import {
  DeployKeyData,
  InstallationData,
  OrganizationSnapshot,
  RepositoryData,
  SecretData,
  TokenGrantData,
} from './snapshot';

/** Kinds of data read per organization. */
export type OrganizationKind =
  | 'apps'
  | 'token-grants'
  | 'token-requests'
  | 'organization-secrets'
  | 'oidc';

/** Kinds of data read per repository. */
export type RepositoryKind = 'deploy-keys' | 'secrets' | 'environment-secrets';

/** The scope of an organization's data of one kind, e.g. `acme:apps`. */
export const organizationScope = (org: string, kind: OrganizationKind) =>
  `${org}:${kind}`;

/** The scope of a repository's data of one kind, e.g. `acme/api:deploy-keys`. */
export const repositoryScope = (
  org: string,
  repo: string,
  kind: RepositoryKind,
) => `${org}/${repo}:${kind}`;

/**
 * The permission each kind of data needs, for the message of a read that
 * was refused.
 */
export const GITHUB_PERMISSION_NEEDED: Record<
  OrganizationKind | RepositoryKind | 'custom-properties' | 'saml',
  string
> = {
  apps: 'GitHub App: organization permission "Administration" (read); token: an organization owner’s, with read:org',
  'token-grants':
    'GitHub App: organization permission "Personal access tokens" (read); GitHub lists token grants to apps only',
  'token-requests':
    'GitHub App: organization permission "Personal access token requests" (read); GitHub lists token requests to apps only',
  'organization-secrets':
    'GitHub App: organization permission "Secrets" (read); token: admin:org',
  oidc: 'GitHub App: organization permission "Administration" (read); token: read:org',
  'custom-properties':
    'GitHub App: organization permission "Custom properties" (read); token: read:org',
  saml: 'an organization owner’s credentials (token: admin:org) to read SAML identities',
  'deploy-keys':
    'GitHub App: repository permission "Administration" (read); token: repo, with admin on the repositories',
  secrets: 'GitHub App: repository permission "Secrets" (read); token: repo',
  'environment-secrets':
    'GitHub App: repository permission "Environments" (read); token: repo',
};

const KIND_LABEL: Record<OrganizationKind | RepositoryKind, string> = {
  apps: 'GitHub App installations',
  'token-grants':
    'fine-grained personal access tokens granted to the organization',
  'token-requests': 'pending fine-grained personal access token requests',
  'organization-secrets': 'organization Actions secrets',
  oidc: 'the Actions OIDC subject template',
  'deploy-keys': 'deploy keys',
  secrets: 'repository Actions secrets',
  'environment-secrets': 'environment Actions secrets',
};

/** How one organization is read. */
export interface ReadOrganizationOptions {
  org: string;
  octokit: GithubClient;
  apiBaseUrl: string;
  cache: GithubConditionalCache;
  accounting: GithubApiAccounting;
  concurrency: number;
  /** Share (0–100) of each budget left untouched. */
  reservePercent: number;
  ownerProperties: string[];
  codeowners: boolean;
  /** Path of the catalog file in each repository, e.g. `catalog-info.yaml`. */
  catalogPath: string;
  includeArchived: boolean;
  /** Repositories whose REST data the previous run did not finish: read first. */
  pending: Set<string>;
  signal: AbortSignal;
  warn(message: string): void;
}

/** What reading one organization gave. */
export interface ReadOrganizationResult {
  snapshot: OrganizationSnapshot;
  completeScopes: string[];
  errors: NhiSourceError[];
  /** Repositories whose REST data is not complete (read first next run). */
  unfinished: string[];
  /** Why the run stopped early, when it did: the budget. */
  stoppedByBudget?: string;
}

/** The read stopped: the budget is down to its reserve or spent. */
class BudgetStop extends Error {}

const MAX_REPOSITORY_ERRORS = 20;

const resetTime = (epochSeconds: number | undefined) =>
  epochSeconds
    ? `${new Date(epochSeconds * 1000).toISOString().slice(11, 16)} UTC`
    : 'the next reset';

/**
 * Reads one organization: organization-level lists over REST (installations
 * and their apps, token grants and requests, organization secrets and the
 * repositories they are shared with, the OIDC subject template, custom
 * properties), every repository in GraphQL pages of 100 (deploy-key counts,
 * environments, workflows, CODEOWNERS — 2 points a page), SAML identities
 * in GraphQL pages, then per repository only what GraphQL cannot give:
 * deploy keys with their last use and who added them (only where GraphQL
 * counted keys) and Actions secrets of the repository and its environments.
 * Every REST GET is conditional (ETags), so an unchanged repository costs
 * nothing. The read keeps to the budget less its reserve; when that is
 * reached (or GitHub says the budget is spent) it stops, and what was not
 * re-read is left out of the complete scopes.
 */
export async function readOrganization(
  options: ReadOrganizationOptions,
): Promise<ReadOrganizationResult> {
  const { org, octokit, cache, accounting, signal } = options;
  const errors: NhiSourceError[] = [];
  const completeScopes: string[] = [];
  const snapshot: OrganizationSnapshot = {
    org,
    repositories: [],
    emails: new Map(),
  };
  const graphqlUrl = graphqlUrlOf(options.apiBaseUrl);
  let stoppedByBudget: string | undefined;

  const reserveOf = (resource: 'core' | 'graphql') => {
    const b = accounting.budgets.get(resource);
    return b ? Math.ceil((b.limit * options.reservePercent) / 100) : 0;
  };
  const checkBudget = (resource: 'core' | 'graphql') => {
    if (stoppedByBudget) throw new BudgetStop(stoppedByBudget);
    const b = accounting.budgets.get(resource);
    if (b && b.remaining <= reserveOf(resource)) {
      stoppedByBudget = `the ${
        resource === 'core' ? 'REST' : 'GraphQL'
      } rate-limit budget is down to its reserve (${b.remaining} of ${
        b.limit
      } points left, ${
        options.reservePercent
      }% kept for the rest of Backstage; resets at ${resetTime(b.reset)})`;
      throw new BudgetStop(stoppedByBudget);
    }
  };
  const onRateLimit = (e: unknown, resource: 'core' | 'graphql') => {
    if (failureKindOf(e) !== 'rate-limit') return false;
    const b = accounting.budgets.get(resource);
    stoppedByBudget ??= `GitHub says the ${
      resource === 'core' ? 'REST' : 'GraphQL'
    } rate-limit budget is spent (resets at ${resetTime(b?.reset)})`;
    return true;
  };

  /** Every item of a paginated REST list, each page conditional. */
  const getAll = async <T>(
    kind: string,
    path: string,
    pick: (data: any) => T[],
  ): Promise<T[]> => {
    const out: T[] = [];
    let url: string | undefined = `${path}${
      path.includes('?') ? '&' : '?'
    }per_page=100`;
    while (url) {
      checkBudget('core');
      accounting.count(`rest:${kind}`);
      const page: { data: unknown; link?: string } = await cache.get(
        octokit,
        url,
      );
      out.push(...pick(page.data));
      url = nextLink(page.link);
    }
    return out;
  };
  const getOne = async <T>(kind: string, path: string): Promise<T> => {
    checkBudget('core');
    accounting.count(`rest:${kind}`);
    return (await cache.get(octokit, path)).data as T;
  };
  const graphql = async (
    kind: string,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ data?: any; errors?: any[] }> => {
    checkBudget('graphql');
    accounting.count(`graphql:${kind}`);
    accounting.graphqlQueries++;
    const response = await octokit.request({
      method: 'POST',
      url: graphqlUrl,
      query,
      variables,
    });
    const body = response.data as { data?: any; errors?: any[] };
    const cost = body?.data?.rateLimit?.cost;
    if (typeof cost === 'number') accounting.graphqlPoints += cost;
    return body;
  };

  /** Reads one organization-level kind; a failure leaves its scope incomplete. */
  const orgKind = async (
    kind: OrganizationKind | 'custom-properties' | 'saml',
    read: () => Promise<void>,
  ) => {
    try {
      await read();
      if (kind !== 'custom-properties' && kind !== 'saml') {
        completeScopes.push(organizationScope(org, kind));
      }
    } catch (e) {
      if (signal.aborted) throw e;
      if (e instanceof BudgetStop || onRateLimit(e, 'core')) return;
      const failure = failureKindOf(e);
      const label = {
        ...KIND_LABEL,
        'custom-properties': 'repository custom properties (owners)',
        saml: 'SAML identities (logins to e-mails)',
      }[kind];
      const permission =
        failure === 'forbidden' || failure === 'not-found'
          ? `: missing permission? ${GITHUB_PERMISSION_NEEDED[kind]}`
          : '';
      errors.push({
        scope:
          kind === 'custom-properties' || kind === 'saml'
            ? org
            : organizationScope(org, kind),
        message: `${label} of ${org} could not be read (${describeGithubError(
          e,
        )})${permission}${
          kind === 'custom-properties' || kind === 'saml'
            ? '; the rest is read without them'
            : '; identities read before are kept'
        }`,
      });
    }
  };

  // The budgets as they stand (GET /rate_limit costs nothing).
  try {
    const limits = await octokit.request('GET /rate_limit');
    accounting.setBudgets((limits.data as any)?.resources ?? {});
  } catch (e) {
    if (signal.aborted) throw e;
    if (failureKindOf(e) === 'unauthorized') {
      errors.push({
        scope: org,
        message: `GitHub refused the credentials for ${org} (${describeGithubError(
          e,
        )}): check integrations.github for this host`,
      });
      return {
        snapshot,
        completeScopes,
        errors,
        unfinished: [...options.pending],
      };
    }
    // GitHub Enterprise Server without rate limiting answers 404: fine.
  }

  await orgKind('apps', async () => {
    const installations = await getAll<InstallationData>(
      'installations',
      `/orgs/${org}/installations`,
      d => d.installations ?? [],
    );
    const apps = new Map<string, InstallationData['app']>();
    for (const slug of new Set(installations.map(i => i.app_slug))) {
      try {
        apps.set(slug, await getOne(`apps`, `/apps/${slug}`));
      } catch (e) {
        if (e instanceof BudgetStop || failureKindOf(e) === 'rate-limit') {
          throw e;
        }
        // Without the app's page its owner is unknown; the rest stands.
        options.warn(
          `GitHub App ${slug} could not be read (${describeGithubError(e)})`,
        );
      }
    }
    snapshot.installations = installations.map(i => ({
      ...i,
      app: apps.get(i.app_slug),
    }));
  });

  const readGrants = async (
    kind: 'token-grants' | 'token-requests',
  ): Promise<TokenGrantData[]> => {
    const path =
      kind === 'token-grants'
        ? `/orgs/${org}/personal-access-tokens`
        : `/orgs/${org}/personal-access-token-requests`;
    const grants = await getAll<TokenGrantData>(kind, path, d => d ?? []);
    for (const g of grants) {
      g.pending = kind === 'token-requests';
      if (g.repository_selection === 'subset') {
        g.repositories = (
          await getAll<{ name: string }>(
            `${kind}-repositories`,
            `${path}/${g.id}/repositories`,
            d => d ?? [],
          )
        ).map(r => r.name);
      }
    }
    return grants;
  };
  await orgKind('token-grants', async () => {
    snapshot.tokenGrants = await readGrants('token-grants');
  });
  await orgKind('token-requests', async () => {
    snapshot.tokenRequests = await readGrants('token-requests');
  });
  await orgKind('organization-secrets', async () => {
    const secrets = await getAll<SecretData>(
      'organization-secrets',
      `/orgs/${org}/actions/secrets`,
      d => d.secrets ?? [],
    );
    for (const s of secrets) {
      if (s.visibility === 'selected') {
        s.selectedRepositories = (
          await getAll<{ name: string }>(
            'organization-secret-repositories',
            `/orgs/${org}/actions/secrets/${encodeURIComponent(
              s.name,
            )}/repositories`,
            d => d.repositories ?? [],
          )
        ).map(r => r.name);
      }
    }
    snapshot.organizationSecrets = secrets;
  });
  await orgKind('oidc', async () => {
    const sub = await getOne<{ include_claim_keys?: string[] }>(
      'oidc',
      `/orgs/${org}/actions/oidc/customization/sub`,
    );
    snapshot.oidcClaimKeys = sub?.include_claim_keys ?? [];
  });
  const properties = new Map<string, Record<string, string>>();
  if (options.ownerProperties.length) {
    await orgKind('custom-properties', async () => {
      const values = await getAll<{
        repository_name: string;
        properties: Array<{ property_name: string; value: unknown }>;
      }>('custom-properties', `/orgs/${org}/properties/values`, d => d ?? []);
      for (const v of values) {
        const props: Record<string, string> = {};
        for (const p of v.properties ?? []) {
          if (typeof p.value === 'string' && p.value.trim()) {
            props[p.property_name] = p.value.trim();
          }
        }
        if (Object.keys(props).length) properties.set(v.repository_name, props);
      }
    });
  }

  // Every repository in GraphQL pages: what GraphQL has, 2 points a page.
  let repositoriesListed = false;
  let deployKeysDenied = false;
  try {
    let cursor: string | undefined;
    let withDeployKeys = true;
    for (;;) {
      const body = await graphql(
        'repositories',
        REPOSITORIES_QUERY(withDeployKeys),
        {
          org,
          cursor: cursor ?? null,
          catalogInfo: `HEAD:${options.catalogPath}`,
        },
      );
      const forbiddenKeys = (body.errors ?? []).some(
        e => e?.type === 'FORBIDDEN' && (e.path ?? []).includes('deployKeys'),
      );
      if (forbiddenKeys && withDeployKeys) {
        // Deploy keys need a permission the credentials lack: read the page
        // again without them rather than lose its repositories.
        withDeployKeys = false;
        deployKeysDenied = true;
        continue;
      }
      const connection = body.data?.organization?.repositories;
      if (!connection) {
        throw Object.assign(
          new Error(
            (body.errors ?? []).map(e => e?.message).join('; ') ||
              `no repositories in the answer`,
          ),
          { data: body },
        );
      }
      for (const node of connection.nodes ?? []) {
        if (!node) continue;
        const codeowners = [
          ['.github/CODEOWNERS', node.codeownersGithub],
          ['CODEOWNERS', node.codeownersRoot],
          ['docs/CODEOWNERS', node.codeownersDocs],
        ].find(([, blob]) => typeof blob?.text === 'string');
        snapshot.repositories.push({
          name: node.name,
          id: node.databaseId ?? undefined,
          archived: !!node.isArchived,
          visibility: String(node.visibility ?? 'PRIVATE').toLowerCase(),
          deployKeyCount: node.deployKeys?.totalCount,
          hasWriteKey: (node.deployKeys?.nodes ?? []).some(
            (k: { readOnly?: boolean } | null) => k && k.readOnly === false,
          ),
          hasWorkflows: !!node.workflows?.entries?.length,
          environments: (node.environments?.nodes ?? [])
            .map((e: { name?: string } | null) => e?.name)
            .filter((n: unknown): n is string => typeof n === 'string'),
          codeowners:
            options.codeowners && codeowners
              ? {
                  path: codeowners[0] as string,
                  text: (codeowners[1] as { text: string }).text,
                }
              : undefined,
          catalogInfo:
            typeof node.catalogInfo?.text === 'string'
              ? node.catalogInfo.text
              : undefined,
          properties: properties.get(node.name),
        });
      }
      if (!connection.pageInfo?.hasNextPage) break;
      cursor = connection.pageInfo.endCursor;
    }
    repositoriesListed = true;
  } catch (e) {
    if (signal.aborted) throw e;
    if (!(e instanceof BudgetStop) && !onRateLimit(e, 'graphql')) {
      errors.push({
        scope: org,
        message: `the repositories of ${org} could not be listed (${describeGithubError(
          e,
        )}); their deploy keys and secrets read before are kept`,
      });
    }
  }
  if (deployKeysDenied) {
    errors.push({
      scope: org,
      message: `deploy keys of ${org} could not be read (GraphQL: FORBIDDEN): missing permission? ${GITHUB_PERMISSION_NEEDED['deploy-keys']}; the rest is read without them`,
    });
  }

  // SAML identities map the logins of token owners and key adders to e-mails.
  await orgKind('saml', async () => {
    let cursor: string | undefined;
    for (;;) {
      const body = await graphql('saml', SAML_QUERY, {
        org,
        cursor: cursor ?? null,
      });
      if (body.errors?.length && !body.data?.organization) {
        throw Object.assign(new Error(body.errors[0]?.message), {
          status: body.errors[0]?.type === 'FORBIDDEN' ? 403 : undefined,
        });
      }
      if (body.errors?.some(e => e?.type === 'FORBIDDEN')) {
        throw Object.assign(new Error(body.errors[0]?.message), {
          status: 403,
        });
      }
      const provider = body.data?.organization?.samlIdentityProvider;
      if (!provider) return; // no SAML single sign-on
      const page = provider.externalIdentities;
      for (const node of page?.nodes ?? []) {
        const login = node?.user?.login;
        const email =
          node?.samlIdentity?.emails?.find((m: any) => m?.primary)?.value ??
          node?.samlIdentity?.emails?.[0]?.value ??
          node?.samlIdentity?.nameId;
        if (login && typeof email === 'string' && email.includes('@')) {
          snapshot.emails.set(login.toLowerCase(), email);
        }
      }
      if (!page?.pageInfo?.hasNextPage) return;
      cursor = page.pageInfo.endCursor;
    }
  });

  // Per repository, over REST, only what GraphQL cannot give.
  const denied = new Set<RepositoryKind>(
    deployKeysDenied ? ['deploy-keys'] : [],
  );
  const notFoundWithoutSuccess = new Map<RepositoryKind, number>();
  const succeeded = new Set<RepositoryKind>();
  const unfinished = new Set<string>();
  /** Repositories not (fully) re-read because the budget ran out. */
  const notReached = new Set<string>();
  let repositoryErrors = 0;
  const repositoryFailed = (
    repo: RepositoryData,
    kind: RepositoryKind,
    e: unknown,
  ) => {
    unfinished.add(repo.name);
    const failure = failureKindOf(e);
    if (failure === 'forbidden') {
      if (!denied.has(kind)) {
        denied.add(kind);
        errors.push({
          scope: org,
          message: `${
            KIND_LABEL[kind]
          } of ${org} could not be read (${describeGithubError(
            e,
          )}): missing permission? ${
            GITHUB_PERMISSION_NEEDED[kind]
          }; the rest is read without them`,
        });
      }
      return;
    }
    if (failure === 'not-found' && !succeeded.has(kind)) {
      const n = (notFoundWithoutSuccess.get(kind) ?? 0) + 1;
      notFoundWithoutSuccess.set(kind, n);
      if (n >= 3 && !denied.has(kind)) {
        denied.add(kind);
        errors.push({
          scope: org,
          message: `${KIND_LABEL[kind]} of ${org} could not be read (404 for every repository tried): missing permission? ${GITHUB_PERMISSION_NEEDED[kind]}; the rest is read without them`,
        });
      }
      return;
    }
    repositoryErrors++;
    if (repositoryErrors <= MAX_REPOSITORY_ERRORS) {
      errors.push({
        scope: repositoryScope(org, repo.name, kind),
        message: `${KIND_LABEL[kind]} of ${org}/${
          repo.name
        } could not be read (${describeGithubError(
          e,
        )}); identities read before are kept`,
      });
    }
  };

  const readRepository = async (repo: RepositoryData) => {
    if (stoppedByBudget || signal.aborted) {
      unfinished.add(repo.name);
      notReached.add(repo.name);
      return;
    }
    const base = `/repos/${org}/${encodeURIComponent(repo.name)}`;
    const attempt = async (kind: RepositoryKind, read: () => Promise<void>) => {
      if (denied.has(kind)) return;
      try {
        await read();
        succeeded.add(kind);
        completeScopes.push(repositoryScope(org, repo.name, kind));
      } catch (e) {
        if (signal.aborted) throw e;
        if (e instanceof BudgetStop || onRateLimit(e, 'core')) {
          unfinished.add(repo.name);
          notReached.add(repo.name);
          return;
        }
        repositoryFailed(repo, kind, e);
      }
    };
    if (repo.deployKeyCount === 0) {
      completeScopes.push(repositoryScope(org, repo.name, 'deploy-keys'));
    } else if (repo.deployKeyCount !== undefined) {
      await attempt('deploy-keys', async () => {
        repo.deployKeys = await getAll<DeployKeyData>(
          'deploy-keys',
          `${base}/keys`,
          d => d ?? [],
        );
      });
    } else {
      unfinished.add(repo.name);
    }
    if (repo.archived && !options.includeArchived) {
      // Workflows do not run in an archived repository: its secrets are
      // inert, and not read (includeArchived reads them).
      completeScopes.push(
        repositoryScope(org, repo.name, 'secrets'),
        repositoryScope(org, repo.name, 'environment-secrets'),
      );
      return;
    }
    await attempt('secrets', async () => {
      repo.secrets = await getAll<SecretData>(
        'secrets',
        `${base}/actions/secrets`,
        d => d.secrets ?? [],
      );
    });
    await attempt('environment-secrets', async () => {
      const byEnvironment: Record<string, SecretData[]> = {};
      for (const env of repo.environments) {
        byEnvironment[env] = await getAll<SecretData>(
          'environment-secrets',
          `${base}/environments/${encodeURIComponent(env)}/secrets`,
          d => d.secrets ?? [],
        );
      }
      repo.environmentSecrets = byEnvironment;
    });
  };

  // The previous run's unfinished repositories first, then those with
  // write keys, then the rest by name.
  const order = [...snapshot.repositories].sort(
    (a, b) =>
      Number(options.pending.has(b.name)) -
        Number(options.pending.has(a.name)) ||
      Number(!!b.hasWriteKey) - Number(!!a.hasWriteKey) ||
      a.name.localeCompare(b.name),
  );
  const limit = pLimit(options.concurrency);
  await Promise.all(order.map(repo => limit(() => readRepository(repo))));
  if (repositoryErrors > MAX_REPOSITORY_ERRORS) {
    errors.push({
      scope: org,
      message: `${
        repositoryErrors - MAX_REPOSITORY_ERRORS
      } more repository reads of ${org} failed`,
    });
  }
  if (!repositoriesListed) {
    for (const name of options.pending) unfinished.add(name);
  }
  if (stoppedByBudget) {
    errors.push({
      scope: org,
      message: `${org}: ${stoppedByBudget}. ${notReached.size} repositories were not re-read and keep their identities; the next run continues with them`,
    });
  }
  return {
    snapshot,
    completeScopes,
    errors,
    unfinished: [...unfinished],
    stoppedByBudget,
  };
}
