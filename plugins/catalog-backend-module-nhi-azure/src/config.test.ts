import { ConfigReader, JsonObject } from '@backstage/config';
import { AZURE_SOURCE_DEFAULTS, readAzureSourceConfigs } from './config';

const TENANT = '5a0b7c3e-2f61-4d8a-9b1c-7e4f2a6d8c10';
const CLIENT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

const read = (azure: JsonObject, rest: JsonObject = {}) =>
  readAzureSourceConfigs(
    new ConfigReader({ ...rest, nhi: { sources: { azure } } }),
  );

describe('readAzureSourceConfigs', () => {
  it('reads nothing when no Azure source is configured', () => {
    expect(readAzureSourceConfigs(new ConfigReader({}))).toEqual([]);
  });

  it('applies the defaults; without a client id the default credential chain signs in', () => {
    expect(read({ corp: { tenantId: TENANT.toUpperCase() } })).toEqual([
      {
        id: 'corp',
        tenantId: TENANT,
        credential: { type: 'default' },
        graphBaseUrl: 'https://graph.microsoft.com',
        authorityHost: 'https://login.microsoftonline.com',
        portalUrl: 'https://entra.microsoft.com',
        includeMicrosoftApplications: false,
        includeThirdPartyApplications: true,
        signInActivity: true,
        inferUsedBy: false,
        ownerTagKeys: ['owner', 'team'],
        environmentTagKeys: ['environment', 'env'],
        createdByTagKey: 'created-by',
        agentTagKeys: AZURE_SOURCE_DEFAULTS.agentTagKeys,
        pageSize: 999,
        maxRetries: 6,
        maxRetryDelayMs: 120_000,
        schedule: undefined,
      },
    ]);
  });

  it('reads client secret credentials and every setting', () => {
    const [c] = read({
      corp: {
        tenantId: TENANT,
        tenantName: 'lumen-freight',
        clientId: CLIENT,
        clientSecret: 'not-a-real-secret',
        target: 'https://graph.microsoft.us/v1.0/',
        authority: 'https://login.microsoftonline.us',
        portalUrl: 'https://portal.azure.us',
        includeMicrosoftApplications: true,
        includeThirdPartyApplications: false,
        signInActivity: false,
        inferUsedBy: true,
        ownerTagKeys: ['squad'],
        managedIdentityOwnerPattern: '/resourceGroups/rg-(?<owner>[a-z0-9]+)-',
        environmentTagKeys: ['stage'],
        createdByTagKey: 'author',
        agentTagKeys: { agentId: 'agent' },
        pageSize: 500,
        maxRetries: 3,
        maxRetryDelaySeconds: 30,
        schedule: { frequency: { hours: 1 }, timeout: { minutes: 30 } },
      },
    });
    expect(c).toMatchObject({
      tenantName: 'lumen-freight',
      credential: {
        type: 'client-secret',
        clientId: CLIENT,
        clientSecret: 'not-a-real-secret',
      },
      graphBaseUrl: 'https://graph.microsoft.us',
      authorityHost: 'https://login.microsoftonline.us',
      portalUrl: 'https://portal.azure.us',
      includeMicrosoftApplications: true,
      includeThirdPartyApplications: false,
      signInActivity: false,
      inferUsedBy: true,
      ownerTagKeys: ['squad'],
      environmentTagKeys: ['stage'],
      createdByTagKey: 'author',
      agentTagKeys: { ...AZURE_SOURCE_DEFAULTS.agentTagKeys, agentId: 'agent' },
      pageSize: 500,
      maxRetries: 3,
      maxRetryDelayMs: 30_000,
      schedule: { frequency: { hours: 1 }, timeout: { minutes: 30 } },
    });
    expect(
      c.managedIdentityOwnerPattern?.exec(
        '/subscriptions/1/resourcegroups/rg-payments-prod/providers/x/y',
      )?.groups?.owner,
    ).toBe('payments');
  });

  it('reads a client certificate', () => {
    const [c] = read({
      corp: {
        tenantId: TENANT,
        clientId: CLIENT,
        clientCertificatePath: '/etc/nhi/graph.pem',
      },
    });
    expect(c.credential).toEqual({
      type: 'client-certificate',
      clientId: CLIENT,
      certificatePath: '/etc/nhi/graph.pem',
    });
  });

  it('takes the tenant and credentials of a Microsoft Graph org provider, so a tenant is configured once', () => {
    const [c] = read(
      { corp: { microsoftGraphOrgProvider: 'entra' } },
      {
        catalog: {
          providers: {
            microsoftGraphOrg: {
              entra: {
                target: 'https://graph.microsoft.com/v1.0',
                authority: 'https://login.microsoftonline.com',
                tenantId: TENANT,
                clientId: CLIENT,
                clientSecret: 'shared-secret',
              },
            },
          },
        },
      },
    );
    expect(c).toMatchObject({
      tenantId: TENANT,
      credential: {
        type: 'client-secret',
        clientId: CLIENT,
        clientSecret: 'shared-secret',
      },
      graphBaseUrl: 'https://graph.microsoft.com',
    });
  });

  it.each([
    [{ corp: {} }, /nhi\.sources\.azure\.corp\.tenantId is required/],
    [
      { corp: { tenantId: 'lumenfreight.onmicrosoft.com' } },
      /nhi\.sources\.azure\.corp\.tenantId must be a tenant or client id \(a GUID\)/,
    ],
    [
      { corp: { tenantId: TENANT, clientId: 'graph-reader' } },
      /nhi\.sources\.azure\.corp\.clientId must be a tenant or client id/,
    ],
    [
      { corp: { tenantId: TENANT, clientId: CLIENT } },
      /clientId .* needs clientSecret or clientCertificatePath/,
    ],
    [
      { corp: { tenantId: TENANT, clientSecret: 'x' } },
      /nhi\.sources\.azure\.corp\.clientId is required with a client secret/,
    ],
    [
      {
        corp: {
          tenantId: TENANT,
          clientId: CLIENT,
          clientSecret: 'x',
          clientCertificatePath: '/a.pem',
        },
      },
      /give clientSecret or clientCertificatePath, not both/,
    ],
    [
      { corp: { tenantId: TENANT, target: 'graph.microsoft.com' } },
      /nhi\.sources\.azure\.corp\.target must be an http\(s\) URL/,
    ],
    [
      { corp: { tenantId: TENANT, pageSize: 1000 } },
      /nhi\.sources\.azure\.corp\.pageSize must be a whole number from 1 to 999/,
    ],
    [
      { corp: { tenantId: TENANT, maxRetries: 11 } },
      /nhi\.sources\.azure\.corp\.maxRetries must be a whole number from 0 to 10/,
    ],
    [
      { corp: { tenantId: TENANT, managedIdentityOwnerPattern: 'rg-(.+)' } },
      /managedIdentityOwnerPattern needs a named group \(\?<owner>…\)/,
    ],
    [
      { corp: { tenantId: TENANT, managedIdentityOwnerPattern: '(?<owner>' } },
      /managedIdentityOwnerPattern is not a regular expression/,
    ],
    [
      { corp: { tenantId: TENANT, ownerTagKeys: ['team name'] } },
      /ownerTagKeys\[0\] is not a usable tag key/,
    ],
    [
      { corp: { microsoftGraphOrgProvider: 'missing' } },
      /microsoftGraphOrgProvider names "missing", but catalog\.providers\.microsoftGraphOrg\.missing is not configured/,
    ],
    [{ Corp: { tenantId: TENANT } }, /a source id must be lower-case/],
  ])('refuses %j, naming the key', (azure, message) => {
    expect(() => read(azure as JsonObject)).toThrow(message);
  });
});
