import { parse } from 'graphql';
import { generateGithubOrganization } from './generateGithubOrganization';
import { GithubEndpoint, startGithubEndpoint } from './githubEndpoint';
import { graphqlQueryCost } from './graphqlApi';

const NOW = '2026-12-01T00:00:00Z';

describe('startGithubEndpoint', () => {
  let endpoint: GithubEndpoint;
  afterEach(() => endpoint?.stop());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${endpoint.url}${path}`, {
      headers: { authorization: `Bearer ${endpoint.token}`, ...headers },
    });

  it('pages REST lists with Link headers and counts each page against the core budget', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW, repositories: 30 }),
    });
    const first = await get(
      '/orgs/lumen-freight/properties/values?per_page=20',
    );
    expect(first.status).toBe(200);
    expect(await first.json()).toHaveLength(20);
    const link = first.headers.get('link')!;
    expect(link).toMatch(/page=2[^>]*>; rel="next"/);
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4999');
    const next = /<([^>]+)>; rel="next"/.exec(link)![1];
    const second = await fetch(next, {
      headers: { authorization: `token ${endpoint.token}` },
    });
    expect(await second.json()).toHaveLength(10);
    expect(second.headers.get('link')).not.toMatch(/rel="next"/);
    expect(endpoint.budgets().core.used).toBe(2);
  });

  it('answers a repeated GET with its ETag 304 Not Modified, free of charge', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW }),
    });
    const first = await get('/repos/lumen-freight/payments-api/keys');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const again = await get('/repos/lumen-freight/payments-api/keys', {
      'if-none-match': etag,
    });
    expect(again.status).toBe(304);
    expect(endpoint.notModified).toBe(1);
    expect(endpoint.budgets().core.used).toBe(1);
    expect(again.headers.get('x-ratelimit-remaining')).toBe('4999');
  });

  it('refuses with a secondary rate limit (retry-after)', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW }),
      faults: { secondaryEvery: 2, secondaryRetryAfterSeconds: 7 },
    });
    expect((await get('/orgs/lumen-freight/installations')).status).toBe(200);
    const secondary = await get('/orgs/lumen-freight/installations');
    expect(secondary.status).toBe(403);
    expect(secondary.headers.get('retry-after')).toBe('7');
    expect((await secondary.json()).message).toMatch(/secondary rate limit/);
    expect(endpoint.secondaryLimited).toBe(1);
    expect(endpoint.budgets().core.used).toBe(1);
  });

  it('refuses once the budget is spent, until the window resets', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW }),
      rateLimit: { core: 2 },
      faults: { primaryStatus: 429 },
    });
    await get('/orgs/lumen-freight/installations');
    await get('/orgs/lumen-freight/installations');
    const spent = await get('/orgs/lumen-freight/installations');
    expect(spent.status).toBe(429);
    expect(spent.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(spent.headers.get('x-ratelimit-reset'))).toBeGreaterThan(
      Date.now() / 1000,
    );
    expect((await spent.json()).message).toMatch(/API rate limit exceeded/);
    // GET /rate_limit is free, as on GitHub.
    const limits = await (await get('/rate_limit')).json();
    expect(limits.resources.core).toMatchObject({ limit: 2, remaining: 0 });
    endpoint.resetRateLimits();
    expect((await get('/orgs/lumen-freight/installations')).status).toBe(200);
  });

  it('answers 403 (or 404) for data the token may not read', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW }),
      faults: {
        denied: { 'lumen-freight': ['personal-access-tokens'] },
        deniedStatus: 404,
      },
    });
    expect(
      (await get('/orgs/lumen-freight/personal-access-tokens')).status,
    ).toBe(404);
    expect((await get('/orgs/lumen-freight/actions/secrets')).status).toBe(200);
    const anonymous = await fetch(
      `${endpoint.url}/orgs/lumen-freight/installations`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('runs GraphQL queries, charging the points GitHub would compute', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW, repositories: 150 }),
    });
    const query = `query($cursor: String) {
      rateLimit { cost remaining }
      organization(login: "lumen-freight") {
        repositories(first: 100, after: $cursor) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { name deployKeys(first: 100) { totalCount } environments(first: 10) { nodes { name } } }
        }
      }
    }`;
    const response = await fetch(`${endpoint.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${endpoint.token}` },
      body: JSON.stringify({ query, variables: {} }),
    });
    const body = await response.json();
    expect(response.headers.get('x-ratelimit-resource')).toBe('graphql');
    // 1 + 100 + 100 requests: 2 points.
    expect(body.data.rateLimit).toEqual({ cost: 2, remaining: 4998 });
    expect(body.data.organization.repositories.totalCount).toBe(150);
    expect(body.data.organization.repositories.nodes).toHaveLength(100);
    expect(body.data.organization.repositories.pageInfo.hasNextPage).toBe(true);
    expect(endpoint.pointsUsed.graphql).toBe(2);

    const unbounded = await fetch(`${endpoint.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${endpoint.token}` },
      body: JSON.stringify({
        query:
          '{ organization(login: "lumen-freight") { repositories { totalCount } } }',
      }),
    });
    expect((await unbounded.json()).errors[0].message).toMatch(
      /You must provide a `first` or `last` value/,
    );
  });

  it('computes GraphQL cost as GitHub documents it', () => {
    // GitHub's documented example: 1 + 100 + 5,000 requests → 51 points.
    const doc =
      parse(`{ organization(login: "x") { repositories(first: 100) { nodes {
      deployKeys(first: 50) { nodes { id } }
      environments(first: 50) { nodes { name } }
    } } } }`);
    expect(graphqlQueryCost(doc)).toEqual({
      cost: 2,
      requests: 201,
      nodes: 10_100,
    });
    expect(
      graphqlQueryCost(
        parse(
          '{ organization(login: "x") { repositories(first: 3) { nodes { name } } } }',
        ),
      ).cost,
    ).toBe(1);
  });

  it('gives a GitHub App an installation token for its JWT', async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: NOW }),
    });
    const payload = Buffer.from(JSON.stringify({ iss: 1001 })).toString(
      'base64url',
    );
    const jwt = `e30.${payload}.signature`;
    const installations = await fetch(`${endpoint.url}/app/installations`, {
      headers: { authorization: `Bearer ${jwt}` },
    });
    const [installation] = await installations.json();
    expect(installation.account.login).toBe('lumen-freight');
    const token = await fetch(
      `${endpoint.url}/app/installations/${installation.id}/access_tokens`,
      { method: 'POST', headers: { authorization: `Bearer ${jwt}` } },
    );
    expect(token.status).toBe(201);
    const { token: installationToken } = await token.json();
    const grants = await fetch(
      `${endpoint.url}/orgs/lumen-freight/personal-access-tokens`,
      { headers: { authorization: `token ${installationToken}` } },
    );
    expect(grants.status).toBe(200);
  });
});
