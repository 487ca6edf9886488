import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { generateKeyPairSync } from 'node:crypto';
import { readGithubSourceConfig } from '../config';
import {
  GITHUB_FORMER_MEMBER,
  generateGithubOrganization,
  GithubEndpoint,
  GithubEndpointOptions,
  GithubModel,
  startGithubEndpoint,
} from '../testUtils';
import { GithubSource } from './GithubSource';

const NOW = '2026-12-01T00:00:00Z';
const DAY = 86_400_000;
const daysAgo = (d: number) =>
  new Date(Date.parse(NOW) - d * DAY).toISOString();

let endpoint: GithubEndpoint | undefined;
afterEach(async () => {
  await endpoint?.stop();
  endpoint = undefined;
});

async function setup(
  options: {
    model?: GithubModel;
    endpoint?: Partial<GithubEndpointOptions>;
    source?: Record<string, unknown>;
    integration?: Record<string, unknown>;
  } = {},
) {
  const model = options.model ?? generateGithubOrganization({ now: NOW });
  endpoint = await startGithubEndpoint({ model, ...options.endpoint });
  const integrations = ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        github: [
          {
            host: 'github.com',
            apiBaseUrl: endpoint.url,
            ...(options.integration ?? { token: endpoint.token }),
          },
        ],
      },
    }),
  );
  const source = GithubSource.fromConfig(
    readGithubSourceConfig(
      new ConfigReader({
        organizations: ['lumen-freight'],
        ...options.source,
      }),
      'test',
    ),
    {
      apiBaseUrl: endpoint.url,
      credentialsProvider:
        DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      retryAfterBaseMs: 1,
      graphqlMinTimeMs: 0,
    },
  );
  return { model, endpoint, source };
}

const byName = (records: NhiIdentityRecord[], name: string) => {
  const found = records.find(r => r.name === name);
  if (!found) throw new Error(`no record ${name}`);
  return found;
};

