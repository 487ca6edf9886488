import { validateNhiRecord } from '@backstage-nhi/plugin-nhi-node';
import { AZURE_SOURCE_DEFAULTS } from '../config';
import {
  githubRepository,
  keyedTags,
  lastSignIn,
  NormalizeOptions,
  permissionsOf,
  toIdentityRecords,
} from './normalize';
import {
  EntraTenantSnapshot,
  GraphApplication,
  GraphServicePrincipal,
} from './readTenant';

const TENANT = '5a0b7c3e-2f61-4d8a-9b1c-7e4f2a6d8c10';
const VENDOR = '9c3d1e7a-4b2f-4e6a-8d5c-1f0a2b3c4d5e';
const NOW = new Date('2026-11-28T00:00:00Z');
const GRAPH_SP = 'graph-sp';

const options: NormalizeOptions = {
  tenantId: TENANT,
  account: 'lumen-freight',
  portalUrl: 'https://entra.microsoft.com',
  includeMicrosoftApplications: false,
  includeThirdPartyApplications: true,
  inferUsedBy: false,
  ownerTagKeys: ['owner', 'team'],
  environmentTagKeys: ['environment', 'env'],
  createdByTagKey: 'created-by',
  agentTagKeys: AZURE_SOURCE_DEFAULTS.agentTagKeys,
  now: NOW,
};

function sp(
  overrides: Partial<GraphServicePrincipal> = {},
): GraphServicePrincipal {
  return {
    id: 'sp-1',
    appId: 'app-1',
    displayName: 'payments-api-deploy',
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appOwnerOrganizationId: TENANT,
    tags: [],
    passwordCredentials: [],
    keyCredentials: [],
    owners: [],
    ...overrides,
  };
}

function app(overrides: Partial<GraphApplication> = {}): GraphApplication {
  return {
    id: 'obj-1',
    appId: 'app-1',
    displayName: 'payments-api-deploy',
    createdDateTime: '2025-01-10T00:00:00Z',
    tags: [],
    passwordCredentials: [],
    keyCredentials: [],
    owners: [],
    ...overrides,
  };
}

function snapshot(
  overrides: Partial<EntraTenantSnapshot> = {},
): EntraTenantSnapshot {
  return {
    servicePrincipals: [sp()],
    applications: new Map([['app-1', app()]]),
    federatedCredentials: new Map(),
    roles: { definitions: new Map(), byPrincipal: new Map() },
    graphPermissions: { roles: new Map(), byPrincipal: new Map() },
    signIns: new Map(),
    credentialSignIns: new Map(),
    failures: [],
    ...overrides,
  };
}

const records = (s: EntraTenantSnapshot, o: Partial<NormalizeOptions> = {}) => {
  const out = [...toIdentityRecords(s, { ...options, ...o })];
  for (const r of out) expect(validateNhiRecord(r)).toBeUndefined();
  return out;
};
const one = (s: EntraTenantSnapshot, o: Partial<NormalizeOptions> = {}) => {
  const out = records(s, o);
  expect(out).toHaveLength(1);
  return out[0];
};

const user = (mail: string, accountEnabled = true) => ({
  '@odata.type': '#microsoft.graph.user',
  id: `u-${mail}`,
  mail,
  userPrincipalName: mail,
  accountEnabled,
});

