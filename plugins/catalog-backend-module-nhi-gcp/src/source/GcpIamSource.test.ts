import { ConfigReader } from '@backstage/config';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { OAuth2Client } from 'googleapis-common';
import { readGcpSourceConfig } from '../config';
import { DAY } from '@backstage-nhi/plugin-nhi-common';
import {
  GCP_DEMO_ORGANIZATION_ID,
  GcpModelKey,
  GCP_PARTNER_PROJECT,
  GcpCompanyModel,
  GcpEndpoint,
  GcpEndpointOptions,
  generateGcpCompany,
  startGcpEndpoint,
} from '../testUtils';
import { GoogleAuth } from 'googleapis-common';
import { gcpAuthFromConfig, GcpIamSource } from './GcpIamSource';

jest.setTimeout(60_000);

const NOW = new Date('2026-11-28T00:00:00Z');
const endpoints: GcpEndpoint[] = [];

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.stop()));
});

async function serve(options: GcpEndpointOptions) {
  const endpoint = await startGcpEndpoint({ now: () => NOW, ...options });
  endpoints.push(endpoint);
  return endpoint;
}

/** The fake credential: a fixed access token, no call to Google. */
function tokenClient(token: string) {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token });
  return client;
}

function source(
  endpoint: GcpEndpoint,
  config: Record<string, unknown> = {},
  token = endpoint.accessToken,
) {
  return GcpIamSource.fromConfig(
    readGcpSourceConfig(
      new ConfigReader({
        organizationId: GCP_DEMO_ORGANIZATION_ID,
        rootUrl: endpoint.url,
        ...config,
      }),
      'test',
    ),
    {
      auth: tokenClient(token),
      retryBaseDelayMs: 1,
      now: () => NOW,
    },
  );
}

/** What the source should emit: every account of the organization's projects but service agents. */
function expectedIds(model: GcpCompanyModel, projects?: string[]): string[] {
  return model.projects
    .filter(p => !projects || projects.includes(p.projectId))
    .flatMap(p => p.serviceAccounts.map(sa => sa.email))
    .filter(e => !/@gcp-sa-/.test(e))
    .sort();
}

const ids = (records: NhiIdentityRecord[]) =>
  records.map(r => r.externalId).sort();
const byEmail = (records: NhiIdentityRecord[], prefix: string) => {
  const r = records.find(x => x.externalId.startsWith(prefix));
  if (!r) throw new Error(`no record ${prefix}`);
  return r;
};

