import { DAY, seededRandom } from '@backstage-nhi/plugin-nhi-common';
import type {
  GraphAppCredentialSignInActivity,
  GraphAppRole,
  GraphKeyCredential,
  GraphRoleDefinition,
  GraphServicePrincipalSignInActivity,
} from '../source/readTenant';
import {
  EntraModelApplication,
  EntraModelPasswordCredential,
  EntraModelServicePrincipal,
  EntraModelUser,
  EntraTenantModel,
} from './model';

/**
 * A team of the generated company: its name, its members' e-mails and its
 * components (applications and managed identities are named after them).
 *
 * @public
 */
export interface EntraGeneratorTeam {
  name: string;
  members: string[];
  components: string[];
}

/**
 * Options of {@link generateEntraTenant}.
 *
 * @public
 */
export interface GenerateEntraTenantOptions {
  /**
   * Service principals of the tenant's own applications and managed
   * identities drawn at random; the fixed cases, vendors' and Microsoft's
   * applications come on top.
   */
  identities: number;
  /** Same seed, same tenant. Default 1. */
  seed?: number;
  /** "Now": ages and sign-ins are relative to it. Default 2026-11-28. */
  now?: Date | string;
  /** The tenant id. Default a fixed GUID. */
  tenantId?: string;
  /** Teams with their members and components. Default {@link DEFAULT_ENTRA_TEAMS}. */
  teams?: EntraGeneratorTeam[];
  /** The GitHub organization of federated credentials' subjects. Default `lumen-freight`. */
  githubOrganization?: string;
}

/** The tenant id of generated tenants unless told otherwise. @public */
export const DEFAULT_ENTRA_TENANT_ID = '5a0b7c3e-2f61-4d8a-9b1c-7e4f2a6d8c10';

/** A vendor's tenant, home of the third-party applications. @public */
export const VENDOR_TENANT_ID = '9c3d1e7a-4b2f-4e6a-8d5c-1f0a2b3c4d5e';

/** Microsoft's tenant, home of its first-party applications. */
const MICROSOFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** The default teams (a small version of the demo company). @public */
export const DEFAULT_ENTRA_TEAMS: EntraGeneratorTeam[] = [
  {
    name: 'platform',
    members: [
      'ada.platform@lumenfreight.example',
      'ben.platform@lumenfreight.example',
    ],
    components: ['ci-runner', 'deploy-bot', 'terraform-pipeline'],
  },
  {
    name: 'payments',
    members: [
      'cleo.payments@lumenfreight.example',
      'dan.payments@lumenfreight.example',
    ],
    components: ['payments-api', 'billing-worker', 'invoice-service'],
  },
  {
    name: 'shipping',
    members: ['eve.shipping@lumenfreight.example'],
    components: ['tracking-api', 'route-planner', 'carrier-gateway'],
  },
  {
    name: 'data',
    members: [
      'finn.data@lumenfreight.example',
      'gus.data@lumenfreight.example',
    ],
    components: ['etl-orchestrator', 'warehouse-loader', 'reporting-dashboard'],
  },
];

/**
 * Microsoft Graph's application permissions the generator grants, with
 * their app-role ids.
 *
 * @public
 */