describe('toIdentityRecords', () => {
  it('makes one identity per service principal, named by tenant and client id, with portal links', () => {
    const r = one(snapshot());
    expect(r).toMatchObject({
      externalId: `azure:${TENANT}:app-1`,
      name: 'payments-api-deploy',
      type: 'azure-service-principal',
      category: 'service-account',
      provider: 'azure',
      account: 'lumen-freight',
      scope: TENANT,
      createdBy: { type: 'unknown', at: '2025-01-10T00:00:00.000Z' },
    });
    expect(r.links?.map(l => l.title)).toEqual([
      'Entra app registration',
      'Entra enterprise application',
    ]);
    expect(r.links?.[0].url).toBe(
      'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/app-1',
    );
  });

  describe('owners', () => {
    it("takes a team tag first: a team's ownership outranks a person's", () => {
      const r = one(
        snapshot({
          applications: new Map([
            [
              'app-1',
              app({
                tags: ['team:payments'],
                owners: [user('cleo@lumen.example')],
              }),
            ],
          ]),
        }),
      );
      expect(r.owner).toEqual({ value: 'payments', via: 'tag:team' });
      expect(r.description).toContain('owners: cleo@lumen.example');
    });

    it("takes the application's first enabled owner, by e-mail, for the pipeline to resolve to a User", () => {
      const r = one(
        snapshot({
          applications: new Map([
            [
              'app-1',
              app({
                owners: [
                  user('jordan@lumen.example', false),
                  {
                    '@odata.type': '#microsoft.graph.servicePrincipal',
                    id: 'sp-9',
                    displayName: 'terraform',
                  },
                  user('cleo@lumen.example'),
                ],
              }),
            ],
          ]),
        }),
      );
      expect(r.owner).toEqual({
        value: 'cleo@lumen.example',
        via: 'application owner',
      });
      expect(r.description).toContain(
        'owners: jordan@lumen.example (disabled), cleo@lumen.example',
      );
    });

    it('falls back to the service principal owners, then to a disabled owner (who left: the pipeline flags an owner it cannot resolve)', () => {
      expect(
        one(
          snapshot({
            servicePrincipals: [sp({ owners: [user('eve@lumen.example')] })],
          }),
        ).owner,
      ).toEqual({ value: 'eve@lumen.example', via: 'service principal owner' });
      expect(
        one(
          snapshot({
            applications: new Map([
              ['app-1', app({ owners: [user('jordan@lumen.example', false)] })],
            ]),
          }),
        ).owner,
      ).toEqual({ value: 'jordan@lumen.example', via: 'application owner' });
    });

    it('leaves an identity nobody owns without owner', () => {
      expect(one(snapshot()).owner).toBeUndefined();
    });

    it('names the owner of a managed identity from its resource id when a pattern is configured', () => {
      const mi = sp({
        servicePrincipalType: 'ManagedIdentity',
        appOwnerOrganizationId: undefined,
        alternativeNames: [
          'isExplicit=False',
          '/subscriptions/1/resourcegroups/rg-shipping-prod/providers/Microsoft.Web/sites/tracking-api',
        ],
      });
      const s = snapshot({ servicePrincipals: [mi] });
      expect(one(s).owner).toBeUndefined();
      expect(
        one(s, {
          managedIdentityOwnerPattern:
            /\/resourcegroups\/rg-(?<owner>[a-z0-9]+)-/i,
        }).owner,
      ).toEqual({ value: 'shipping', via: 'resource id' });
    });
  });

  describe('credentials', () => {
    const secret = {
      keyId: 'secret-1',
      displayName: 'ci',
      hint: 'Q~x',
      startDateTime: '2026-10-01T00:00:00Z',
      endDateTime: '2027-04-01T00:00:00Z',
    };
    const cert = {
      keyId: 'cert-1',
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      startDateTime: '2026-01-01T00:00:00Z',
      endDateTime: '2026-12-20T00:00:00Z',
    };

    it("lists the application's secrets and certificates with start as creation and end as expiry, never the secret's hint", () => {
      const r = one(
        snapshot({
          signIns: undefined,
          applications: new Map([
            [
              'app-1',
              app({
                passwordCredentials: [
                  secret,
                  {
                    keyId: 'secret-old',
                    startDateTime: '2024-01-01T00:00:00Z',
                    endDateTime: '2026-01-01T00:00:00Z',
                  },
                ],
                keyCredentials: [
                  cert,
                  { ...cert, keyId: 'signing-1', usage: 'Sign' },
                ],
              }),
            ],
          ]),
        }),
      );
      expect(r.credentials).toEqual([
        {
          id: 'secret-1',
          kind: 'client-secret',
          status: 'active',
          createdAt: '2026-10-01T00:00:00.000Z',
          lastRotatedAt: '2026-10-01T00:00:00.000Z',
          expiresAt: '2027-04-01T00:00:00.000Z',
        },
        {
          id: 'secret-old',
          kind: 'client-secret',
          status: 'expired',
          createdAt: '2024-01-01T00:00:00.000Z',
          lastRotatedAt: '2024-01-01T00:00:00.000Z',
          expiresAt: '2026-01-01T00:00:00.000Z',
        },
        {
          id: 'cert-1',
          kind: 'certificate',
          status: 'active',
          createdAt: '2026-01-01T00:00:00.000Z',
          lastRotatedAt: '2026-01-01T00:00:00.000Z',
          expiresAt: '2026-12-20T00:00:00.000Z',
        },
      ]);
      expect(JSON.stringify(r)).not.toContain('Q~x');
    });

    it("adds the service principal's own credentials, except a SAML application's signing material", () => {
      const own = { ...secret, keyId: 'sp-secret' };
      expect(
        one(
          snapshot({ servicePrincipals: [sp({ passwordCredentials: [own] })] }),
        ).credentials?.map(c => c.id),
      ).toEqual(['sp-secret']);
      expect(
        one(
          snapshot({
            servicePrincipals: [
              sp({
                passwordCredentials: [own],
                preferredTokenSigningKeyThumbprint: 'ABCD',
              }),
            ],
          }),
        ).credentials,
      ).toEqual([]);
    });

    it('marks the credentials of a disabled service principal inactive: no token is issued to it', () => {
      const r = one(
        snapshot({
          servicePrincipals: [sp({ accountEnabled: false })],
          applications: new Map([
            ['app-1', app({ passwordCredentials: [secret] })],
          ]),
        }),
      );
      expect(r.credentials?.[0].status).toBe('inactive');
      expect(r.tags).toContain('disabled');
    });

    it("gives a credential the last sign-in of the credential report, and 'never' when the service principal never signed in", () => {
      const withUse = snapshot({
        servicePrincipals: [
          sp(),
          sp({
            id: GRAPH_SP,
            appId: 'graph',
            displayName: 'Microsoft Graph',
            appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
          }),
        ],
        applications: new Map([
          [
            'app-1',
            app({
              passwordCredentials: [secret, { ...secret, keyId: 'secret-2' }],
            }),
          ],
        ]),
        signIns: new Map([
          [
            'app-1',
            {
              appId: 'app-1',
              applicationAuthenticationClientSignInActivity: {
                lastSignInDateTime: '2026-11-27T10:00:00Z',
              },
            },
          ],
        ]),
        credentialSignIns: new Map([
          [
            'secret-1',
            {
              keyId: 'secret-1',
              resourceId: GRAPH_SP,
              signInActivity: { lastSignInDateTime: '2026-11-27T10:00:00Z' },
            },
          ],
        ]),
      });
      const [r] = records(withUse);
      expect(r.lastUsed).toEqual({
        at: '2026-11-27T10:00:00.000Z',
        service: 'app-only sign-in',
      });
      expect(r.credentials?.[0].lastUsed).toEqual({
        at: '2026-11-27T10:00:00.000Z',
        service: 'Microsoft Graph',
      });
      // Used, but not by this secret as far as the report says: unknown.
      expect(r.credentials?.[1].lastUsed).toBeUndefined();

      const never = one(
        snapshot({
          applications: new Map([
            ['app-1', app({ passwordCredentials: [secret] })],
          ]),
        }),
      );
      expect(never.lastUsed).toEqual({ never: true });
      expect(never.credentials?.[0].lastUsed).toEqual({ never: true });
    });

    it('claims no last use when the reports were not read', () => {
      const r = one(
        snapshot({
          signIns: undefined,
          credentialSignIns: undefined,
          applications: new Map([
            ['app-1', app({ passwordCredentials: [secret] })],
          ]),
        }),
      );
      expect(r.lastUsed).toBeUndefined();
      expect(r.credentials?.[0].lastUsed).toBeUndefined();
    });
  });

  describe('managed identities', () => {
    const mi = (explicit: boolean) =>
      sp({
        id: 'mi-1',
        appId: 'mi-app',
        displayName: explicit ? 'id-payments-api-prod' : 'payments-api',
        servicePrincipalType: 'ManagedIdentity',
        appOwnerOrganizationId: undefined,
        alternativeNames: [
          `isExplicit=${explicit ? 'True' : 'False'}`,
          explicit
            ? '/subscriptions/1/resourcegroups/rg-payments/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-payments-api-prod'
            : '/subscriptions/1/resourcegroups/rg-payments/providers/Microsoft.Web/sites/payments-api',
        ],
        keyCredentials: [
          {
            keyId: 'platform-cert',
            usage: 'Verify',
            startDateTime: '2026-11-01T00:00:00Z',
            endDateTime: '2027-02-01T00:00:00Z',
          },
        ],
      });

    it('are managed identities without credentials (Azure rotates theirs), system- or user-assigned', () => {
      const system = one(snapshot({ servicePrincipals: [mi(false)] }));
      expect(system).toMatchObject({
        type: 'azure-managed-identity',
        description:
          'System-assigned managed identity of /subscriptions/1/resourcegroups/rg-payments/providers/Microsoft.Web/sites/payments-api',
      });
      expect(system.credentials).toBeUndefined();
      expect(system.tags).toContain('system-assigned');
      expect(system.usedBy).toBeUndefined();
      expect(one(snapshot({ servicePrincipals: [mi(true)] })).tags).toContain(
        'user-assigned',
      );
    });

    it('name the resource a system-assigned identity belongs to in usedBy when inferUsedBy is on', () => {
      expect(
        one(snapshot({ servicePrincipals: [mi(false)] }), { inferUsedBy: true })
          .usedBy,
      ).toEqual(['payments-api']);
      expect(
        one(snapshot({ servicePrincipals: [mi(true)] }), { inferUsedBy: true })
          .usedBy,
      ).toBeUndefined();
    });
  });

  it('leaves out Microsoft applications and legacy service principals; includes vendors unless told not to', () => {
    const s = snapshot({
      servicePrincipals: [
        sp(),
        sp({
          id: 'ms',
          appId: 'ms',
          appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
        }),
        sp({ id: 'legacy', appId: 'legacy', servicePrincipalType: 'Legacy' }),
        sp({
          id: 'vendor',
          appId: 'vendor',
          displayName: 'Contoso CRM',
          appOwnerOrganizationId: VENDOR,
          verifiedPublisher: { displayName: 'Contoso Ltd' },
        }),
      ],
    });
    expect(records(s).map(r => r.name)).toEqual([
      'payments-api-deploy',
      'Contoso CRM',
    ]);
    expect(
      records(s, { includeMicrosoftApplications: true }).map(r => r.externalId),
    ).toContain(`azure:${TENANT}:ms`);
    expect(
      records(s, { includeThirdPartyApplications: false }).map(r => r.name),
    ).toEqual(['payments-api-deploy']);
    const vendor = records(s)[1];
    expect(vendor.description).toBe(
      `Enterprise application of another tenant (${VENDOR}, published by Contoso Ltd)`,
    );
    expect(vendor.permissions?.trust).toEqual({ externalAccounts: [VENDOR] });
    expect(vendor.tags).toContain('third-party');
  });

  it('counts federated identity credentials in its favour and names the GitHub repository they trust', () => {
    const s = snapshot({
      federatedCredentials: new Map([
        [
          'obj-1',
          [
            {
              issuer: 'https://token.actions.githubusercontent.com',
              subject: 'repo:lumen/payments-api:environment:production',
            },
          ],
        ],
      ]),
    });
    const r = one(s, { inferUsedBy: true });
    expect(r.federation).toEqual([
      {
        kind: 'federated-credential',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:lumen/payments-api:environment:production',
      },
    ]);
    expect(r.permissions?.trust?.oidc).toEqual([
      {
        provider: 'https://token.actions.githubusercontent.com',
        subjectRestricted: true,
      },
    ]);
    expect(r.usedBy).toEqual(['payments-api']);
    expect(r.tags).toContain('federated');
    expect(one(s).usedBy).toBeUndefined();
  });

  it('reads owner, environment and agent provenance from key:value tags', () => {
    const r = one(
      snapshot({
        applications: new Map([
          [
            'app-1',
            app({
              tags: [
                'WindowsAzureActiveDirectoryIntegratedApp',
                'owner=payments',
                'env: production, staging',
                'agent-id:ops-agent',
                'on-behalf-of:finn@lumen.example',
                'reason:backfill',
                'expires-at:2026-11-18',
              ],
            }),
          ],
        ]),
      }),
    );
    expect(r.owner).toEqual({ value: 'payments', via: 'tag:owner' });
    expect(r.environments).toEqual(['production', 'staging']);
    expect(r.createdBy).toEqual({
      type: 'agent',
      agent: {
        id: 'ops-agent',
        onBehalfOf: 'finn@lumen.example',
        reason: 'backfill',
        expiresAt: '2026-11-18',
      },
      at: '2025-01-10T00:00:00.000Z',
    });
  });
});

