import { createHash } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  GithubModel,
  GithubModelInstallation,
  GithubModelOrganization,
  GithubModelRepository,
  GithubModelSecret,
  GithubModelTokenGrant,
} from './model';
import { GraphqlQueryError, parseGraphql, runGraphql } from './graphqlApi';

/**
 * Kinds of data a token may lack the permission to read. Denied, the REST
 * endpoint answers 403 (or 404, as GitHub does for what it hides) and the
 * GraphQL field answers a `FORBIDDEN` error next to the rest of the data.
 *
 * @public
 */
export type GithubCapability =
  | 'installations'
  | 'personal-access-tokens'
  | 'personal-access-token-requests'
  | 'organization-secrets'
  | 'repository-secrets'
  | 'environment-secrets'
  | 'deploy-keys'
  | 'oidc'
  | 'custom-properties'
  | 'saml';

/**
 * Faults the endpoint injects.
 *
 * @public
 */
export interface GithubEndpointFaults {
  /** What the token may not read, by organization login. */
  denied?: Record<string, GithubCapability[]>;
  /** How a denied REST read answers. Default 403. */
  deniedStatus?: 403 | 404;
  /** Every n-th request (REST or GraphQL) hits a secondary rate limit. */
  secondaryEvery?: number;
  /** The `retry-after` of a secondary limit, in seconds. Default 1. */
  secondaryRetryAfterSeconds?: number;
  /** Status of a secondary limit: GitHub answers 403 or 429. Default 403. */
  secondaryStatus?: 403 | 429;
  /** Status of an exhausted primary budget on REST: 403 or 429. Default 403. */
  primaryStatus?: 403 | 429;
  /**
   * Another client of the same installation spends what is left of a budget
   * after this many requests (the budget is shared on GitHub).
   */
  othersSpend?: { afterRequests: number; resource: 'core' | 'graphql' };
}

/**
 * Options of {@link startGithubEndpoint}.
 *
 * @public
 */
export interface GithubEndpointOptions {
  model: GithubModel;
  /** Port on 127.0.0.1; a free one by default. */
  port?: number;
  /** Tokens accepted as `Authorization: token …` or `Bearer …`. Default `[GITHUB_ENDPOINT_TOKEN]`. */
  tokens?: string[];
  /** Points per hour of the REST (`core`) and GraphQL budgets. Default 5,000 each. */
  rateLimit?: { core?: number; graphql?: number };
  faults?: GithubEndpointFaults;
  /** The endpoint's clock (rate-limit windows, token expiry). */
  now?: () => Date;
}

/**
 * One rate-limit budget as the endpoint keeps it.
 *
 * @public
 */
export interface GithubEndpointBudget {
  limit: number;
  used: number;
  remaining: number;
  /** Epoch seconds of the next reset. */
  reset: number;
}

/**
 * A running fake GitHub.
 *
 * @public
 */
export interface GithubEndpoint {
  /** `http://127.0.0.1:<port>`: the `apiBaseUrl` of an `integrations.github` entry. */
  url: string;
  /** A token the endpoint accepts. */
  token: string;
  /** Requests by route, e.g. `GET /repos/{owner}/{repo}/keys`, `POST /graphql`. */
  calls: Record<string, number>;
  /** Conditional requests answered 304 (free, as on GitHub). */
  notModified: number;
  /** Requests answered with a secondary rate limit. */
  secondaryLimited: number;
  /** Requests refused because a budget was spent. */
  rateLimited: number;
  /** Points charged, by budget. */
  pointsUsed: { core: number; graphql: number };
  /** The budgets as they stand. */
  budgets(): { core: GithubEndpointBudget; graphql: GithubEndpointBudget };
  /** Starts new rate-limit windows (as an hour passing would). */
  resetRateLimits(): void;
  /** Sum of {@link GithubEndpoint.calls}. */
  totalCalls(): number;
  stop(): Promise<void>;
}

/** The token the endpoint accepts unless told otherwise. */
export const GITHUB_ENDPOINT_TOKEN = 'nhi-demo-github-token-not-a-secret';