export const GRAPH_APP_ROLES: GraphAppRole[] = [
  ['1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', 'Application.ReadWrite.All'],
  ['9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', 'Application.Read.All'],
  ['06b708a9-e830-4db3-a914-8e69da51d44f', 'AppRoleAssignment.ReadWrite.All'],
  [
    '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
    'RoleManagement.ReadWrite.Directory',
  ],
  ['483bed4a-2ad3-4361-a73b-c83ccdbdc53c', 'RoleManagement.Read.Directory'],
  ['19dbc75e-c2e2-444c-a770-ec69d8559fc7', 'Directory.ReadWrite.All'],
  ['7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Directory.Read.All'],
  ['741f803b-c850-494e-b5df-cde7c675a1ca', 'User.ReadWrite.All'],
  ['df021288-bdef-4463-88db-98f22de89214', 'User.Read.All'],
  ['62a82d76-70ea-41e2-9197-370581804d09', 'Group.ReadWrite.All'],
  ['5b567255-7703-4780-807c-7be8301ae99b', 'Group.Read.All'],
  ['810c84a8-4a9e-49e6-bf7d-12d183f40d01', 'Mail.Read'],
  ['b633e1c5-b582-4048-a93e-9f11b44c7e96', 'Mail.Send'],
  ['01d4889c-1287-42c6-ac1f-5d1e02578ef6', 'Files.Read.All'],
  ['75359482-378d-4052-8f01-80520e7db3cd', 'Files.ReadWrite.All'],
  ['332a536c-c7ef-4017-ab91-336970924f0d', 'Sites.Read.All'],
  ['a82116e5-55eb-4c41-a434-62fe8a61c773', 'Sites.FullControl.All'],
  ['b0afded3-3588-46d8-8b3d-9842eff778da', 'AuditLog.Read.All'],
  [
    '50483e42-d915-4231-9639-7fdb7fd190e5',
    'UserAuthenticationMethod.ReadWrite.All',
  ],
].map(([id, value]) => ({ id, value, displayName: value }));

const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  customCredentialManager: 'c7a1b2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
};

const ROLE_DEFINITIONS: GraphRoleDefinition[] = [
  [
    ROLE.globalAdministrator,
    'Global Administrator',
    ['microsoft.directory/allEntities/allProperties/allTasks'],
  ],
  [
    ROLE.privilegedRoleAdministrator,
    'Privileged Role Administrator',
    ['microsoft.directory/roleAssignments/allProperties/allTasks'],
  ],
  [
    ROLE.applicationAdministrator,
    'Application Administrator',
    ['microsoft.directory/applications/credentials/update'],
  ],
  [
    ROLE.cloudApplicationAdministrator,
    'Cloud Application Administrator',
    ['microsoft.directory/applications/credentials/update'],
  ],
  [
    ROLE.userAdministrator,
    'User Administrator',
    ['microsoft.directory/users/password/update'],
  ],
  [
    ROLE.directoryReaders,
    'Directory Readers',
    ['microsoft.directory/users/standard/read'],
  ],
].map(([id, displayName, actions]) => ({
  id: id as string,
  templateId: id as string,
  displayName: displayName as string,
  isBuiltIn: true,
  rolePermissions: [{ allowedResourceActions: actions as string[] }],
}));

const WORDS = [
  'api',
  'worker',
  'sync',
  'export',
  'deploy',
  'reporter',
  'ingest',
  'backup',
];
const ENVIRONMENTS = ['prod', 'staging', 'dev'];
const BENIGN_GRANTS = [
  'User.Read.All',
  'Group.Read.All',
  'Directory.Read.All',
  'Mail.Send',
];

type Rand = ReturnType<typeof makeRandom>;