describe('permissionsOf', () => {
  const GA = '62e90394-69f5-4237-9190-012177145e10';
  const APP_ADMIN = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3';
  const READERS = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
  const definitions = new Map(
    [
      {
        id: GA,
        templateId: GA,
        displayName: 'Global Administrator',
        isBuiltIn: true,
      },
      {
        id: APP_ADMIN,
        templateId: APP_ADMIN,
        displayName: 'Application Administrator',
        isBuiltIn: true,
      },
      {
        id: READERS,
        templateId: READERS,
        displayName: 'Directory Readers',
        isBuiltIn: true,
      },
      {
        id: 'custom',
        displayName: 'App Credential Manager',
        isBuiltIn: false,
        rolePermissions: [
          {
            allowedResourceActions: [
              'microsoft.directory/applications/credentials/update',
            ],
          },
        ],
      },
    ].map(d => [d.id, d]),
  );
  const graphRoles = new Map(
    [
      ['r1', 'Application.ReadWrite.All'],
      ['r2', 'Directory.ReadWrite.All'],
      ['r3', 'Mail.Read'],
      ['r4', 'User.Read.All'],
    ].map(([id, value]) => [id, { id, value }]),
  );
  const of = (roles: Array<[string, string?]>, grants: string[]) =>
    permissionsOf(sp(), {
      roles: {
        definitions,
        byPrincipal: new Map([
          [
            'sp-1',
            roles.map(([roleDefinitionId, directoryScopeId], i) => ({
              id: `a${i}`,
              principalId: 'sp-1',
              roleDefinitionId,
              directoryScopeId: directoryScopeId ?? '/',
            })),
          ],
        ]),
      },
      graphPermissions: {
        roles: graphRoles,
        byPrincipal: new Map([
          [
            'sp-1',
            grants.map((appRoleId, i) => ({
              id: `g${i}`,
              principalId: 'sp-1',
              appRoleId,
            })),
          ],
        ]),
      },
    });

  it('calls Global Administrator and Application.ReadWrite.All administrator-equivalent, and says why', () => {
    const p = of([[GA]], ['r1']);
    expect(p.admin).toBe(true);
    expect(p.escalation).toBeUndefined();
    expect(p.summary).toBe(
      'Administrator-equivalent: Global Administrator manages everything in the tenant; Microsoft Graph Application.ReadWrite.All can add a credential to any application, then act with its permissions. Directory roles: Global Administrator. Microsoft Graph application permissions: Application.ReadWrite.All',
    );
    expect(of([], ['r1']).admin).toBe(true);
  });

  it('names escalation paths: Application Administrator (also when scoped), a custom role that writes credentials, Directory.ReadWrite.All', () => {
    const p = of([[APP_ADMIN, '/obj-9'], ['custom']], ['r2']);
    expect(p.admin).toBe(false);
    expect(p.escalation).toEqual([
      'Application Administrator (scope /obj-9): add a credential to any application, then act with its permissions',
      'App Credential Manager: add a credential to applications, then act with their permissions',
      'Microsoft Graph Directory.ReadWrite.All: write most of the directory: users, groups and their memberships',
    ]);
    expect(p.serviceWildcards).toEqual([
      'Microsoft Graph Directory.ReadWrite.All',
    ]);
  });

  it('lists broad data access, and harmless grants only in the summary', () => {
    const p = of([[READERS]], ['r3', 'r4']);
    expect(p).toEqual({
      admin: false,
      dataExfiltration: ['Microsoft Graph Mail.Read (every mailbox)'],
      summary:
        'Directory roles: Directory Readers. Microsoft Graph application permissions: Mail.Read, User.Read.All',
    });
    expect(of([], []).summary).toBe(
      'No directory role and no Microsoft Graph application permission',
    );
  });

  it('does not call an identity non-administrator when its roles could not be read, and says what is missing', () => {
    const p = permissionsOf(sp(), {
      roles: undefined,
      graphPermissions: undefined,
    });
    expect(p.admin).toBeUndefined();
    expect(p.summary).toBe(
      'Directory roles not read (needs RoleManagement.Read.Directory). Microsoft Graph permissions not read (needs Application.Read.All)',
    );
  });
});

