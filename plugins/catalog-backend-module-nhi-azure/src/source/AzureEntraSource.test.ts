import { ConfigReader } from '@backstage/config';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readAzureSourceConfig } from '../config';
import {
  EntraTenantModel,
  generateEntraTenant,
  GraphEndpoint,
  GraphEndpointOptions,
  StaticTokenCredential,
  startGraphEndpoint,
  VENDOR_TENANT_ID,
} from '../testUtils';
import { AzureEntraSource } from './AzureEntraSource';
import { GraphCallCounter, GraphReader } from './graph';
import { readEntraTenant } from './readTenant';

jest.setTimeout(60_000);

const NOW = new Date('2026-11-28T00:00:00Z');
const endpoints: GraphEndpoint[] = [];

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map(e => e.stop()));
});

async function serve(options: GraphEndpointOptions) {
  const endpoint = await startGraphEndpoint(options);
  endpoints.push(endpoint);
  return endpoint;
}

function source(
  endpoint: GraphEndpoint,
  model: EntraTenantModel,
  config: Record<string, unknown> = {},
  waits: number[] = [],
) {
  return AzureEntraSource.fromConfig(
    readAzureSourceConfig(
      new ConfigReader({
        tenantId: model.tenantId,
        tenantName: 'lumen-freight',
        target: endpoint.url,
        ...config,
      }),
      'test',
    ),
    {
      credential: new StaticTokenCredential(),
      // Retries wait nothing here; the waits asked for are recorded.
      sleep: async ms => {
        waits.push(ms);
      },
      now: () => NOW,
    },
  );
}

const byName = (records: NhiIdentityRecord[], name: string) => {
  const found = records.find(r => r.name === name);
  if (!found) throw new Error(`no identity named ${name}`);
  return found;
};

/** What the source should emit: the tenant's own service principals and the vendors', not Microsoft's. */
function expectedAppIds(model: EntraTenantModel) {
  return model.servicePrincipals
    .filter(
      sp =>
        sp.servicePrincipalType === 'ManagedIdentity' ||
        sp.appOwnerOrganizationId === model.tenantId ||
        sp.appOwnerOrganizationId === VENDOR_TENANT_ID,
    )
    .map(sp => `azure:${model.tenantId}:${sp.appId}`)
    .sort();
}