function makeRandom(seed: number) {
  const next = seededRandom(seed);
  const hex = (n: number) => {
    let s = '';
    while (s.length < n)
      s += Math.floor(next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  };
  return {
    next,
    int: (min: number, max: number) =>
      min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T =>
      items[Math.floor(next() * items.length)],
    guid: () =>
      `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)]}${hex(
        3,
      )}-${hex(12)}`,
    hint: () => hex(3),
  };
}

/**
 * Generates a deterministic Microsoft Entra tenant for tests, the demo and
 * the benchmark:
 *
 * - application registrations named after the teams' components
 *   (`<component>-<word>-<env>`), with a service principal each, owned by
 *   team members (some by a person who left, whose account is disabled, and
 *   about one in five by nobody), a `team:<team>` tag on most;
 * - client secrets of varied age: fresh, two years long and never rotated,
 *   expired, two at once mid-rotation, valid until 2299 (created through
 *   the API, past the portal's two years); certificates, some expiring
 *   within a month;
 * - federated identity credentials for GitHub Actions
 *   (`repo:<org>/<component>:environment:production`), some beside a
 *   leftover secret;
 * - managed identities: system-assigned on web apps named after components,
 *   user-assigned `id-<component>-<env>`;
 * - sign-in activity: most used within weeks, some dormant for months, some
 *   never; credential activity for the credentials in use;
 * - Microsoft Graph permissions, mostly harmless (`User.Read.All`), a few
 *   that read data broadly;
 * - on top, not drawn at random: `terraform-bootstrap` (Global
 *   Administrator and Application.ReadWrite.All, an old secret),
 *   `entra-provisioning` (Privileged Role Administrator),
 *   `platform-automation` (Cloud Application Administrator),
 *   `release-manager` (a custom role that writes application credentials),
 *   `hr-directory-sync` (User.ReadWrite.All), `support-mailbox-sync`
 *   (Mail.Read), an application an AI agent registered whose expiry
 *   passed, one with 25 owners, a disabled one, three vendors'
 *   applications (one reading every mailbox) and Microsoft's own.
 *
 * @public
 */
export function generateEntraTenant(
  options: GenerateEntraTenantOptions,
): EntraTenantModel {
  const r: Rand = makeRandom(options.seed ?? 1);
  const now = new Date(options.now ?? '2026-11-28T00:00:00Z').getTime();
  const iso = (t: number) => new Date(t).toISOString();
  const daysAgo = (d: number) => iso(now - d * DAY - r.int(0, 86_000) * 1000);
  const tenantId = options.tenantId ?? DEFAULT_ENTRA_TENANT_ID;
  const teams = options.teams?.length ? options.teams : DEFAULT_ENTRA_TEAMS;
  const org = options.githubOrganization ?? 'lumen-freight';
  const domain =
    teams
      .flatMap(t => t.members)
      .find(m => m.includes('@'))
      ?.split('@')[1] ?? 'lumenfreight.example';

  const model: EntraTenantModel = {
    tenantId,
    users: [],
    applications: [],
    servicePrincipals: [],
    roleDefinitions: [
      ...ROLE_DEFINITIONS,
      {
        id: ROLE.customCredentialManager,
        templateId: ROLE.customCredentialManager,
        displayName: 'App Credential Manager',
        isBuiltIn: false,
        rolePermissions: [
          {
            allowedResourceActions: [
              'microsoft.directory/applications/credentials/update',
              'microsoft.directory/applications/basic/read',
            ],
          },
        ],
      },
    ],
    roleAssignments: [],
    appRoleAssignments: [],
    servicePrincipalSignInActivities: [],
    appCredentialSignInActivities: [],
  };

  // People: the teams' members, and two who left (disabled accounts).
  const userByMail = new Map<string, EntraModelUser>();
  const addUser = (mail: string, enabled = true) => {
    const existing = userByMail.get(mail.toLowerCase());
    if (existing) return existing;
    const local = mail.split('@')[0];
    const user: EntraModelUser = {
      id: r.guid(),
      displayName: local
        .split(/[._-]/)
        .map(w => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' '),
      userPrincipalName: mail,
      mail,
      accountEnabled: enabled,
    };
    userByMail.set(mail.toLowerCase(), user);
    model.users.push(user);
    return user;
  };
  for (const t of teams) for (const m of t.members) addUser(m);
  const leavers = [
    addUser(`jordan.reyes@${domain}`, false),
    addUser(`kim.okafor@${domain}`, false),
  ];
  const membersOf = (team: EntraGeneratorTeam) =>
    team.members.length ? team.members : teams.flatMap(t => t.members);

  // Microsoft's own service principals: Graph (whose app roles are the
  // application permissions) and Exchange Online.
  const graphSp: EntraModelServicePrincipal = {
    id: r.guid(),
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appOwnerOrganizationId: MICROSOFT_TENANT,
    tags: [],
    alternativeNames: [],
    passwordCredentials: [],
    keyCredentials: [],
    appRoles: GRAPH_APP_ROLES,
    owners: [],
  };
  model.servicePrincipals.push(graphSp, {
    ...graphSp,
    id: r.guid(),
    appId: '00000002-0000-0ff1-ce00-000000000000',
    displayName: 'Office 365 Exchange Online',
    appRoles: [],
  });
  const roleId = new Map(GRAPH_APP_ROLES.map(a => [a.value!, a.id]));
  const grant = (sp: EntraModelServicePrincipal, permission: string) => {
    model.appRoleAssignments.push({
      id: r.guid(),
      principalId: sp.id,
      principalType: 'ServicePrincipal',
      appRoleId: roleId.get(permission)!,
      resourceId: graphSp.id,
      createdDateTime: daysAgo(r.int(30, 700)),
    });
  };
  const assignRole = (
    sp: EntraModelServicePrincipal,
    roleDefinitionId: string,
    scope = '/',
  ) =>
    model.roleAssignments.push({
      id: r.guid(),
      principalId: sp.id,
      roleDefinitionId,
      directoryScopeId: scope,
    });

  /** Records sign-in activity for a service principal and the credential it used. */
  const signIn = (
    sp: EntraModelServicePrincipal,
    app: EntraModelApplication | undefined,
    daysSince: number,
    credential?: { keyId: string; type: 'clientSecret' | 'certificate' },
  ) => {
    const at = daysAgo(daysSince);
    const row: GraphServicePrincipalSignInActivity = {
      appId: sp.appId,
      lastSignInActivity: {
        lastSignInDateTime: at,
        lastSignInRequestId: r.guid(),
      },
      applicationAuthenticationClientSignInActivity: {
        lastSignInDateTime: at,
        lastSignInRequestId: r.guid(),
      },
    };
    model.servicePrincipalSignInActivities.push(row);
    if (credential) {
      const activity: GraphAppCredentialSignInActivity = {
        keyId: credential.keyId,
        appId: sp.appId,
        servicePrincipalObjectId: sp.id,
        resourceId: graphSp.id,
        keyType: credential.type,
        credentialOrigin: 'application',
        signInActivity: {
          lastSignInDateTime: at,
          lastSignInRequestId: r.guid(),
        },
      };
      if (app) Object.assign(activity, { appObjectId: app.id });
      model.appCredentialSignInActivities.push(activity);
    }
  };

  const secret = (
    ageDays: number,
    lifetimeDays: number | 'until-2299',
    name = 'ci',
  ): EntraModelPasswordCredential => {
    const start = now - ageDays * DAY - r.int(0, 86_000) * 1000;
    return {
      keyId: r.guid(),
      displayName: name,
      hint: r.hint(),
      startDateTime: iso(start),
      endDateTime:
        lifetimeDays === 'until-2299'
          ? '2299-12-31T00:00:00Z'
          : iso(start + lifetimeDays * DAY),
    };
  };
  const certificate = (
    ageDays: number,
    lifetimeDays: number,
  ): GraphKeyCredential => {
    const start = now - ageDays * DAY - r.int(0, 86_000) * 1000;
    return {
      keyId: r.guid(),
      displayName: 'CN=lumen-freight-app',
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      startDateTime: iso(start),
      endDateTime: iso(start + lifetimeDays * DAY),
    };
  };

  /** An application registration with its service principal. */
  const application = (spec: {
    name: string;
    team?: EntraGeneratorTeam;
    ageDays: number;
    owners?: string[];
    tags?: string[];
    secrets?: EntraModelPasswordCredential[];
    certificates?: GraphKeyCredential[];
    federated?: string[];
    enabled?: boolean;
  }) => {
    const app: EntraModelApplication = {
      id: r.guid(),
      appId: r.guid(),
      displayName: spec.name,
      createdDateTime: daysAgo(spec.ageDays),
      signInAudience: 'AzureADMyOrg',
      tags: spec.tags ?? [],
      passwordCredentials: spec.secrets ?? [],
      keyCredentials: spec.certificates ?? [],
      federatedIdentityCredentials: (spec.federated ?? []).map(
        (subject, i) => ({
          id: r.guid(),
          name: `github-${i + 1}`,
          issuer: GITHUB_ISSUER,
          subject,
          audiences: ['api://AzureADTokenExchange'],
        }),
      ),
      owners: spec.owners ?? [],
    };
    const sp: EntraModelServicePrincipal = {
      id: r.guid(),
      appId: app.appId,
      displayName: spec.name,
      servicePrincipalType: 'Application',
      accountEnabled: spec.enabled ?? true,
      appOwnerOrganizationId: tenantId,
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
      alternativeNames: [],
      passwordCredentials: [],
      keyCredentials: [],
      signInAudience: 'AzureADMyOrg',
      appRoles: [],
      owners: [],
    };
    model.applications.push(app);
    model.servicePrincipals.push(sp);
    return { app, sp };
  };
  const ownerIds = (...mails: string[]) => mails.map(m => addUser(m).id);
  const teamTag = (team: EntraGeneratorTeam) => [`team:${team.name}`];
  const platform = teams.find(t => t.name === 'platform') ?? teams[0];
  const payments = teams.find(t => t.name === 'payments') ?? teams[0];
  const data = teams.find(t => t.name === 'data') ?? teams[teams.length - 1];
  const platformPerson = membersOf(platform)[0];

  // The fixed cases.
  {
    const s = secret(430, 730, 'bootstrap');
    const { sp, app } = application({
      name: 'terraform-bootstrap',
      team: platform,
      ageDays: 900,
      owners: ownerIds(platformPerson),
      tags: teamTag(platform),
      secrets: [s],
    });
    assignRole(sp, ROLE.globalAdministrator);
    grant(sp, 'Application.ReadWrite.All');
    signIn(sp, app, 2, { keyId: s.keyId, type: 'clientSecret' });
  }
  {
    const c = certificate(200, 365);
    const { sp, app } = application({
      name: 'entra-provisioning',
      ageDays: 600,
      owners: [leavers[0].id],
      certificates: [c],
    });
    assignRole(sp, ROLE.privilegedRoleAdministrator);
    signIn(sp, app, 5, { keyId: c.keyId, type: 'certificate' });
  }
  {
    const { sp, app } = application({
      name: 'platform-automation',
      ageDays: 300,
      owners: ownerIds(...membersOf(platform).slice(0, 2)),
      tags: teamTag(platform),
      federated: [
        `repo:${org}/${
          platform.components[0] ?? 'platform'
        }:environment:production`,
      ],
    });
    assignRole(sp, ROLE.cloudApplicationAdministrator);
    grant(sp, 'Directory.Read.All');
    signIn(sp, app, 1);
  }
  {
    const s = secret(40, 180, 'release');
    const { sp, app } = application({
      name: 'release-manager',
      ageDays: 250,
      owners: ownerIds(platformPerson),
      tags: teamTag(platform),
      secrets: [s],
    });
    assignRole(sp, ROLE.customCredentialManager);
    signIn(sp, app, 3, { keyId: s.keyId, type: 'clientSecret' });
  }
  {
    const s = secret(500, 730, 'hr');
    const { sp, app } = application({
      name: 'hr-directory-sync',
      ageDays: 1100,
      owners: [leavers[1].id],
      secrets: [s],
    });
    grant(sp, 'User.ReadWrite.All');
    grant(sp, 'Group.ReadWrite.All');
    signIn(sp, app, 1, { keyId: s.keyId, type: 'clientSecret' });
  }
  {
    const s = secret(20, 'until-2299', 'mailbox');
    const { sp, app } = application({
      name: 'support-mailbox-sync',
      ageDays: 700,
      owners: ownerIds(membersOf(payments)[0]),
      tags: teamTag(payments),
      secrets: [s],
    });
    grant(sp, 'Mail.Read');
    signIn(sp, app, 0, { keyId: s.keyId, type: 'clientSecret' });
  }
  {
    // Registered by an AI agent for a person, with an expiry that passed.
    const s = secret(45, 90, 'agent');
    const person = membersOf(data)[0];
    const { sp, app } = application({
      name: 'agent-warehouse-backfill',
      ageDays: 45,
      owners: [],
      tags: [
        'agent-id:ops-agent',
        `on-behalf-of:${person}`,
        'reason:one-off backfill of the warehouse',
        `expires-at:${iso(now - 10 * DAY).slice(0, 10)}`,
      ],
      secrets: [s],
    });
    grant(sp, 'Files.Read.All');
    signIn(sp, app, 30, { keyId: s.keyId, type: 'clientSecret' });
  }
  {
    // More owners than $expand returns.
    const many = Array.from(
      { length: 25 },
      (_, i) => addUser(`owner${i + 1}.shared@${domain}`).id,
    );
    const s = secret(30, 365, 'shared');
    const { sp, app } = application({
      name: 'shared-reporting-app',
      ageDays: 400,
      owners: many,
      secrets: [s],
    });
    signIn(sp, app, 4, { keyId: s.keyId, type: 'clientSecret' });
  }
  application({
    name: 'legacy-fax-gateway',
    ageDays: 1500,
    owners: [leavers[0].id],
    secrets: [secret(1000, 730)],
    enabled: false,
  });

  // Vendors' applications (registered in another tenant) and their grants.
  const vendor = (
    name: string,
    publisher: string,
    grants: string[],
    used: number | undefined,
  ) => {
    const sp: EntraModelServicePrincipal = {
      id: r.guid(),
      appId: r.guid(),
      displayName: name,
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appOwnerOrganizationId: VENDOR_TENANT_ID,
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
      alternativeNames: [],
      passwordCredentials: [],
      keyCredentials: [],
      publisherName: publisher,
      verifiedPublisher: { displayName: publisher },
      signInAudience: 'AzureADMultipleOrgs',
      appRoles: [],
      owners: ownerIds(membersOf(data)[0]),
    };
    model.servicePrincipals.push(sp);
    for (const g of grants) grant(sp, g);
    if (used !== undefined) signIn(sp, undefined, used);
  };
  vendor(
    'Contoso CRM Connector',
    'Contoso Ltd',
    ['Mail.Read', 'User.Read.All'],
    1,
  );
  vendor(
    'Fabrikam Backup',
    'Fabrikam Inc',
    ['Sites.FullControl.All', 'Files.ReadWrite.All'],
    0,
  );
  vendor(
    'Northwind Calendar Sync',
    'Northwind Traders',
    ['User.Read.All'],
    120,
  );

  // The identities drawn at random.
  const names = new Map<string, number>();
  const unique = (name: string) => {
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    return n === 1 ? name : `${name}-${n}`;
  };
  const pairs = teams.flatMap(t =>
    (t.components.length ? t.components : [t.name]).map(c => ({
      team: t,
      component: c,
    })),
  );
  const webApps = new Set<string>();
  for (let i = 0; i < options.identities; i++) {
    const { team, component } = pairs[i % pairs.length];
    const env = r.pick(ENVIRONMENTS);
    const kind = r.next();
    if (kind < 0.35) {
      // A managed identity.
      const systemAssigned = r.chance(0.6);
      const sub = `${(i % 7) + 1}0000000-aaaa-4bbb-8ccc-00000000000${i % 10}`;
      let resourceName: string;
      let resourceType: string;
      if (systemAssigned && !webApps.has(component)) {
        webApps.add(component);
        resourceName = component;
        resourceType = 'Microsoft.Web/sites';
      } else if (systemAssigned) {
        resourceName = unique(`func-${component}-${env}`);
        resourceType = 'Microsoft.Web/sites';
      } else {
        resourceName = unique(`id-${component}-${env}`);
        resourceType = 'Microsoft.ManagedIdentity/userAssignedIdentities';
      }
      const sp: EntraModelServicePrincipal = {
        id: r.guid(),
        appId: r.guid(),
        displayName: resourceName,
        servicePrincipalType: 'ManagedIdentity',
        accountEnabled: true,
        tags: [],
        alternativeNames: [
          `isExplicit=${systemAssigned ? 'False' : 'True'}`,
          `/subscriptions/${sub}/resourcegroups/rg-${team.name}-${env}/providers/${resourceType}/${resourceName}`,
        ],
        // Azure's own, rotated by the platform.
        keyCredentials: [certificate(r.int(1, 80), 90)],
        passwordCredentials: [],
        appRoles: [],
        owners: [],
      };
      model.servicePrincipals.push(sp);
      if (r.chance(0.2)) grant(sp, r.pick(BENIGN_GRANTS));
      const use = r.next();
      if (use < 0.85) signIn(sp, undefined, r.int(0, 20));
      else if (use < 0.95) signIn(sp, undefined, r.int(100, 400));
      continue;
    }

    // An application registration.
    const ageDays = r.int(20, 1200);
    const ownerRoll = r.next();
    const members = membersOf(team);
    let owners: string[] = [];
    if (ownerRoll < 0.62) owners = ownerIds(r.pick(members));
    else if (ownerRoll < 0.72) owners = ownerIds(...members.slice(0, 2));
    else if (ownerRoll < 0.8) owners = [r.pick(leavers).id];
    const tags = r.chance(0.6) ? teamTag(team) : [];
    if (r.chance(0.3)) tags.push(`env:${env === 'prod' ? 'production' : env}`);
    const secrets: EntraModelPasswordCredential[] = [];
    const certificates: GraphKeyCredential[] = [];
    const federated: string[] = [];
    const c = r.next();
    if (c < 0.28) secrets.push(secret(r.int(5, 80), 180));
    else if (c < 0.46)
      secrets.push(
        secret(r.int(100, Math.max(101, Math.min(ageDays, 700))), 730),
      );
    else if (c < 0.53) secrets.push(secret(r.int(800, 900), 730));
    else if (c < 0.57) secrets.push(secret(r.int(10, 300), 'until-2299'));
    else if (c < 0.67) certificates.push(certificate(r.int(10, 360), 365));
    else if (c < 0.7) certificates.push(certificate(r.int(340, 362), 365));
    else if (c < 0.79)
      secrets.push(secret(r.int(200, 400), 730), secret(r.int(2, 30), 365));
    else if (c < 0.92) {
      federated.push(
        `repo:${org}/${component}:environment:${
          env === 'prod' ? 'production' : env
        }`,
      );
      if (r.chance(0.3)) secrets.push(secret(r.int(100, 500), 730));
    }
    const { app, sp } = application({
      name: unique(`${component}-${r.pick(WORDS)}-${env}`),
      team,
      ageDays,
      owners,
      tags,
      secrets,
      certificates,
      federated,
    });
    const g = r.next();
    if (g < 0.35) grant(sp, r.pick(BENIGN_GRANTS));
    else if (g < 0.39)
      grant(sp, r.pick(['Files.Read.All', 'Sites.Read.All', 'Mail.Read']));
    else if (g < 0.4) grant(sp, 'Directory.ReadWrite.All');
    if (r.chance(0.004))
      assignRole(sp, ROLE.applicationAdministrator, `/${app.id}`);

    const active = [...secrets, ...certificates].filter(
      k => Date.parse(k.endDateTime!) > now,
    );
    const newest = active.sort(
      (a, b) => Date.parse(b.startDateTime!) - Date.parse(a.startDateTime!),
    )[0];
    const use = r.next();
    let used: number | undefined;
    if (use < 0.75) used = r.int(0, 20);
    else if (use < 0.87) used = r.int(100, 400);
    if (used !== undefined) {
      signIn(
        sp,
        app,
        used,
        newest
          ? {
              keyId: newest.keyId,
              type: 'hint' in newest ? 'clientSecret' : 'certificate',
            }
          : undefined,
      );
      // The older of two secrets, last used before the rotation began.
      const older = active.find(k => k !== newest);
      if (older && r.chance(0.7)) {
        model.appCredentialSignInActivities.push({
          keyId: older.keyId,
          appId: sp.appId,
          servicePrincipalObjectId: sp.id,
          resourceId: graphSp.id,
          keyType: 'clientSecret',
          credentialOrigin: 'application',
          signInActivity: { lastSignInDateTime: daysAgo(r.int(95, 200)) },
        });
      }
    }
  }
  return model;
}