const FORBIDDEN_MESSAGE = 'Resource not accessible by integration';
const DOCS = 'https://docs.github.com/rest';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A stable numeric id for a login. */
function idOf(login: string): number {
  let h = 7;
  for (const c of login) h = (h * 31 + c.charCodeAt(0)) % 90_000_000;
  return 10_000_000 + h;
}

const simpleUser = (login: string) => ({
  login,
  id: idOf(login),
  node_id: Buffer.from(`04:User${idOf(login)}`).toString('base64'),
  type: 'User',
  site_admin: false,
  html_url: `https://github.com/${login}`,
});

const minimalRepository = (
  org: GithubModelOrganization,
  repo: GithubModelRepository,
) => ({
  id: repo.id,
  name: repo.name,
  full_name: `${org.login}/${repo.name}`,
  private: (repo.visibility ?? 'private') !== 'public',
  archived: !!repo.archived,
  html_url: `https://github.com/${org.login}/${repo.name}`,
  owner: { login: org.login, id: org.id, type: 'Organization' },
});

const secretJson = (s: GithubModelSecret) => ({
  name: s.name,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/**
 * Starts a fake GitHub REST and GraphQL API on 127.0.0.1 serving `model`,
 * for tests, the demo and the benchmark. It speaks GitHub's protocol as
 * Octokit expects it: JSON bodies, `Link` header pagination (`per_page` up
 * to 100), `x-ratelimit-*` headers with separate `core` and `graphql`
 * budgets, GraphQL points computed as GitHub documents them, ETags with
 * `304 Not Modified` answers that cost nothing, secondary rate limits (403
 * or 429 with `retry-after`), an exhausted budget (403 or 429 with
 * `x-ratelimit-remaining: 0`; GraphQL's `RATE_LIMITED` error), and 403 or
 * 404 for data the token may not read. A GitHub App configured in
 * `integrations.github` can authenticate too: `GET /app/installations` and
 * `POST /app/installations/{id}/access_tokens` accept the app's JWT for
 * any app of the model.
 *
 * @public
 */
export async function startGithubEndpoint(
  options: GithubEndpointOptions,
): Promise<GithubEndpoint> {
  const { model } = options;
  const faults = options.faults ?? {};
  const now = options.now ?? (() => new Date());
  const tokens = new Set(options.tokens ?? [GITHUB_ENDPOINT_TOKEN]);
  /** Installation tokens issued to apps: token → organization and installation. */
  const installationTokens = new Map<string, { org: string; id: number }>();
  const limits = {
    core: options.rateLimit?.core ?? 5000,
    graphql: options.rateLimit?.graphql ?? 5000,
  };
  type Resource = keyof typeof limits;
  const windowOf = () => Math.floor(now().getTime() / 1000) + 3600;
  const buckets: Record<Resource, { used: number; reset: number }> = {
    core: { used: 0, reset: windowOf() },
    graphql: { used: 0, reset: windowOf() },
  };
  const bucket = (r: Resource) => {
    const b = buckets[r];
    if (now().getTime() / 1000 >= b.reset) {
      b.used = 0;
      b.reset = windowOf();
    }
    return b;
  };
  const budget = (r: Resource): GithubEndpointBudget => {
    const b = bucket(r);
    return {
      limit: limits[r],
      used: b.used,
      remaining: Math.max(0, limits[r] - b.used),
      reset: b.reset,
    };
  };
  const rateHeaders = (r: Resource): Record<string, string> => {
    const b = budget(r);
    return {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(b.remaining),
      'x-ratelimit-used': String(b.used),
      'x-ratelimit-reset': String(b.reset),
      'x-ratelimit-resource': r,
    };
  };

  const endpoint = {
    url: '',
    token: [...tokens][0],
    calls: {} as Record<string, number>,
    notModified: 0,
    secondaryLimited: 0,
    rateLimited: 0,
    pointsUsed: { core: 0, graphql: 0 },
  };
  let requestCount = 0;
  const count = (route: string) => {
    endpoint.calls[route] = (endpoint.calls[route] ?? 0) + 1;
  };

  const orgOf = (login: string): GithubModelOrganization => {
    const org = model.organizations.find(
      o => o.login.toLowerCase() === login.toLowerCase(),
    );
    if (!org) throw new HttpError(404, 'Not Found');
    return org;
  };
  const repoOf = (org: GithubModelOrganization, name: string) => {
    const repo = org.repositories.find(
      r => r.name.toLowerCase() === name.toLowerCase(),
    );
    if (!repo) throw new HttpError(404, 'Not Found');
    return repo;
  };
  const allowed = (org: string, capability: GithubCapability) =>
    !(
      faults.denied?.[org] ??
      faults.denied?.[org.toLowerCase()] ??
      []
    ).includes(capability);
  const requireAllowed = (org: string, capability: GithubCapability) => {
    if (!allowed(org, capability)) {
      const status = faults.deniedStatus ?? 403;
      throw new HttpError(
        status,
        status === 404 ? 'Not Found' : FORBIDDEN_MESSAGE,
      );
    }
  };

  const installationJson = (
    org: GithubModelOrganization,
    i: GithubModelInstallation,
  ) => {
    const app = model.apps.find(a => a.slug === i.appSlug);
    return {
      id: i.id,
      account: { login: org.login, id: org.id, type: 'Organization' },
      repository_selection: i.repositorySelection,
      access_tokens_url: `${endpoint.url}/app/installations/${i.id}/access_tokens`,
      repositories_url: `${endpoint.url}/installation/repositories`,
      html_url: `https://github.com/organizations/${org.login}/settings/installations/${i.id}`,
      app_id: app?.id ?? 0,
      app_slug: i.appSlug,
      target_id: org.id,
      target_type: 'Organization',
      permissions: i.permissions,
      events: i.events ?? [],
      created_at: i.createdAt,
      updated_at: i.updatedAt ?? i.createdAt,
      single_file_name: null,
      suspended_by: i.suspendedBy ? simpleUser(i.suspendedBy) : null,
      suspended_at: i.suspendedAt ?? null,
    };
  };
  const grantJson = (
    org: GithubModelOrganization,
    g: GithubModelTokenGrant,
    request: boolean,
  ) => ({
    id: g.id,
    ...(request ? { reason: g.reason ?? null } : {}),
    owner: simpleUser(g.owner),
    repository_selection: g.repositorySelection,
    repositories_url: `${endpoint.url}/orgs/${org.login}/personal-access-token${
      request ? '-requests' : 's'
    }/${g.id}/repositories`,
    permissions: {
      organization: g.permissions.organization ?? {},
      repository: g.permissions.repository ?? {},
      other: g.permissions.other ?? {},
    },
    ...(request
      ? { created_at: g.createdAt ?? g.accessGrantedAt }
      : { access_granted_at: g.accessGrantedAt ?? g.createdAt }),
    token_id: g.tokenId,
    token_name: g.tokenName,
    token_expired: !!g.tokenExpired,
    token_expires_at: g.tokenExpiresAt ?? null,
    token_last_used_at: g.tokenLastUsedAt ?? null,
  });

  /** A REST route: its template (for counting) and what it answers. */
  type Route = {
    pattern: RegExp;
    template: string;
    method?: string;
    /** Answers without a token (rate-limited like the rest when one is given). */
    public?: boolean;
    /** Accepts the app's JWT, not a token. */
    jwt?: boolean;
    /** Not charged (as `GET /rate_limit`). */
    free?: boolean;
    handle(
      m: RegExpExecArray,
      ctx: {
        installationOrg?: string;
        installationId?: number;
        appId?: string;
        body?: any;
      },
    ): { status?: number; body: unknown; paginate?: string };
  };
  const routes: Route[] = [
    {
      pattern: /^\/rate_limit$/,
      template: 'GET /rate_limit',
      free: true,
      handle: () => {
        const core = budget('core');
        const graphql = budget('graphql');
        return { body: { resources: { core, graphql }, rate: core } };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/installations$/,
      template: 'GET /orgs/{org}/installations',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'installations');
        return {
          body: org.installations.map(i => installationJson(org, i)),
          paginate: 'installations',
        };
      },
    },
    {
      pattern: /^\/apps\/([^/]+)$/,
      template: 'GET /apps/{app_slug}',
      public: true,
      handle: m => {
        const app = model.apps.find(a => a.slug === m[1]);
        if (!app) throw new HttpError(404, 'Not Found');
        return {
          body: {
            id: app.id,
            slug: app.slug,
            node_id: Buffer.from(`03:Integration${app.id}`).toString('base64'),
            owner: {
              login: app.owner,
              id: idOf(app.owner),
              type: app.ownerType ?? 'Organization',
            },
            name: app.name,
            description: app.description ?? null,
            external_url: `https://${app.slug}.example`,
            html_url: `https://github.com/apps/${app.slug}`,
            created_at: '2019-01-01T00:00:00Z',
            updated_at: '2024-01-01T00:00:00Z',
            permissions: {},
            events: [],
          },
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/personal-access-tokens$/,
      template: 'GET /orgs/{org}/personal-access-tokens',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'personal-access-tokens');
        return {
          body: org.tokenGrants.map(g => grantJson(org, g, false)),
          paginate: 'array',
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/personal-access-tokens\/(\d+)\/repositories$/,
      template: 'GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'personal-access-tokens');
        const grant = org.tokenGrants.find(g => g.id === Number(m[2]));
        if (!grant) throw new HttpError(404, 'Not Found');
        return {
          body: (grant.repositories ?? [])
            .map(name => org.repositories.find(r => r.name === name))
            .filter((r): r is GithubModelRepository => !!r)
            .map(r => minimalRepository(org, r)),
          paginate: 'array',
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/personal-access-token-requests$/,
      template: 'GET /orgs/{org}/personal-access-token-requests',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'personal-access-token-requests');
        return {
          body: org.tokenRequests.map(g => grantJson(org, g, true)),
          paginate: 'array',
        };
      },
    },
    {
      pattern:
        /^\/orgs\/([^/]+)\/personal-access-token-requests\/(\d+)\/repositories$/,
      template:
        'GET /orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'personal-access-token-requests');
        const request = org.tokenRequests.find(g => g.id === Number(m[2]));
        if (!request) throw new HttpError(404, 'Not Found');
        return {
          body: (request.repositories ?? [])
            .map(name => org.repositories.find(r => r.name === name))
            .filter((r): r is GithubModelRepository => !!r)
            .map(r => minimalRepository(org, r)),
          paginate: 'array',
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/actions\/secrets$/,
      template: 'GET /orgs/{org}/actions/secrets',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'organization-secrets');
        return {
          body: org.secrets.map(s => ({
            ...secretJson(s),
            visibility: s.visibility ?? 'private',
            ...(s.visibility === 'selected'
              ? {
                  selected_repositories_url: `${endpoint.url}/orgs/${
                    org.login
                  }/actions/secrets/${encodeURIComponent(s.name)}/repositories`,
                }
              : {}),
          })),
          paginate: 'secrets',
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/actions\/secrets\/([^/]+)\/repositories$/,
      template: 'GET /orgs/{org}/actions/secrets/{secret_name}/repositories',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'organization-secrets');
        const secret = org.secrets.find(
          s => s.name === decodeURIComponent(m[2]),
        );
        if (!secret) throw new HttpError(404, 'Not Found');
        if (secret.visibility !== 'selected') {
          throw new HttpError(
            409,
            'The visibility of the secret is not set to selected',
          );
        }
        return {
          body: (secret.selectedRepositories ?? [])
            .map(name => org.repositories.find(r => r.name === name))
            .filter((r): r is GithubModelRepository => !!r)
            .map(r => minimalRepository(org, r)),
          paginate: 'repositories',
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/actions\/oidc\/customization\/sub$/,
      template: 'GET /orgs/{org}/actions/oidc/customization/sub',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'oidc');
        return {
          body: { include_claim_keys: org.oidcSubjectClaimKeys ?? [] },
        };
      },
    },
    {
      pattern: /^\/orgs\/([^/]+)\/properties\/values$/,
      template: 'GET /orgs/{org}/properties/values',
      handle: m => {
        const org = orgOf(m[1]);
        requireAllowed(org.login, 'custom-properties');
        return {
          body: org.repositories.map(r => ({
            repository_id: r.id,
            repository_name: r.name,
            repository_full_name: `${org.login}/${r.name}`,
            properties: Object.entries(r.properties ?? {}).map(
              ([property_name, value]) => ({ property_name, value }),
            ),
          })),
          paginate: 'array',
        };
      },
    },
    {
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/keys$/,
      template: 'GET /repos/{owner}/{repo}/keys',
      handle: m => {
        const org = orgOf(m[1]);
        const repo = repoOf(org, m[2]);
        requireAllowed(org.login, 'deploy-keys');
        return {
          body: (repo.deployKeys ?? []).map(k => ({
            id: k.id,
            key: k.key,
            url: `${endpoint.url}/repos/${org.login}/${repo.name}/keys/${k.id}`,
            title: k.title,
            verified: k.verified ?? true,
            created_at: k.createdAt,
            read_only: k.readOnly,
            added_by: k.addedBy ?? null,
            last_used: k.lastUsed ?? null,
            enabled: k.enabled ?? true,
          })),
          paginate: 'array',
        };
      },
    },
    {
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/actions\/secrets$/,
      template: 'GET /repos/{owner}/{repo}/actions/secrets',
      handle: m => {
        const org = orgOf(m[1]);
        const repo = repoOf(org, m[2]);
        requireAllowed(org.login, 'repository-secrets');
        return {
          body: (repo.secrets ?? []).map(secretJson),
          paginate: 'secrets',
        };
      },
    },
    {
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)\/secrets$/,
      template:
        'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
      handle: m => {
        const org = orgOf(m[1]);
        const repo = repoOf(org, m[2]);
        const env = (repo.environments ?? []).find(
          e => e.name === decodeURIComponent(m[3]),
        );
        if (!env) throw new HttpError(404, 'Not Found');
        requireAllowed(org.login, 'environment-secrets');
        return {
          body: (env.secrets ?? []).map(secretJson),
          paginate: 'secrets',
        };
      },
    },
    {
      pattern: /^\/app\/installations$/,
      template: 'GET /app/installations',
      jwt: true,
      handle: (_m, ctx) => {
        const app = model.apps.find(a => String(a.id) === ctx.appId);
        const list = model.organizations.flatMap(org =>
          org.installations
            .filter(i => app && i.appSlug === app.slug)
            .map(i => installationJson(org, i)),
        );
        return { body: list, paginate: 'array' };
      },
    },
    {
      pattern: /^\/app\/installations\/(\d+)\/access_tokens$/,
      template: 'POST /app/installations/{installation_id}/access_tokens',
      method: 'POST',
      jwt: true,
      handle: (m, ctx) => {
        const app = model.apps.find(a => String(a.id) === ctx.appId);
        for (const org of model.organizations) {
          const i = org.installations.find(x => x.id === Number(m[1]));
          if (i && app && i.appSlug === app.slug) {
            const token = `ghs_${createHash('sha1')
              .update(`${i.id}:${installationTokens.size}`)
              .digest('hex')
              .slice(0, 36)}`;
            installationTokens.set(token, { org: org.login, id: i.id });
            return {
              status: 201,
              body: {
                token,
                expires_at: new Date(now().getTime() + 3_600_000).toISOString(),
                permissions: i.permissions,
                repository_selection: i.repositorySelection,
              },
            };
          }
        }
        throw new HttpError(404, 'Not Found');
      },
    },
    {
      pattern: /^\/installation\/repositories$/,
      template: 'GET /installation/repositories',
      handle: (_m, ctx) => {
        const org = ctx.installationOrg
          ? orgOf(ctx.installationOrg)
          : undefined;
        const installation = org?.installations.find(
          i => i.id === ctx.installationId,
        );
        const names =
          installation?.repositorySelection === 'selected'
            ? installation.repositories ?? []
            : org?.repositories.map(r => r.name) ?? [];
        return {
          body: names
            .map(n => org!.repositories.find(r => r.name === n))
            .filter((r): r is GithubModelRepository => !!r)
            .map(r => minimalRepository(org!, r)),
          paginate: 'repositories',
        };
      },
    },
  ];

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json; charset=utf-8' }),
    });
    res.end(text);
  };

  const authOf = (req: http.IncomingMessage) => {
    const header = req.headers.authorization ?? '';
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(header.trim());
    return m?.[1];
  };
  const jwtAppId = (token: string | undefined): string | undefined => {
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) return undefined;
    try {
      const payload = JSON.parse(
        Buffer.from(parts[1], 'base64url').toString('utf8'),
      );
      return payload?.iss === undefined ? undefined : String(payload.iss);
    } catch {
      return undefined;
    }
  };

  const handleGraphql = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
    token: string | undefined,
  ) => {
    count('POST /graphql');
    if (!token || (!tokens.has(token) && !installationTokens.has(token))) {
      send(
        res,
        401,
        { message: 'Bad credentials', documentation_url: DOCS },
        {},
      );
      return;
    }
    let body: { query?: string; variables?: Record<string, unknown> };
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      send(res, 400, { message: 'Problems parsing JSON' }, {});
      return;
    }
    let parsed;
    try {
      parsed = parseGraphql(body.query ?? '', body.variables ?? {});
    } catch (e) {
      const errors =
        e instanceof GraphqlQueryError ? e.errors : [{ message: String(e) }];
      send(res, 200, { errors }, rateHeaders('graphql'));
      return;
    }
    const b = budget('graphql');
    if (parsed.cost > b.remaining) {
      endpoint.rateLimited++;
      send(
        res,
        200,
        {
          errors: [
            {
              type: 'RATE_LIMITED',
              message: 'API rate limit already exceeded for installation ID 1.',
            },
          ],
        },
        rateHeaders('graphql'),
      );
      return;
    }
    bucket('graphql').used += parsed.cost;
    endpoint.pointsUsed.graphql += parsed.cost;
    const after = budget('graphql');
    const result = await runGraphql({
      model,
      document: parsed.document,
      variables: body.variables,
      access: {
        allowed: (org, capability) => allowed(org, capability),
        rateLimit: {
          cost: parsed.cost,
          limit: after.limit,
          remaining: after.remaining,
          used: after.used,
          resetAt: new Date(after.reset * 1000).toISOString(),
          nodeCount: parsed.nodes,
        },
      },
    });
    send(res, 200, result, rateHeaders('graphql'));
    void req;
  };

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
  ) => {
    const url = new URL(req.url ?? '/', endpoint.url);
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const token = authOf(req);
    requestCount++;
    if (
      faults.othersSpend &&
      requestCount === faults.othersSpend.afterRequests
    ) {
      const r = faults.othersSpend.resource;
      bucket(r).used = limits[r];
    }
    if (path !== '/rate_limit' && faults.secondaryEvery) {
      if (requestCount % faults.secondaryEvery === 0) {
        endpoint.secondaryLimited++;
        const status = faults.secondaryStatus ?? 403;
        send(
          res,
          status,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          },
          {
            'retry-after': String(faults.secondaryRetryAfterSeconds ?? 1),
            ...rateHeaders(path === '/graphql' ? 'graphql' : 'core'),
          },
        );
        return;
      }
    }
    if (path === '/graphql' && method === 'POST') {
      await handleGraphql(req, res, raw, token);
      return;
    }
    const route = routes.find(
      r => (r.method ?? 'GET') === method && r.pattern.test(path),
    );
    if (!route) {
      count(`${method} ${path}`);
      send(res, 404, { message: 'Not Found', documentation_url: DOCS }, {});
      return;
    }
    count(route.template);
    const m = route.pattern.exec(path)!;
    const ctx: {
      installationOrg?: string;
      installationId?: number;
      appId?: string;
    } = {};
    if (route.jwt) {
      ctx.appId = jwtAppId(token);
      if (!ctx.appId || !model.apps.some(a => String(a.id) === ctx.appId)) {
        send(
          res,
          401,
          {
            message:
              "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
            documentation_url: DOCS,
          },
          {},
        );
        return;
      }
    } else if (token) {
      if (installationTokens.has(token)) {
        ctx.installationOrg = installationTokens.get(token)!.org;
        ctx.installationId = installationTokens.get(token)!.id;
      } else if (!tokens.has(token)) {
        send(
          res,
          401,
          { message: 'Bad credentials', documentation_url: DOCS },
          {},
        );
        return;
      }
    } else if (!route.public) {
      send(
        res,
        401,
        { message: 'Requires authentication', documentation_url: DOCS },
        {},
      );
      return;
    }
    // An installation token reads its own organization only.
    const orgInPath = /^\/(?:orgs|repos)\/([^/]+)/.exec(path)?.[1];
    if (
      ctx.installationOrg &&
      orgInPath &&
      orgInPath.toLowerCase() !== ctx.installationOrg.toLowerCase()
    ) {
      send(res, 404, { message: 'Not Found', documentation_url: DOCS }, {});
      return;
    }
    const charged = !route.free && !route.jwt;
    if (charged && budget('core').remaining <= 0) {
      endpoint.rateLimited++;
      send(
        res,
        faults.primaryStatus ?? 403,
        {
          message: 'API rate limit exceeded for installation ID 1.',
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
        },
        rateHeaders('core'),
      );
      return;
    }
    let out: { status?: number; body: unknown; paginate?: string };
    try {
      out = route.handle(m, {
        ...ctx,
        body: raw ? JSON.parse(raw) : undefined,
      });
    } catch (e) {
      if (charged) {
        bucket('core').used++;
        endpoint.pointsUsed.core++;
      }
      const err = e as HttpError;
      send(
        res,
        err.status ?? 500,
        { message: err.message, documentation_url: DOCS },
        { ...(charged ? rateHeaders('core') : {}), ...(err.headers ?? {}) },
      );
      return;
    }
    let body = out.body;
    const headers: Record<string, string> = {};
    if (out.paginate) {
      const items = body as unknown[];
      const perPage = Math.min(
        100,
        Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30),
      );
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const slice = items.slice((page - 1) * perPage, page * perPage);
      body =
        out.paginate === 'array'
          ? slice
          : { total_count: items.length, [out.paginate]: slice };
      const link = (p: number, rel: string) => {
        const u = new URL(url.toString());
        u.searchParams.set('per_page', String(perPage));
        u.searchParams.set('page', String(p));
        return `<${u.toString()}>; rel="${rel}"`;
      };
      const links: string[] = [];
      if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
      if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
      if (links.length) headers.link = links.join(', ');
    }
    const etag = `W/"${createHash('sha1')
      .update(JSON.stringify(body))
      .update(headers.link ?? '')
      .digest('hex')}"`;
    if (method === 'GET' && req.headers['if-none-match'] === etag) {
      endpoint.notModified++;
      send(res, 304, undefined, {
        etag,
        ...(headers.link ? { link: headers.link } : {}),
        ...(charged ? rateHeaders('core') : {}),
      });
      return;
    }
    if (charged) {
      bucket('core').used++;
      endpoint.pointsUsed.core++;
    }
    send(res, out.status ?? 200, body, {
      ...headers,
      ...(method === 'GET' ? { etag } : {}),
      ...(charged ? rateHeaders('core') : {}),
    });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(e => {
        if (!res.headersSent) {
          send(res, 500, { message: String((e as Error)?.message ?? e) }, {});
        } else res.end();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(endpoint, {
    budgets: () => ({ core: budget('core'), graphql: budget('graphql') }),
    resetRateLimits: () => {
      buckets.core = { used: 0, reset: windowOf() };
      buckets.graphql = { used: 0, reset: windowOf() };
    },
    totalCalls: () =>
      Object.values(endpoint.calls).reduce((sum, n) => sum + n, 0),
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  });
}