describe('AzureEntraSource over HTTP with the Microsoft Graph client', () => {
  const model = generateEntraTenant({ identities: 300, now: NOW });

  it('reads every service principal and managed identity of the tenant, in few Graph requests', async () => {
    const endpoint = await serve({ model });
    const { records, summary, invalid } = await readSource(
      source(endpoint, model),
    );
    expect(invalid).toEqual([]);
    expect(summary.errors).toEqual([]);
    expect(summary.complete).toBe(true);
    expect(summary.completeScopes).toEqual([model.tenantId]);
    expect(records.map(r => r.externalId).sort()).toEqual(
      expectedAppIds(model),
    );
    expect(summary.stats?.apiCalls).toBe(endpoint.totalCalls());
    expect(endpoint.totalCalls() / records.length).toBeLessThan(0.5);
  });

  it('gives credentials with creation, expiry and last sign-in, owners and the last sign-in of each identity', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint, model));

    const bootstrap = byName(records, 'terraform-bootstrap');
    expect(bootstrap.owner).toEqual({ value: 'platform', via: 'tag:team' });
    expect(bootstrap.description).toContain(
      'owners: ada.platform@lumenfreight.example',
    );
    expect(bootstrap.lastUsed).toEqual({
      at: expect.stringMatching(/^2026-11-2/),
      service: 'app-only sign-in',
    });
    expect(bootstrap.credentials).toEqual([
      {
        id: expect.any(String),
        kind: 'client-secret',
        status: 'active',
        createdAt: expect.stringMatching(/^2025-09/),
        lastRotatedAt: expect.stringMatching(/^2025-09/),
        expiresAt: expect.stringMatching(/^2027-09/),
        lastUsed: { at: bootstrap.lastUsed!.at, service: 'Microsoft Graph' },
      },
    ]);

    // Owned by a person who left: the pipeline cannot resolve the e-mail.
    expect(byName(records, 'entra-provisioning').owner).toEqual({
      value: 'jordan.reyes@lumenfreight.example',
      via: 'application owner',
    });
    expect(byName(records, 'entra-provisioning').credentials?.[0].kind).toBe(
      'certificate',
    );

    // Never signed in: so none of its credentials was used either.
    const never = records.find(
      r => r.lastUsed?.never && r.credentials?.some(c => c.status === 'active'),
    )!;
    expect(never.credentials!.every(c => c.lastUsed?.never === true)).toBe(
      true,
    );

    // No record holds a secret's hint.
    const hints = model.applications.flatMap(a =>
      a.passwordCredentials.map(c => c.hint!),
    );
    const text = JSON.stringify(records);
    expect(hints.filter(h => text.includes(`"${h}"`))).toEqual([]);
  });

  it('reads owners past the 20 Graph expands, in a $batch', async () => {
    const endpoint = await serve({ model });
    const graph = new GraphReader({
      credential: new StaticTokenCredential(),
      baseUrl: endpoint.url,
      counter: new GraphCallCounter(),
      retry: { maxRetries: 0, maxDelayMs: 0 },
    });
    const snapshot = await readEntraTenant(graph, {
      pageSize: 999,
      signInActivity: true,
    });
    const shared = model.applications.find(
      a => a.displayName === 'shared-reporting-app',
    )!;
    expect(snapshot.applications?.get(shared.appId)?.owners).toHaveLength(25);
    expect(endpoint.calls['POST /v1.0/$batch']).toBe(2);
  });

  it('judges directory roles and Microsoft Graph application permissions', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(source(endpoint, model));
    const permissions = (name: string) => byName(records, name).permissions!;

    expect(permissions('terraform-bootstrap')).toMatchObject({
      admin: true,
      summary: expect.stringMatching(
        /^Administrator-equivalent: Global Administrator .*; Microsoft Graph Application\.ReadWrite\.All can add a credential to any application/,
      ),
    });
    expect(permissions('entra-provisioning').admin).toBe(true);
    expect(permissions('platform-automation')).toMatchObject({
      admin: false,
      escalation: [
        'Cloud Application Administrator: add a credential to any application, then act with its permissions',
      ],
    });
    expect(permissions('release-manager').escalation).toEqual([
      'App Credential Manager: add a credential to applications, then act with their permissions',
    ]);
    expect(permissions('hr-directory-sync').escalation).toEqual([
      "Microsoft Graph User.ReadWrite.All: rewrite any non-administrator's account",
      'Microsoft Graph Group.ReadWrite.All: add itself to groups and to what they grant',
    ]);
    expect(permissions('support-mailbox-sync').dataExfiltration).toEqual([
      'Microsoft Graph Mail.Read (every mailbox)',
    ]);
    expect(permissions('Contoso CRM Connector')).toMatchObject({
      dataExfiltration: ['Microsoft Graph Mail.Read (every mailbox)'],
      trust: { externalAccounts: [VENDOR_TENANT_ID] },
    });
  });

  it('counts federated identity credentials for GitHub Actions in the identity’s favour', async () => {
    const endpoint = await serve({ model });
    const { records } = await readSource(
      source(endpoint, model, { inferUsedBy: true }),
    );
    const automation = byName(records, 'platform-automation');
    expect(automation.federation).toEqual([
      {
        kind: 'federated-credential',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:lumen-freight/ci-runner:environment:production',
      },
    ]);
    expect(automation.credentials).toEqual([]);
    expect(automation.usedBy).toEqual(['ci-runner']);
    const federated = model.applications.filter(
      a => a.federatedIdentityCredentials.length,
    );
    expect(records.filter(r => r.federation?.length)).toHaveLength(
      federated.length,
    );
  });

  describe('a missing Graph permission fails that part only, keeping the identities', () => {
    const unthrottled = async () => {
      const endpoint = await serve({ model });
      return (await readSource(source(endpoint, model))).records;
    };

    it('without AuditLog.Read.All: identities and credentials without last sign-in, and the permission named', async () => {
      const all = await unthrottled();
      const endpoint = await serve({ model, faults: { deny: ['reports'] } });
      const { records, summary, invalid } = await readSource(
        source(endpoint, model),
      );
      expect(invalid).toEqual([]);
      expect(summary.complete).toBe(true);
      expect(summary.completeScopes).toEqual([model.tenantId]);
      expect(summary.errors).toEqual([
        {
          scope: model.tenantId,
          message: expect.stringMatching(
            /^signInActivity could not be read, last sign-ins of service principals are missing: permission missing: grant the application permission AuditLog\.Read\.All \(Microsoft Graph\) to the source's application \(403 Authorization_RequestDenied: Insufficient privileges/,
          ),
        },
        {
          scope: model.tenantId,
          message: expect.stringContaining(
            'credentialSignInActivity could not be read, last sign-ins of credentials are missing: permission missing: grant the application permission AuditLog.Read.All',
          ),
        },
      ]);
      expect(records.map(r => r.externalId).sort()).toEqual(
        all.map(r => r.externalId).sort(),
      );
      expect(records.filter(r => r.lastUsed)).toEqual([]);
      expect(
        records.flatMap(r => r.credentials ?? []).filter(c => c.lastUsed),
      ).toEqual([]);
      expect(records.flatMap(r => r.credentials ?? [])).toHaveLength(
        all.flatMap(r => r.credentials ?? []).length,
      );
    });

    it('without an Entra ID P1/P2 licence: says so', async () => {
      const endpoint = await serve({
        model,
        faults: { noPremiumLicence: true },
      });
      const { summary, records } = await readSource(source(endpoint, model));
      expect(records.length).toBeGreaterThan(300);
      expect(summary.errors[0].message).toContain(
        'the tenant has no Microsoft Entra ID P1 or P2 licence',
      );
    });

    it('without RoleManagement.Read.Directory: no directory roles, the Graph permissions still judged', async () => {
      const endpoint = await serve({
        model,
        faults: { deny: ['roleManagement'] },
      });
      const { records, summary } = await readSource(source(endpoint, model));
      expect(summary.complete).toBe(true);
      expect(summary.errors.map(e => e.message)).toEqual([
        expect.stringContaining(
          'directoryRoles could not be read, directory roles are not in the permission summaries: permission missing: grant the application permission RoleManagement.Read.Directory',
        ),
      ]);
      const bootstrap = byName(records, 'terraform-bootstrap').permissions!;
      expect(bootstrap.admin).toBe(true);
      expect(bootstrap.summary).toContain(
        'Directory roles not read (needs RoleManagement.Read.Directory)',
      );
      // Its only privilege was a role: unknown now, not "not admin".
      expect(byName(records, 'entra-provisioning').permissions?.admin).toBe(
        undefined,
      );
    });

    it('without reading applications: identities without their applications’ credentials and owners', async () => {
      const endpoint = await serve({
        model,
        faults: { deny: ['applications'] },
      });
      const { records, summary } = await readSource(source(endpoint, model));
      expect(summary.complete).toBe(true);
      expect(summary.errors.map(e => e.message)).toEqual([
        expect.stringContaining(
          "applications could not be read, applications' client secrets, certificates, owners and creation dates are missing: permission missing: grant the application permission Application.Read.All",
        ),
      ]);
      expect(records.length).toBe(expectedAppIds(model).length);
      expect(records.flatMap(r => r.credentials ?? [])).toEqual([]);
    });

    it('without reading service principals: nothing to ingest, the read is not complete and nothing is removed', async () => {
      const endpoint = await serve({
        model,
        faults: { deny: ['servicePrincipals'] },
      });
      const { records, summary } = await readSource(source(endpoint, model));
      expect(records).toEqual([]);
      expect(summary.complete).toBe(false);
      expect(summary.completeScopes).toEqual([]);
      expect(summary.errors).toEqual([
        {
          scope: model.tenantId,
          message: expect.stringContaining(
            `the service principals of tenant ${model.tenantId} could not be read: permission missing: grant the application permission Application.Read.All`,
          ),
        },
      ]);
    });
  });

  it('waits out throttling for the Retry-After Graph asks and reads the same identities', async () => {
    const quiet = await serve({ model });
    const expected = (await readSource(source(quiet, model))).records;
    const endpoint = await serve({
      model,
      faults: { throttleRate: 0.3, retryAfterSeconds: 2, seed: 7 },
    });
    const waits: number[] = [];
    const { records, summary } = await readSource(
      source(endpoint, model, {}, waits),
    );
    expect(summary.errors).toEqual([]);
    expect(endpoint.throttled).toBeGreaterThan(0);
    expect(summary.stats?.throttled).toBe(endpoint.throttled);
    expect(waits.length).toBeGreaterThan(0);
    expect(new Set(waits)).toEqual(new Set([2000]));
    expect(records).toEqual(expected);
  });

  it('fails the read, saying why, when the credential gives no token', async () => {
    const endpoint = await serve({ model });
    const { summary, records } = await readSource(
      AzureEntraSource.fromConfig(
        readAzureSourceConfig(
          new ConfigReader({ tenantId: model.tenantId, target: endpoint.url }),
          'test',
        ),
        {
          credential: {
            getToken: async () => {
              throw new Error('AADSTS7000215: Invalid client secret provided.');
            },
          },
        },
      ),
    );
    expect(records).toEqual([]);
    expect(summary.complete).toBe(false);
    expect(summary.errors).toEqual([
      {
        scope: model.tenantId,
        message: `the service principals of tenant ${model.tenantId} could not be read: 401 CredentialUnavailable: no access token for Microsoft Graph: AADSTS7000215: Invalid client secret provided.`,
      },
    ]);
    expect(endpoint.totalCalls()).toBe(0);
  });

  it('stops when the run is aborted, removing nothing', async () => {
    const endpoint = await serve({ model });
    const abort = new AbortController();
    abort.abort();
    const { summary } = await readSource(source(endpoint, model), {
      signal: abort.signal,
    });
    expect(summary.complete).toBe(false);
    expect(summary.completeScopes).toEqual([]);
    expect(summary.errors).toEqual([{ message: 'the read was aborted' }]);
  });
});