describe('GcpIamSource over HTTP with Google’s Node.js clients', () => {
  const model = generateGcpCompany({ serviceAccounts: 120, seed: 3, now: NOW });

  it("reads every service account of the organization's projects, and only those", async () => {
    const endpoint = await serve({ model });
    const { records, summary, invalid } = await readSource(source(endpoint));
    expect(invalid).toEqual([]);
    expect(summary.errors).toEqual([]);
    expect(summary.complete).toBe(true);
    expect(ids(records)).toEqual(expectedIds(model));
    expect(records.some(r => r.account === GCP_PARTNER_PROJECT)).toBe(false);
    expect(new Set(records.map(r => r.type))).toEqual(
      new Set(['cloud-service-account']),
    );
    expect(
      records.every(r => r.provider === 'gcp' && r.scope === r.account),
    ).toBe(true);
    // Bulk, a fixed number of calls per project whatever its size: the
    // searches, the organization's and 3 folders' policies, then per project
    // its policy, one page of accounts, two asset lists, two activity queries.
    expect(summary.stats!.apiCalls).toBe(2 + 4 + 6 * model.projects.length);
    expect(endpoint.calls['cloudasset.assets.list']).toBe(
      2 * model.projects.length,
    );
    expect(
      endpoint.calls['iam.projects.serviceAccounts.keys.list'],
    ).toBeUndefined();
    expect(
      endpoint.calls['iam.projects.serviceAccounts.getIamPolicy'],
    ).toBeUndefined();
  });

  it('gives each user-managed key its creation, expiry, status and last authentication', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    const keyed = model.projects
      .flatMap(p => p.serviceAccounts)
      .filter(sa => sa.keys.length && !/@gcp-sa-/.test(sa.email));
    expect(keyed.length).toBeGreaterThan(20);
    // What Google's key fields mean, key by key.
    const expected = (k: GcpModelKey) => {
      const created = new Date(k.createdAt).toISOString();
      const expires = k.expiresAt && new Date(k.expiresAt).toISOString();
      const young = NOW.getTime() - Date.parse(k.createdAt) < 90 * DAY;
      let status = 'active';
      if (k.disabled) status = 'inactive';
      else if (expires && Date.parse(expires) <= NOW.getTime()) {
        status = 'expired';
      }
      let lastUsed: object | undefined;
      if (k.lastAuthenticatedAt) {
        lastUsed = { at: new Date(k.lastAuthenticatedAt).toISOString() };
      } else if (young) lastUsed = { never: true };
      return {
        id: k.id,
        kind: 'access-key',
        status,
        createdAt: created,
        lastRotatedAt: created,
        ...(expires ? { expiresAt: expires } : {}),
        // Older than the window without a recorded use: not known.
        ...(lastUsed ? { lastUsed } : {}),
      };
    };
    const seen = new Set<string>();
    for (const sa of keyed) {
      const want = [...sa.keys]
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map(expected);
      expect(byEmail(records, sa.email).credentials).toEqual(want);
      for (const c of want) {
        seen.add(c.status);
        seen.add(Object.keys(c.lastUsed ?? { unknown: 1 })[0]);
        if (c.expiresAt) seen.add('expiry');
      }
    }
    // The company has every case.
    expect([...seen].sort()).toEqual(
      [
        'active',
        'at',
        'expired',
        'expiry',
        'inactive',
        'never',
        'unknown',
      ].sort(),
    );
  });

  it('takes last use from Policy Analyzer, and says when none was recorded', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    const accounts = model.projects.flatMap(p => p.serviceAccounts);
    const used = accounts.find(
      sa =>
        sa.lastAuthenticatedAt && !sa.keys.length && !/@gcp-sa-/.test(sa.email),
    )!;
    expect(byEmail(records, used.email).lastUsed).toEqual({
      at: new Date(used.lastAuthenticatedAt!).toISOString(),
    });
    const orgBootstrap = byEmail(records, 'org-bootstrap@');
    expect(orgBootstrap.lastUsed).toEqual({ notWithinDays: 90 });
    expect(orgBootstrap.credentials).toEqual([
      expect.not.objectContaining({ lastUsed: expect.anything() }),
    ]);
    const exposed = byEmail(records, 'legacy-export@');
    expect(exposed.credentials![0].lastUsed).toEqual({ never: true });
    expect(exposed.description).toMatch(/exposed in public/);
  });

  it('names administrator-equivalent roles with the scope they are granted in', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    const terraform = byEmail(records, 'terraform-pipeline@platform-prod.');
    expect(terraform.permissions).toMatchObject({ admin: true });
    expect(terraform.permissions!.summary).toMatch(
      /^Administrator-equivalent: owner in project platform-prod \(full control, IAM included\)/,
    );
    const compute = records.find(r =>
      r.externalId.endsWith('-compute@developer.gserviceaccount.com'),
    )!;
    expect(compute.tags).toContain('default-service-account');
    expect(compute.permissions!.admin).toBe(true);
    expect(compute.permissions!.summary).toMatch(/editor in project/);
    const orgAdmin = byEmail(records, 'org-bootstrap@');
    expect(orgAdmin.permissions!.admin).toBe(true);
    expect(orgAdmin.permissions!.summary).toContain(
      `resourcemanager.organizationAdmin in organization ${GCP_DEMO_ORGANIZATION_ID}`,
    );
    const plain = records.filter(r => !r.permissions?.admin);
    expect(plain.length).toBeGreaterThan(records.length / 2);
  });

  it('names escalation paths: token creation on a project, acting as another account, on a folder', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    const deployBot = byEmail(records, 'deploy-bot@platform-prod.');
    expect(deployBot.permissions!.admin).toBe(false);
    expect(deployBot.permissions!.escalation).toEqual(
      expect.arrayContaining([
        'iam.serviceAccountTokenCreator in project payments-prod',
        'iam.serviceAccountUser in folder 310000000002',
      ]),
    );
    const ciRunner = byEmail(records, 'ci-runner@platform-prod.');
    expect(ciRunner.permissions!.escalation).toContain(
      'iam.serviceAccountUser on payments-api@payments-prod.iam.gserviceaccount.com',
    );
  });

  it('shows workload identity federation in the identity’s favour, with the workloads that use it', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    const platform = model.projects.find(p => p.projectId === 'platform-prod')!;
    const pool = `//iam.googleapis.com/projects/${platform.number}/locations/global/workloadIdentityPools/github`;
    const ci = byEmail(records, 'ci-runner@platform-prod.');
    expect(ci.federation).toEqual([
      {
        kind: 'federated-credential',
        issuer: pool,
        subject: 'attribute.repository/lumen-freight/ci-runner',
      },
    ]);
    expect(ci.usedBy).toEqual(['ci-runner']);
    expect(ci.credentials).toEqual([]);
    const api = byEmail(records, 'payments-api@payments-prod.');
    expect(api.federation).toEqual([
      {
        kind: 'workload-identity',
        issuer: 'payments-prod.svc.id.goog',
        subject: 'system:serviceaccount:payments:payments-api',
      },
    ]);
    expect(api.usedBy).toEqual(['payments-api']);
    const storefront = byEmail(records, 'storefront-web@web-prod.');
    expect(storefront.federation).toEqual([
      { kind: 'federated-credential', issuer: pool },
    ]);
  });

  it('sorts who may act as an account into public, partner and organization trust', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    expect(byEmail(records, 'legacy-export@').permissions!.trust).toEqual({
      public: true,
    });
    const carrier = byEmail(records, 'carrier-gateway@shipping-prod.');
    expect(carrier.permissions!.trust).toEqual({
      externalAccounts: [GCP_PARTNER_PROJECT],
    });
    expect(carrier.permissions!.summary).toContain(
      'people who can act as it: user:amara@lumen-freight.example',
    );
    // Every account of payments-prod may be impersonated by deploy-bot of platform-prod.
    const payments = records.filter(
      r => r.account === 'payments-prod' && r.externalId.includes('.iam.'),
    );
    expect(
      payments.every(r =>
        r.permissions!.trust?.organizationAccounts?.includes('platform-prod'),
      ),
    ).toBe(true);
  });

  it('owns identities by project label, or by the configured project owners', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(
      source(endpoint, {
        projectOwners: { 'legacy-billing': 'group:default/payments' },
      }),
    );
    expect(byEmail(records, 'payments-api@payments-prod.').owner).toEqual({
      value: 'payments',
      via: 'label:team',
    });
    // shipping-prod is labelled owner: rather than team:
    expect(byEmail(records, 'carrier-gateway@shipping-prod.').owner).toEqual({
      value: 'shipping',
      via: 'label:owner',
    });
    expect(byEmail(records, 'invoice-service@legacy-billing.').owner).toEqual({
      value: 'group:default/payments',
      via: 'config:projectOwners',
    });
    expect(
      byEmail(records, 'payments-api@payments-prod.').environments,
    ).toEqual(['production']);
  });

  it('fails a project whose accounts cannot be listed, names the permission, and keeps the others complete', async () => {
    const endpoint = await serve({
      model,
      faults: { denied: { 'shipping-prod': ['iam.serviceAccounts.list'] } },
    });
    const { records, summary, invalid } = await readSource(source(endpoint));
    expect(invalid).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.errors).toEqual([
      {
        scope: 'shipping-prod',
        message: expect.stringContaining(
          'missing permission iam.serviceAccounts.list',
        ),
      },
    ]);
    expect(summary.completeScopes).toEqual(
      model.projects
        .map(p => p.projectId)
        .filter(p => p !== 'shipping-prod')
        .sort(),
    );
    expect(ids(records)).toEqual(
      expectedIds(model).filter(e => !e.includes('@shipping-prod.')),
    );
  });

  it('fails a project whose activity cannot be read rather than dropping last use', async () => {
    const endpoint = await serve({
      model,
      faults: {
        denied: {
          'web-dev': [
            'policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query',
          ],
        },
      },
    });
    const { records, summary } = await readSource(source(endpoint));
    expect(summary.errors).toEqual([
      {
        scope: 'web-dev',
        message: expect.stringMatching(
          /policyanalyzer\.activities\.query:serviceAccountKeyLastAuthentication was refused: missing permission policyanalyzer\.serviceAccountKeyLastAuthenticationActivities\.query/,
        ),
      },
    ]);
    expect(records.some(r => r.account === 'web-dev')).toBe(false);
  });

  it('a project whose IAM policy cannot be read fails, and other identities say their picture lacks it', async () => {
    const endpoint = await serve({
      model,
      faults: {
        denied: { 'payments-prod': ['resourcemanager.projects.getIamPolicy'] },
      },
    });
    const { records, summary } = await readSource(source(endpoint));
    expect(summary.errors).toEqual([
      {
        scope: 'payments-prod',
        message: expect.stringContaining(
          'missing permission resourcemanager.projects.getIamPolicy',
        ),
      },
    ]);
    expect(records.some(r => r.account === 'payments-prod')).toBe(false);
    const deployBot = byEmail(records, 'deploy-bot@platform-prod.');
    expect(deployBot.permissions!.escalation).not.toContain(
      'iam.serviceAccountTokenCreator in project payments-prod',
    );
    expect(deployBot.permissions!.summary).toContain(
      'IAM policies not read, their grants not counted: project payments-prod',
    );
  });

  it('gives the same records when a fifth of requests are throttled (429 with Retry-After, 403 rateLimitExceeded)', async () => {
    const calm = await serve({ model });
    const stormy = await serve({
      model,
      faults: { throttleRate: 0.2, seed: 7, retryAfterSeconds: 0 },
    });
    const a = await readSource(source(calm));
    const b = await readSource(source(stormy, { maxAttempts: 12 }));
    expect(stormy.throttled).toBeGreaterThan(10);
    expect(b.summary.errors).toEqual([]);
    expect(b.summary.complete).toBe(true);
    expect(b.summary.stats!.throttled).toBe(stormy.throttled);
    expect(b.summary.stats!.httpAttempts).toBeGreaterThan(
      b.summary.stats!.apiCalls,
    );
    const sorted = (rs: NhiIdentityRecord[]) =>
      [...rs].sort((x, y) => x.externalId.localeCompare(y.externalId));
    expect(sorted(b.records)).toEqual(sorted(a.records));
  });

  it('falls back to per-account reads where Cloud Asset Inventory is disabled, with the same result', async () => {
    const calm = await serve({ model });
    const noAssets = await serve({
      model,
      faults: { assetInventoryDisabled: ['data-dev'] },
    });
    const a = await readSource(source(calm));
    const b = await readSource(source(noAssets));
    expect(b.summary.errors).toEqual([]);
    expect(b.summary.stats!.assetInventoryFallbacks).toBe(1);
    const dataDev = model.projects.find(p => p.projectId === 'data-dev')!;
    expect(noAssets.calls['iam.projects.serviceAccounts.keys.list']).toBe(
      dataDev.serviceAccounts.length,
    );
    const sorted = (rs: NhiIdentityRecord[]) =>
      [...rs].sort((x, y) => x.externalId.localeCompare(y.externalId));
    expect(sorted(b.records)).toEqual(sorted(a.records));
  });

  it('pages through every list with pageToken', async () => {
    const endpoint = await serve({
      model,
      pageSizes: { projects: 3, serviceAccounts: 2, assets: 2, activities: 2 },
    });
    const { records, summary } = await readSource(source(endpoint));
    expect(summary.complete).toBe(true);
    expect(ids(records)).toEqual(expectedIds(model));
    expect(endpoint.calls['cloudresourcemanager.projects.search']).toBe(
      Math.ceil((model.projects.length + 1) / 3),
    );
  });

  it('reads listed projects without an organization, and skips excluded ones', async () => {
    const endpoint = await serve({ model });
    const { records, summary } = await readSource(
      source(endpoint, {
        organizationId: undefined,
        projects: ['payments-prod', 'web-prod'],
      }),
    );
    expect(summary.complete).toBe(true);
    expect(summary.completeScopes).toEqual(['payments-prod', 'web-prod']);
    expect(ids(records)).toEqual(
      expectedIds(model, ['payments-prod', 'web-prod']),
    );
    expect(
      endpoint.calls['cloudresourcemanager.projects.search'],
    ).toBeUndefined();

    const excluded = await readSource(
      source(endpoint, { excludeProjects: ['payments-prod'] }),
    );
    expect(excluded.records.some(r => r.account === 'payments-prod')).toBe(
      false,
    );
    expect(excluded.summary.complete).toBe(true);
  });

  it('skips Google-managed service agents unless asked for them', async () => {
    const endpoint = await serve({ model });
    const agent = (rs: NhiIdentityRecord[]) =>
      rs.filter(r => r.externalId.includes('@gcp-sa-'));
    expect(agent((await readSource(source(endpoint))).records)).toEqual([]);
    const all = await readSource(
      source(endpoint, { includeGoogleManaged: true }),
    );
    expect(agent(all.records)).toEqual([
      expect.objectContaining({
        tags: expect.arrayContaining(['google-managed']),
      }),
    ]);
  });

  it('refuses a request without the access token (the fake checks it like Google)', async () => {
    const endpoint = await serve({ model });
    const { summary } = await readSource(source(endpoint, {}, 'stolen'));
    expect(summary.complete).toBe(false);
    expect(summary.errors[0]).toEqual({
      scope: 'organization',
      message: expect.stringContaining('401 UNAUTHENTICATED'),
    });
  });
  it('names custom roles it does not analyse and conditional grants it counts', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint));
    const invoice = byEmail(records, 'invoice-service@legacy-billing.');
    expect(invoice.permissions!.summary).toContain(
      'custom roles not analysed: projects/legacy-billing/roles/billingExporter in project legacy-billing',
    );
    expect(invoice.permissions!.summary).toContain(
      'cloudsql.client in project legacy-billing (conditional)',
    );
    expect(invoice.permissions!.summary).toContain(
      'conditional grants count as granted',
    );
  });
});

describe('gcpAuthFromConfig', () => {
  const config = (credentials: Record<string, string>) =>
    readGcpSourceConfig(
      new ConfigReader({ projects: ['acme-prod'], credentials }),
      'test',
    );

  it('holds a fixed access token without asking Google for one', async () => {
    const auth = gcpAuthFromConfig(config({ accessToken: 'fixed' }));
    expect(auth).toBeInstanceOf(OAuth2Client);
    const headers = await (auth as OAuth2Client).getRequestHeaders();
    expect(headers.get('authorization')).toBe('Bearer fixed');
  });

  it('uses a key file, or Application Default Credentials, with the cloud-platform scope', () => {
    const keyed = gcpAuthFromConfig(
      config({ keyFile: '/secrets/reader.json' }),
    );
    expect(keyed).toBeInstanceOf(GoogleAuth);
    expect((keyed as any).keyFilename).toBe('/secrets/reader.json');
    const adc = gcpAuthFromConfig(config({}));
    expect(adc).toBeInstanceOf(GoogleAuth);
    expect((adc as any).scopes).toEqual([
      'https://www.googleapis.com/auth/cloud-platform',
    ]);
  });
});
