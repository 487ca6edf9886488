import {
  NhiCreation,
  NhiCredential,
  NhiFederation,
  NhiLastUse,
  NhiPermissionSummary,
  shortList,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { AzureAgentTagKeys } from '../config';
import {
  customRoleMeaning,
  directoryRoleMeaning,
  MICROSOFT_TENANT_IDS,
  PRIVILEGED_GRAPH_PERMISSIONS,
  PrivilegeMeaning,
} from './privileges';
import {
  EntraTenantSnapshot,
  GraphApplication,
  GraphDirectoryObject,
  GraphKeyCredential,
  GraphPasswordCredential,
  GraphServicePrincipal,
  GraphServicePrincipalSignInActivity,
  TENANT_PARTS,
} from './readTenant';

/**
 * How the identities of one tenant are normalized.
 *
 * @public
 */
export interface NormalizeOptions {
  tenantId: string;
  /** The account the identities are in: the tenant's name, else its id. */
  account: string;
  /** The Entra admin center's root, for links. */
  portalUrl: string;
  includeMicrosoftApplications: boolean;
  includeThirdPartyApplications: boolean;
  inferUsedBy: boolean;
  ownerTagKeys: string[];
  /** Names a managed identity's owner from its resource id (named group `owner`). */
  managedIdentityOwnerPattern?: RegExp;
  environmentTagKeys: string[];
  createdByTagKey: string;
  agentTagKeys: AzureAgentTagKeys;
  /** "Now", for credential expiry. */
  now: Date;
}

type Credential = Omit<NhiCredential, 'rotation'>;

/** The identity types this source emits. @public */
export const AZURE_IDENTITY_TYPES = {
  servicePrincipal: 'azure-service-principal',
  managedIdentity: 'azure-managed-identity',
} as const;

const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * `key:value` (or `key=value`) tags by lower-cased key, first value wins.
 * Entra tags are plain strings; tags without a separator (Entra's own, such
 * as `WindowsAzureActiveDirectoryIntegratedApp`) name no key.
 */
export function keyedTags(...lists: Array<string[] | undefined>) {
  const m = new Map<string, string>();
  for (const list of lists) {
    for (const tag of list ?? []) {
      const match = /^\s*([^:=\s]+)\s*[:=]\s*(.+?)\s*$/.exec(tag);
      if (match && !m.has(match[1].toLowerCase())) {
        m.set(match[1].toLowerCase(), match[2]);
      }
    }
  }
  return m;
}

/** A managed identity's Azure resource, from the service principal's `alternativeNames`. */
export function managedIdentityResource(sp: GraphServicePrincipal):
  | {
      userAssigned: boolean;
      resourceId?: string;
      /** The resource's name: the last segment of its id. */
      name?: string;
    }
  | undefined {
  if (sp.servicePrincipalType !== 'ManagedIdentity') return undefined;
  const names = sp.alternativeNames ?? [];
  const explicit = names
    .map(n => /^isExplicit=(true|false)$/i.exec(n)?.[1])
    .find(Boolean);
  const resourceId = names.find(n =>
    n.toLowerCase().startsWith('/subscriptions/'),
  );
  return {
    userAssigned: explicit?.toLowerCase() === 'true',
    ...(resourceId
      ? { resourceId, name: resourceId.split('/').filter(Boolean).pop() }
      : {}),
  };
}

/** A person among owners: a user, with an e-mail or user principal name. */
function personOf(o: GraphDirectoryObject): string | undefined {
  const isUser =
    !o['@odata.type'] || o['@odata.type'] === '#microsoft.graph.user';
  if (!isUser) return undefined;
  return (o.mail || o.userPrincipalName || undefined)?.trim() || undefined;
}

/** The repository of a GitHub Actions subject: `repo:acme/api:ref:…` → `api`. */
export function githubRepository(subject: string | null | undefined) {
  return /^repo:[^/:]+\/([^:]+):/.exec(subject ?? '')?.[1];
}

/** Every flow's last sign-in: the latest and which flow it was. */
export function lastSignIn(
  row: GraphServicePrincipalSignInActivity,
): { at: string; flow?: string } | undefined {
  const flows: Array<[string | null | undefined, string]> = [
    [
      row.applicationAuthenticationClientSignInActivity?.lastSignInDateTime,
      'app-only sign-in',
    ],
    [
      row.delegatedClientSignInActivity?.lastSignInDateTime,
      'sign-in for a user',
    ],
    [
      row.applicationAuthenticationResourceSignInActivity?.lastSignInDateTime,
      'app-only token for it as a resource',
    ],
    [
      row.delegatedResourceSignInActivity?.lastSignInDateTime,
      "user's token for it as a resource",
    ],
  ];
  let best: { at: string; flow?: string } | undefined;
  let bestTime = -Infinity;
  for (const [at, flow] of flows) {
    const t = at ? Date.parse(at) : NaN;
    if (!Number.isNaN(t) && t > bestTime) {
      bestTime = t;
      best = { at: new Date(t).toISOString(), flow };
    }
  }
  const overall = row.lastSignInActivity?.lastSignInDateTime;
  const t = overall ? Date.parse(overall) : NaN;
  if (!Number.isNaN(t) && t > bestTime) {
    best = { at: new Date(t).toISOString() };
  }
  return best;
}

/**
 * The permission summary of a service principal: its directory roles and
 * Microsoft Graph application permissions, judged by the tables of
 * `privileges.ts`.
 * `admin` is set to false only when both were read.
 */
export function permissionsOf(
  sp: GraphServicePrincipal,
  snapshot: Pick<EntraTenantSnapshot, 'roles' | 'graphPermissions'>,
): NhiPermissionSummary {
  const admin: string[] = [];
  const escalation: string[] = [];
  const data: string[] = [];
  const wildcards: string[] = [];
  const roleNames: string[] = [];
  const graphNames: string[] = [];
  const judge = (
    label: string,
    meaning: PrivilegeMeaning | undefined,
    tenantWide: boolean,
  ) => {
    if (!meaning) return;
    if (meaning.verdict === 'admin' && tenantWide) {
      admin.push(`${label} ${meaning.why}`);
    } else if (
      meaning.verdict === 'admin' ||
      meaning.verdict === 'escalation'
    ) {
      escalation.push(`${label}: ${meaning.why}`);
    } else {
      data.push(`${label} (${meaning.why})`);
    }
    if (meaning.wildcard) wildcards.push(label);
  };

  for (const a of snapshot.roles?.byPrincipal.get(sp.id) ?? []) {
    const def = snapshot.roles!.definitions.get(a.roleDefinitionId);
    const name = def?.displayName ?? `role ${a.roleDefinitionId}`;
    const scope = a.directoryScopeId ?? '/';
    const tenantWide = scope === '/';
    const label = tenantWide ? name : `${name} (scope ${scope})`;
    roleNames.push(label);
    const meaning =
      directoryRoleMeaning(
        def?.templateId ?? a.roleDefinitionId,
        def?.displayName ?? undefined,
      ) ??
      (def && def.isBuiltIn === false
        ? customRoleMeaning(
            (def.rolePermissions ?? []).flatMap(
              p => p.allowedResourceActions ?? [],
            ),
          )
        : undefined);
    judge(label, meaning, tenantWide);
  }
  for (const g of snapshot.graphPermissions?.byPrincipal.get(sp.id) ?? []) {
    const value =
      snapshot.graphPermissions!.roles.get(g.appRoleId)?.value ??
      `app role ${g.appRoleId}`;
    graphNames.push(value);
    judge(
      `Microsoft Graph ${value}`,
      PRIVILEGED_GRAPH_PERMISSIONS[value],
      true,
    );
  }

  const parts: string[] = [];
  if (admin.length) parts.push(`Administrator-equivalent: ${admin.join('; ')}`);
  if (roleNames.length) parts.push(`directory roles: ${roleNames.join(', ')}`);
  if (graphNames.length) {
    parts.push(
      `Microsoft Graph application permissions: ${graphNames
        .sort()
        .join(', ')}`,
    );
  }
  if (!snapshot.roles) {
    parts.push(
      `directory roles not read (needs ${TENANT_PARTS.directoryRoles.permission})`,
    );
  }
  if (!snapshot.graphPermissions) {
    parts.push(
      `Microsoft Graph permissions not read (needs ${TENANT_PARTS.graphPermissions.permission})`,
    );
  }
  if (
    snapshot.roles &&
    snapshot.graphPermissions &&
    !roleNames.length &&
    !graphNames.length
  ) {
    parts.push(
      'no directory role and no Microsoft Graph application permission',
    );
  }

  const p: NhiPermissionSummary = {};
  if (admin.length) p.admin = true;
  else if (snapshot.roles && snapshot.graphPermissions) p.admin = false;
  // An administrator's escalation paths are moot.
  if (escalation.length && !admin.length) p.escalation = escalation;
  if (wildcards.length) p.serviceWildcards = wildcards;
  if (data.length) p.dataExfiltration = data;
  p.summary = parts
    .map(part => part.charAt(0).toUpperCase() + part.slice(1))
    .join('. ');
  return p;
}

function credentialOf(
  c: GraphPasswordCredential | GraphKeyCredential,
  kind: 'client-secret' | 'certificate',
  usable: boolean,
  lastUsed: NhiLastUse | undefined,
  now: number,
): Credential {
  const createdAt = toIsoTime(c.startDateTime ?? undefined);
  const expiresAt = toIsoTime(c.endDateTime ?? undefined);
  const expired = expiresAt !== undefined && Date.parse(expiresAt) <= now;
  let status: Credential['status'] = 'active';
  if (expired) status = 'expired';
  else if (!usable) status = 'inactive';
  return {
    id: c.keyId,
    kind,
    status,
    ...(createdAt ? { createdAt, lastRotatedAt: createdAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(lastUsed ? { lastUsed } : {}),
  };
}

/**
 * Turns a tenant's snapshot into identity records: one per service
 * principal of an application or a managed identity (Microsoft's own
 * applications only when configured), with the credentials of its
 * application and its own, owners, last sign-in, directory roles and
 * Microsoft Graph permissions, and federated identity credentials. Secrets
 * are never read: only their ids and dates.
 *
 * @public
 */
export function* toIdentityRecords(
  snapshot: EntraTenantSnapshot,
  options: NormalizeOptions,
): Generator<NhiIdentityRecord> {
  const now = options.now.getTime();
  const spById = new Map(snapshot.servicePrincipals.map(sp => [sp.id, sp]));
  const portal = options.portalUrl.replace(/\/+$/, '');

  for (const sp of snapshot.servicePrincipals) {
    const managed = managedIdentityResource(sp);
    if (!managed && sp.servicePrincipalType !== 'Application') continue;
    const home = sp.appOwnerOrganizationId?.toLowerCase();
    const microsoft = !!home && MICROSOFT_TENANT_IDS.has(home);
    const thirdParty =
      !managed && !microsoft && !!home && home !== options.tenantId;
    if (microsoft && !options.includeMicrosoftApplications) continue;
    if (thirdParty && !options.includeThirdPartyApplications) continue;

    const app: GraphApplication | undefined = managed
      ? undefined
      : snapshot.applications?.get(sp.appId);
    const tags = keyedTags(app?.tags, sp.tags);
    const enabled = sp.accountEnabled !== false;

    // Owner: a team named in a tag, else a person who owns the application
    // (or the service principal), enabled accounts first.
    const owners = [
      ...(app?.owners ?? []).map(o => ({ o, via: 'application owner' })),
      ...(sp.owners ?? []).map(o => ({ o, via: 'service principal owner' })),
    ];
    const people = owners
      .map(({ o, via }) => ({
        person: personOf(o),
        enabled: o.accountEnabled !== false,
        via,
      }))
      .filter(
        (p): p is { person: string; enabled: boolean; via: string } =>
          !!p.person,
      );
    let owner: NhiIdentityRecord['owner'];
    for (const key of options.ownerTagKeys) {
      const value = tags.get(key.toLowerCase());
      if (value) {
        owner = { value, via: `tag:${key}` };
        break;
      }
    }
    if (!owner && managed?.resourceId && options.managedIdentityOwnerPattern) {
      const value = options.managedIdentityOwnerPattern.exec(managed.resourceId)
        ?.groups?.owner;
      if (value) owner = { value, via: 'resource id' };
    }
    const firstPerson = people.find(p => p.enabled) ?? people[0];
    if (!owner && firstPerson) {
      owner = { value: firstPerson.person, via: firstPerson.via };
    }

    let environments: string[] | undefined;
    for (const key of options.environmentTagKeys) {
      const value = tags.get(key.toLowerCase());
      if (value) {
        environments = value.split(/[\s,;/]+/).filter(Boolean);
        break;
      }
    }

    const k = options.agentTagKeys;
    const agentId = tags.get(k.agentId.toLowerCase());
    const createdByName = tags.get(options.createdByTagKey.toLowerCase());
    let createdBy: NhiCreation;
    if (agentId) {
      const onBehalfOf = tags.get(k.onBehalfOf.toLowerCase());
      const reason = tags.get(k.reason.toLowerCase());
      const expiresAt = tags.get(k.expiresAt.toLowerCase());
      createdBy = {
        type: 'agent',
        agent: {
          id: agentId,
          ...(onBehalfOf ? { onBehalfOf } : {}),
          ...(reason ? { reason } : {}),
          ...(expiresAt && ISO_DATE.test(expiresAt) ? { expiresAt } : {}),
        },
      };
    } else if (createdByName) {
      createdBy = { type: 'person', name: createdByName };
    } else {
      createdBy = { type: 'unknown' };
    }
    const createdAt = toIsoTime(app?.createdDateTime ?? undefined);
    if (createdAt) createdBy.at = createdAt;

    // Last sign-in: absent from a report that was read means none recorded.
    let lastUsed: NhiLastUse | undefined;
    let signedIn: boolean | undefined;
    if (snapshot.signIns) {
      const row = snapshot.signIns.get(sp.appId);
      const last = row ? lastSignIn(row) : undefined;
      signedIn = !!last;
      lastUsed = last
        ? { at: last.at, ...(last.flow ? { service: last.flow } : {}) }
        : { never: true };
    }

    // Credentials: the application's, and the service principal's own
    // (not those of a SAML application: its token-signing certificates).
    // A managed identity's are Azure's to rotate.
    const credentials: Credential[] = [];
    if (!managed) {
      const saml = !!sp.preferredTokenSigningKeyThumbprint;
      const sources: Array<{
        secrets?: GraphPasswordCredential[];
        certificates?: GraphKeyCredential[];
      }> = [
        {
          secrets: app?.passwordCredentials,
          certificates: app?.keyCredentials,
        },
        ...(saml
          ? []
          : [
              {
                secrets: sp.passwordCredentials,
                certificates: sp.keyCredentials,
              },
            ]),
      ];
      const credentialUse = (keyId: string): NhiLastUse | undefined => {
        const row = snapshot.credentialSignIns?.get(keyId);
        const at = toIsoTime(
          row?.signInActivity?.lastSignInDateTime ?? undefined,
        );
        if (at) {
          const resource = row?.resourceId
            ? spById.get(row.resourceId)?.displayName
            : undefined;
          return { at, ...(resource ? { service: resource } : {}) };
        }
        // Nothing signed in as the service principal: none of its credentials was used.
        return signedIn === false ? { never: true } : undefined;
      };
      const seen = new Set<string>();
      for (const s of sources) {
        for (const c of s.secrets ?? []) {
          if (!c.keyId || seen.has(c.keyId)) continue;
          seen.add(c.keyId);
          credentials.push(
            credentialOf(
              c,
              'client-secret',
              enabled,
              credentialUse(c.keyId),
              now,
            ),
          );
        }
        for (const c of s.certificates ?? []) {
          if (!c.keyId || seen.has(c.keyId)) continue;
          if (c.usage && c.usage.toLowerCase() !== 'verify') continue;
          seen.add(c.keyId);
          credentials.push(
            credentialOf(
              c,
              'certificate',
              enabled,
              credentialUse(c.keyId),
              now,
            ),
          );
        }
      }
    }

    const ficList = app ? snapshot.federatedCredentials?.get(app.id) ?? [] : [];
    const federation: NhiFederation[] = ficList.map(f => ({
      kind: 'federated-credential',
      issuer: f.issuer,
      ...(f.subject ? { subject: f.subject } : {}),
    }));

    const permissions = permissionsOf(sp, snapshot);
    const trust: NonNullable<NhiPermissionSummary['trust']> = {};
    if (thirdParty) trust.externalAccounts = [home!];
    if (ficList.length) {
      trust.oidc = ficList.map(f => ({
        provider: f.issuer,
        subjectRestricted: !!f.subject,
      }));
    }
    if (Object.keys(trust).length) permissions.trust = trust;

    const usedBy = new Set<string>();
    if (options.inferUsedBy) {
      if (managed && !managed.userAssigned && managed.name)
        usedBy.add(managed.name);
      for (const f of ficList) {
        const repo =
          f.issuer === GITHUB_ISSUER ? githubRepository(f.subject) : undefined;
        if (repo) usedBy.add(repo);
      }
    }

    const publisher = sp.verifiedPublisher?.displayName || sp.publisherName;
    const ownerList = people.map(
      p => `${p.person}${p.enabled ? '' : ' (disabled)'}`,
    );
    let what: string;
    if (managed) {
      what = `${
        managed.userAssigned ? 'User-assigned' : 'System-assigned'
      } managed identity${
        managed.resourceId ? ` of ${managed.resourceId}` : ''
      }`;
    } else if (thirdParty) {
      what = `Enterprise application of another tenant (${home}${
        publisher ? `, published by ${publisher}` : ''
      })`;
    } else {
      what = `Entra application (client id ${sp.appId})`;
    }
    const description = [
      what,
      ownerList.length
        ? `owners: ${shortList([...new Set(ownerList)], 5)}`
        : '',
      enabled ? '' : 'disabled: no tokens are issued to it',
    ]
      .filter(Boolean)
      .join('; ');

    const links = [
      ...(app
        ? [
            {
              url: `${portal}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${sp.appId}`,
              title: 'Entra app registration',
            },
          ]
        : []),
      {
        url: `${portal}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/${sp.id}/appId/${sp.appId}`,
        title: managed
          ? 'Entra managed identity'
          : 'Entra enterprise application',
      },
    ];

    const multiTenant =
      /^(AzureADMultipleOrgs|AzureADandPersonalMicrosoftAccount)$/i.test(
        app?.signInAudience ?? '',
      );
    yield {
      externalId: `azure:${options.tenantId}:${sp.appId}`,
      name: sp.displayName?.trim() || sp.appId,
      description,
      type: managed
        ? AZURE_IDENTITY_TYPES.managedIdentity
        : AZURE_IDENTITY_TYPES.servicePrincipal,
      category: 'service-account',
      provider: 'azure',
      account: options.account,
      scope: options.tenantId,
      tags: [
        'azure',
        'entra-id',
        managed ? 'managed-identity' : 'service-principal',
        ...(managed
          ? [managed.userAssigned ? 'user-assigned' : 'system-assigned']
          : []),
        ...(thirdParty ? ['third-party'] : []),
        ...(microsoft ? ['microsoft'] : []),
        ...(multiTenant ? ['multi-tenant'] : []),
        ...(federation.length ? ['federated'] : []),
        ...(enabled ? [] : ['disabled']),
      ],
      ...(owner ? { owner } : {}),
      ...(usedBy.size ? { usedBy: [...usedBy].sort() } : {}),
      ...(environments?.length ? { environments } : {}),
      createdBy,
      ...(lastUsed ? { lastUsed } : {}),
      ...(managed ? {} : { credentials }),
      permissions,
      ...(federation.length ? { federation } : {}),
      links,
    };
  }
}