describe('helpers', () => {
  it('keyedTags reads key:value and key=value, first wins, keys case-insensitive', () => {
    expect([
      ...keyedTags(['Team:payments', 'team:web', 'HideApp', 'env = prod']),
    ]).toEqual([
      ['team', 'payments'],
      ['env', 'prod'],
    ]);
  });

  it('githubRepository reads the repository of a GitHub Actions subject', () => {
    expect(
      githubRepository('repo:lumen/payments-api:ref:refs/heads/main'),
    ).toBe('payments-api');
    expect(githubRepository('system:serviceaccount:ns:sa')).toBeUndefined();
  });

  it('lastSignIn takes the latest flow and names it', () => {
    expect(
      lastSignIn({
        appId: 'a',
        delegatedClientSignInActivity: {
          lastSignInDateTime: '2026-11-01T00:00:00Z',
        },
        delegatedResourceSignInActivity: {
          lastSignInDateTime: '2026-11-20T00:00:00Z',
        },
        lastSignInActivity: { lastSignInDateTime: '2026-11-20T00:00:00Z' },
      }),
    ).toEqual({
      at: '2026-11-20T00:00:00.000Z',
      flow: "user's token for it as a resource",
    });
    expect(
      lastSignIn({ appId: 'a', lastSignInActivity: null }),
    ).toBeUndefined();
  });
});