describe('GithubSource', () => {
  it('reads apps, deploy keys, token grants, secrets and OIDC through Octokit and normalizes them', async () => {
    const { source } = await setup();
    const { records, summary, invalid } = await readSource(source);
    expect(invalid).toEqual([]);
    expect(summary).toMatchObject({ complete: true, errors: [] });

    // An app another company owns, with write on every repository.
    const renovate = byName(records, 'renovate');
    expect(renovate).toMatchObject({
      type: 'github-app-installation',
      category: 'bot',
      provider: 'github',
      account: 'lumen-freight',
      externalId: 'github.com/lumen-freight/installations/31002',
    });
    expect(renovate.permissions).toMatchObject({
      serviceWildcards: expect.arrayContaining([
        'contents:write on all repositories',
        'workflows:write on all repositories',
      ]),
      escalation: [expect.stringMatching(/^workflows:write → /)],
      trust: { externalOrganizations: ['mend'] },
    });
    expect(renovate.permissions?.admin).toBeUndefined();
    expect(renovate.tags).toEqual(
      expect.arrayContaining(['third-party', 'all-repositories']),
    );
    // Organization administration with write: administrator-equivalent.
    expect(byName(records, 'legacy-ci-bridge').permissions).toMatchObject({
      admin: true,
      summary: expect.stringMatching(
        /^administrator-equivalent: organization_administration:write/,
      ),
    });
    const chatops = byName(records, 'old-chatops');
    expect(chatops.tags).toContain('suspended');
    expect(chatops.permissions?.summary).toMatch(
      /^suspended since \d{4}-\d\d-\d\d by alice-nakamura/,
    );

    // A write deploy key nobody used for 200 days, added by a former member.
    const push = byName(records, 'ci-runner/runner-release-push');
    expect(push).toMatchObject({
      type: 'deploy-key',
      category: 'machine-certificate',
      scope: 'lumen-freight/ci-runner:deploy-keys',
      usedBy: ['component:default/ci-runner'],
      createdBy: {
        type: 'person',
        name: GITHUB_FORMER_MEMBER,
        at: daysAgo(700),
      },
      lastUsed: { at: daysAgo(200) },
      permissions: {
        scopes: ['contents:write'],
        escalation: [
          expect.stringMatching(
            /^push to lumen-freight\/ci-runner → its workflows run with \d+ Actions secrets?$/,
          ),
        ],
      },
    });
    expect(push.credentials).toEqual([
      {
        id: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/),
        kind: 'ssh-key',
        status: 'active',
        createdAt: daysAgo(700),
        lastUsed: { at: daysAgo(200) },
      },
    ]);
    expect(push.tags).toContain('write-access');
    expect(byName(records, 'payments-api/backup-mirror')).toMatchObject({
      lastUsed: { never: true },
      createdBy: { type: 'unknown' },
      permissions: { scopes: ['contents:read'] },
    });
    // Who added a key is resolved to their SAML e-mail.
    expect(
      byName(records, 'terraform-pipeline/terraform-state-push').createdBy,
    ).toMatchObject({ name: 'alice.nakamura@lumenfreight.example' });

    // Token grants: the owner is the creator (by e-mail), expiry and use.
    const forever = byName(records, 'wei-zhang/reporting-export');
    expect(forever).toMatchObject({
      type: 'personal-access-token',
      category: 'api-key',
      createdBy: { type: 'person', name: 'wei.zhang@lumenfreight.example' },
      lastUsed: { at: daysAgo(200) },
    });
    expect(forever.expiresAt).toBeUndefined();
    expect(forever.credentials![0]).toMatchObject({
      kind: 'token',
      status: 'active',
    });
    expect(forever.credentials![0].expiresAt).toBeUndefined();
    expect(byName(records, 'jade-thompson/migration-helper')).toMatchObject({
      expiresAt: new Date(Date.parse(NOW) + 356 * DAY).toISOString(),
      permissions: {
        scopes: ['contents:write', 'metadata:read', 'workflows:write'],
        summary: expect.stringMatching(/1 repository \(payments-api\)/),
      },
    });
    expect(
      byName(records, `${GITHUB_FORMER_MEMBER}/old-sync`).credentials![0]
        .status,
    ).toBe('expired');
    const pending = byName(records, 'wei-zhang/data-backfill');
    expect(pending.tags).toContain('pending-approval');
    expect(pending.credentials![0].status).toBe('inactive');
    expect(pending.scope).toBe('lumen-freight:token-requests');

    // Actions secrets: metadata, rotation from updated_at, who can use them.
    const npm = byName(records, 'lumen-freight/NPM_TOKEN');
    expect(npm).toMatchObject({
      type: 'ci-secret',
      permissions: { trust: { organizations: ['lumen-freight'] } },
      credentials: [
        {
          kind: 'token',
          status: 'active',
          createdAt: daysAgo(800),
          lastRotatedAt: daysAgo(400),
        },
      ],
    });
    expect(byName(records, 'lumen-freight/SLACK_WEBHOOK_URL')).toMatchObject({
      usedBy: [
        'component:default/notifications-service',
        'component:default/ci-runner',
      ],
      credentials: [{ kind: 'webhook-secret' }],
    });
    const aws = byName(records, 'lumen-freight/AWS_ACCESS_KEY_ID');
    expect(aws.credentials![0]).toMatchObject({ kind: 'access-key' });
    // Never rotated: no lastRotatedAt when updated_at is the creation.
    expect(aws.credentials![0].lastRotatedAt).toBeUndefined();
    expect(
      byName(records, 'payments-api/production/STRIPE_SECRET_KEY'),
    ).toMatchObject({
      environments: ['production'],
      usedBy: ['component:default/payments-api'],
      scope: 'lumen-freight/payments-api:environment-secrets',
      credentials: [{ kind: 'api-key' }],
    });
    // Never a value: GitHub gives none and none is invented.
    const credentialFields = new Set(
      records.flatMap(r => (r.credentials ?? []).flatMap(c => Object.keys(c))),
    );
    expect([...credentialFields].sort()).toEqual([
      'createdAt',
      'expiresAt',
      'id',
      'kind',
      'lastRotatedAt',
      'lastUsed',
      'status',
    ]);

    // OIDC, in the identity's favour.
    expect(byName(records, 'lumen-freight/actions-oidc')).toMatchObject({
      type: 'cicd-token',
      federation: [
        {
          kind: 'oidc',
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'repo:lumen-freight/{repo}:{context}',
        },
      ],
    });
    expect(summary.stats).toMatchObject({
      identities: records.length,
      graphqlQueries: 2,
      graphqlPoints: 3,
      notModified: 0,
    });
  });

  it('names owners from a custom property first, then CODEOWNERS, with provenance', async () => {
    const model = generateGithubOrganization({ now: NOW });
    const repos = model.organizations[0].repositories;
    const pay = repos.find(r => r.name === 'payments-api')!;
    pay.properties = { Owner: 'payments' };
    pay.codeowners = {
      path: '.github/CODEOWNERS',
      text: '* @lumen-freight/web\n',
    };
    const tf = repos.find(r => r.name === 'terraform-pipeline')!;
    tf.properties = {};
    tf.codeowners = {
      path: 'docs/CODEOWNERS',
      text: '*  @lumen-freight/data\n# later rules win\n/* @lumen-freight/platform @alice-nakamura\n/docs/ @lumen-freight/writers\n',
    };
    const ci = repos.find(r => r.name === 'ci-runner')!;
    ci.properties = {};
    ci.codeowners = { path: 'CODEOWNERS', text: '* @alice-nakamura\n' };
    const { source } = await setup({ model });
    const { records } = await readSource(source);
    expect(byName(records, 'payments-api/argocd-read').owner).toEqual({
      value: 'payments',
      via: 'property:Owner',
    });
    expect(
      byName(records, 'terraform-pipeline/terraform-state-push').owner,
    ).toEqual({
      value: 'platform',
      via: 'codeowners:docs/CODEOWNERS',
    });
    // A person named in CODEOWNERS, by the e-mail the catalog knows.
    expect(byName(records, 'ci-runner/runner-release-push').owner).toEqual({
      value: 'alice.nakamura@lumenfreight.example',
      via: 'codeowners:CODEOWNERS',
    });
    // An organization secret shared with one repository takes its owner.
    expect(byName(records, 'lumen-freight/AWS_ACCESS_KEY_ID').owner).toEqual({
      value: 'platform',
      via: 'codeowners:docs/CODEOWNERS',
    });
  });

  it('maps a repository to the components its catalog file defines, else to its name', async () => {
    const model = generateGithubOrganization({ now: NOW });
    const repos = model.organizations[0].repositories;
    repos.find(r => r.name === 'payments-api')!.files = {
      'catalog-info.yaml':
        'kind: Component\nmetadata:\n  name: payments-gateway\n---\nkind: Component\nmetadata:\n  name: payments-admin\n  namespace: finance\n---\nkind: API\nmetadata:\n  name: payments-openapi\n',
    };
    const other = repos.find(r => !r.files)!;
    other.deployKeys = [
      {
        id: 777_001,
        title: 'mirror',
        key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMirrorMirrorMirrorMirrorMirrorMirrorMirror1',
        readOnly: true,
        createdAt: daysAgo(10),
        lastUsed: daysAgo(1),
      },
    ];
    const { source } = await setup({ model });
    const { records } = await readSource(source);
    expect(byName(records, 'payments-api/argocd-read').usedBy).toEqual([
      'component:default/payments-gateway',
      'component:finance/payments-admin',
    ]);
    const key = records.find(
      r => r.type === 'deploy-key' && r.name.startsWith(`${other.name}/`),
    )!;
    expect(key.usedBy).toEqual([other.name]);

    await endpoint!.stop();
    const strict = await setup({
      model,
      source: { repositoryNameAsComponent: false },
    });
    const again = await readSource(strict.source);
    const strictKey = again.records.find(r => r.externalId === key.externalId)!;
    expect(strictKey.usedBy).toBeUndefined();
  });

  it('spends no REST point on an unchanged organization the next time (ETags)', async () => {
    const { source, endpoint: e } = await setup();
    const first = await readSource(source);
    const spent = e.pointsUsed.core;
    expect(spent).toBeGreaterThan(20);
    expect(first.summary.stats?.restPoints).toBe(spent);
    const second = await readSource(source);
    expect(second.summary.complete).toBe(true);
    expect(e.pointsUsed.core).toBe(spent);
    expect(second.summary.stats).toMatchObject({
      restPoints: 0,
      notModified: spent,
      graphqlPoints: 3,
    });
    expect(second.records).toEqual(first.records);
  });

  it('costs only the changed list when something changes', async () => {
    const model = generateGithubOrganization({ now: NOW });
    const { source, endpoint: e } = await setup({ model });
    await readSource(source);
    const spent = e.pointsUsed.core;
    model.organizations[0].repositories
      .find(r => r.name === 'payments-api')!
      .deployKeys!.push({
        id: 999_999,
        title: 'new-key',
        key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3newkeynewkeynewkeynewkeynewkeynewkey12',
        readOnly: true,
        createdAt: daysAgo(0),
        lastUsed: null,
      });
    const { records, summary } = await readSource(source);
    expect(e.pointsUsed.core - spent).toBe(1);
    expect(summary.stats?.restPoints).toBe(1);
    expect(records.map(r => r.name)).toContain('payments-api/new-key');
  });

  it('waits out secondary rate limits (403 and 429 with retry-after)', async () => {
    for (const status of [403, 429] as const) {
      const { source, endpoint: e } = await setup({
        endpoint: {
          faults: {
            secondaryEvery: 7,
            secondaryStatus: status,
            secondaryRetryAfterSeconds: 2,
          },
        },
      });
      const { summary, records } = await readSource(source);
      expect(summary.errors).toEqual([]);
      expect(summary.complete).toBe(true);
      expect(e.secondaryLimited).toBeGreaterThan(2);
      expect(summary.stats?.secondaryRateLimits).toBe(e.secondaryLimited);
      expect(records.length).toBeGreaterThan(40);
      await e.stop();
      endpoint = undefined;
    }
  });

  it('gives up on a secondary limit longer than it may wait', async () => {
    const { source } = await setup({
      endpoint: {
        faults: { secondaryEvery: 3, secondaryRetryAfterSeconds: 500 },
      },
    });
    const { summary } = await readSource(source);
    expect(summary.complete).toBe(false);
    expect(summary.errors.map(e => e.message).join('\n')).toMatch(
      /secondary rate limit/,
    );
  });

  it('ends partial at the budget’s reserve, keeps what it did not re-read and continues next run', async () => {
    const model = generateGithubOrganization({ now: NOW, repositories: 40 });
    const { source, endpoint: e } = await setup({
      model,
      endpoint: { rateLimit: { core: 40 } },
      source: { rateLimit: { reservePercent: 10 } },
    });
    const first = await readSource(source);
    expect(first.summary.complete).toBe(false);
    const budgetError = first.summary.errors.find(x =>
      /down to its reserve/.test(x.message),
    );
    expect(budgetError).toMatchObject({
      scope: 'lumen-freight',
      message: expect.stringMatching(
        // 4 points, less the requests already in flight when it was reached
        /REST rate-limit budget is down to its reserve \([1-4] of 40 points left, 10% kept.*\d+ repositories were not re-read and keep their identities; the next run continues with them/,
      ),
    });
    // It stopped before the reserve: the rest of Backstage keeps 4 points.
    expect(e.budgets().core.remaining).toBeGreaterThanOrEqual(4 - 3);
    const scopes1 = new Set(first.summary.completeScopes);
    expect(scopes1.has('lumen-freight:apps')).toBe(true);
    const unread = model.organizations[0].repositories
      .filter(r => !r.archived)
      .filter(r => !scopes1.has(`lumen-freight/${r.name}:secrets`))
      .map(r => r.name);
    expect(unread.length).toBeGreaterThan(0);
    // Nothing of an unread repository is emitted (its entities are kept).
    for (const name of unread) {
      expect(
        first.records.filter(r => r.scope === `lumen-freight/${name}:secrets`),
      ).toEqual([]);
    }

    // An hour later: what was read costs nothing, the rest is read first.
    e.resetRateLimits();
    const second = await readSource(source);
    const scopes2 = new Set(second.summary.completeScopes ?? []);
    for (const name of unread) {
      expect(
        second.summary.complete || scopes2.has(`lumen-freight/${name}:secrets`),
      ).toBe(true);
    }
    let runs = 2;
    let last = second;
    while (!last.summary.complete && runs < 6) {
      e.resetRateLimits();
      last = await readSource(source);
      runs++;
    }
    expect(last.summary.complete).toBe(true);
  });

  it('stops when GitHub says the budget is spent (403 or 429 with x-ratelimit-remaining: 0)', async () => {
    const { source, endpoint: e } = await setup({
      endpoint: {
        faults: {
          primaryStatus: 429,
          // Another client of the same installation spends the budget.
          othersSpend: { afterRequests: 12, resource: 'core' },
        },
      },
      source: { rateLimit: { reservePercent: 0 } },
    });
    const { summary } = await readSource(source);
    expect(summary.complete).toBe(false);
    expect(summary.errors.map(x => x.message).join('\n')).toMatch(
      /GitHub says the REST rate-limit budget is spent \(resets at \d\d:\d\d UTC\)/,
    );
    expect(e.rateLimited).toBeGreaterThan(0);
    // No retries hammering a spent budget.
    expect(e.rateLimited).toBeLessThanOrEqual(4);
  });

  it('ingests the rest and says which permission is missing when one kind is refused', async () => {
    const { source, endpoint: e } = await setup({
      endpoint: {
        faults: {
          denied: {
            'lumen-freight': [
              'personal-access-tokens',
              'repository-secrets',
              'deploy-keys',
            ],
          },
        },
      },
    });
    const { records, summary, invalid } = await readSource(source);
    expect(invalid).toEqual([]);
    expect(summary.complete).toBe(false);
    const messages = summary.errors.map(x => x.message).join('\n');
    expect(messages).toMatch(
      /fine-grained personal access tokens granted to the organization of lumen-freight could not be read \(403 Resource not accessible by integration\): missing permission\? GitHub App: organization permission "Personal access tokens" \(read\)/,
    );
    expect(messages).toMatch(
      /repository Actions secrets of lumen-freight could not be read .*"Secrets" \(read\)/,
    );
    expect(messages).toMatch(
      /deploy keys of lumen-freight could not be read \(GraphQL: FORBIDDEN\).*"Administration" \(read\)/,
    );
    const types = new Set(records.map(r => r.type));
    expect(types).toEqual(
      new Set([
        'github-app-installation',
        'personal-access-token', // the pending requests
        'ci-secret',
        'cicd-token',
      ]),
    );
    expect(records.some(r => r.tags?.includes('repository-secret'))).toBe(
      false,
    );
    expect(records.some(r => r.tags?.includes('environment-secret'))).toBe(
      true,
    );
    const scopes = new Set(summary.completeScopes);
    expect(scopes.has('lumen-freight:token-grants')).toBe(false);
    expect(scopes.has('lumen-freight:token-requests')).toBe(true);
    expect(scopes.has('lumen-freight/payments-api:secrets')).toBe(false);
    expect(scopes.has('lumen-freight/payments-api:environment-secrets')).toBe(
      true,
    );
    // A refused kind is not asked again for every repository.
    expect(
      e.calls['GET /repos/{owner}/{repo}/actions/secrets'],
    ).toBeLessThanOrEqual(5);
    expect(e.calls['GET /repos/{owner}/{repo}/keys']).toBeUndefined();
  });

  it('treats a 404 for every repository as a missing permission', async () => {
    const { source, endpoint: e } = await setup({
      endpoint: {
        faults: {
          denied: { 'lumen-freight': ['repository-secrets'] },
          deniedStatus: 404,
        },
      },
      source: { concurrency: 1 },
    });
    const { summary } = await readSource(source);
    expect(summary.errors.map(x => x.message).join('\n')).toMatch(
      /repository Actions secrets of lumen-freight could not be read \(404 for every repository tried\)/,
    );
    expect(e.calls['GET /repos/{owner}/{repo}/actions/secrets']).toBe(3);
  });

  it('authenticates as the GitHub App configured in integrations.github', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const { source, endpoint: e } = await setup({
      integration: {
        apps: [
          {
            appId: 1001,
            clientId: 'Iv1.nhitest',
            clientSecret: 'not-a-secret',
            privateKey,
          },
        ],
      },
    });
    const { summary, records } = await readSource(source);
    expect(summary.errors).toEqual([]);
    expect(records.length).toBeGreaterThan(40);
    expect(
      e.calls['POST /app/installations/{installation_id}/access_tokens'],
    ).toBe(1);
  });

  it('fails an organization whose credentials GitHub refuses, saying where to look', async () => {
    const { source } = await setup({ integration: { token: 'ghp_wrong' } });
    const { summary, records } = await readSource(source);
    expect(records).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.errors).toEqual([
      {
        scope: 'lumen-freight',
        message: expect.stringMatching(
          /GitHub refused the credentials for lumen-freight \(401 Bad credentials\): check integrations.github/,
        ),
      },
    ]);
  });

  it('skips the secrets of archived repositories unless told to read them', async () => {
    const model = generateGithubOrganization({ now: NOW });
    const archived = model.organizations[0].repositories.find(
      r => r.archived && r.secrets?.length,
    );
    const repo =
      archived ??
      Object.assign(model.organizations[0].repositories.at(-1)!, {
        archived: true,
        secrets: [
          {
            name: 'OLD_TOKEN',
            createdAt: daysAgo(900),
            updatedAt: daysAgo(900),
          },
        ],
      });
    const { source } = await setup({ model });
    const { records, summary } = await readSource(source);
    expect(summary.complete).toBe(true);
    expect(
      records.filter(r => r.scope === `lumen-freight/${repo.name}:secrets`),
    ).toEqual([]);
    await endpoint!.stop();
    const again = await setup({ model, source: { includeArchived: true } });
    const all = await readSource(again.source);
    expect(
      all.records.filter(r => r.scope === `lumen-freight/${repo.name}:secrets`)
        .length,
    ).toBe(repo.secrets!.length);
  });
});
