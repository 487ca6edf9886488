import {
  GraphBatchAnswer,
  GraphPage,
  GraphReader,
  GraphRequestError,
} from './graph';
import { MICROSOFT_GRAPH_APP_ID } from './privileges';

/** An owner as `$expand=owners($select=…)` returns it: a user or a service principal. @public */
export interface GraphDirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  accountEnabled?: boolean | null;
}

/** A client secret's metadata (`passwordCredential`); its `hint` is never read. @public */
export interface GraphPasswordCredential {
  keyId: string;
  displayName?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

/** A certificate's metadata (`keyCredential`). @public */
export interface GraphKeyCredential {
  keyId: string;
  displayName?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
  /** `AsymmetricX509Cert`, `X509CertAndPassword`, … */
  type?: string | null;
  /** `Verify` (authentication) or `Sign` (token signing). */
  usage?: string | null;
}

/** A federated identity credential: an external issuer's subject the application trusts. @public */
export interface GraphFederatedIdentityCredential {
  id?: string;
  name?: string;
  issuer: string;
  subject?: string | null;
  audiences?: string[];
}

/** An application registration, as the source reads it. @public */
export interface GraphApplication {
  id: string;
  appId: string;
  displayName?: string | null;
  createdDateTime?: string | null;
  signInAudience?: string | null;
  tags?: string[];
  passwordCredentials?: GraphPasswordCredential[];
  keyCredentials?: GraphKeyCredential[];
  owners?: GraphDirectoryObject[];
  federatedIdentityCredentials?: GraphFederatedIdentityCredential[];
}

/** A service principal, as the source reads it. @public */
export interface GraphServicePrincipal {
  id: string;
  appId: string;
  displayName?: string | null;
  /** `Application`, `ManagedIdentity`, `Legacy`, `SocialIdp`. */
  servicePrincipalType?: string | null;
  accountEnabled?: boolean | null;
  appOwnerOrganizationId?: string | null;
  tags?: string[];
  alternativeNames?: string[];
  passwordCredentials?: GraphPasswordCredential[];
  keyCredentials?: GraphKeyCredential[];
  preferredTokenSigningKeyThumbprint?: string | null;
  publisherName?: string | null;
  verifiedPublisher?: { displayName?: string | null } | null;
  signInAudience?: string | null;
  owners?: GraphDirectoryObject[];
}

/** A directory role definition. @public */
export interface GraphRoleDefinition {
  id: string;
  displayName?: string | null;
  templateId?: string | null;
  isBuiltIn?: boolean | null;
  rolePermissions?: Array<{ allowedResourceActions?: string[] }>;
}

/** An active directory role assignment. @public */
export interface GraphRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  /** `/` for the whole tenant, else an administrative unit or an object. */
  directoryScopeId?: string | null;
}

/** An app role (an application permission) of a resource application. @public */
export interface GraphAppRole {
  id: string;
  value?: string | null;
  displayName?: string | null;
}

/** A grant of an app role to a principal. @public */
export interface GraphAppRoleAssignment {
  id: string;
  principalId: string;
  principalType?: string | null;
  appRoleId: string;
  createdDateTime?: string | null;
}

/** One flow's last sign-in in the sign-in activity reports. @public */
export interface GraphSignInActivity {
  lastSignInDateTime?: string | null;
  lastSignInRequestId?: string | null;
}

/** A service principal's row of `reports/servicePrincipalSignInActivities` (beta). @public */
export interface GraphServicePrincipalSignInActivity {
  appId: string;
  lastSignInActivity?: GraphSignInActivity | null;
  applicationAuthenticationClientSignInActivity?: GraphSignInActivity | null;
  applicationAuthenticationResourceSignInActivity?: GraphSignInActivity | null;
  delegatedClientSignInActivity?: GraphSignInActivity | null;
  delegatedResourceSignInActivity?: GraphSignInActivity | null;
}

/** A credential's row of `reports/appCredentialSignInActivities` (beta). @public */
export interface GraphAppCredentialSignInActivity {
  keyId: string;
  appId?: string | null;
  servicePrincipalObjectId?: string | null;
  resourceId?: string | null;
  keyType?: string | null;
  credentialOrigin?: string | null;
  signInActivity?: GraphSignInActivity | null;
}

/**
 * A part of the tenant that could not be read, the permission it needs and
 * what Graph answered.
 *
 * @public
 */
export interface TenantPartFailure {
  /** `applications`, `federatedIdentityCredentials`, `owners`, `directoryRoles`, `graphPermissions`, `signInActivity`, `credentialSignInActivity`. */
  part: TenantPart;
  /** What is missing from the identities because of it. */
  consequence: string;
  /** The Graph permission the part needs (application permission). */
  permission: string;
  error: GraphRequestError;
}

/** The parts of a tenant read besides the service principals. @public */
export type TenantPart =
  | 'applications'
  | 'federatedIdentityCredentials'
  | 'owners'
  | 'directoryRoles'
  | 'graphPermissions'
  | 'signInActivity'
  | 'credentialSignInActivity';

/** What each part needs and what its failure costs. */
export const TENANT_PARTS: Record<
  TenantPart,
  { permission: string; consequence: string }
> = {
  applications: {
    permission: 'Application.Read.All',
    consequence:
      "applications' client secrets, certificates, owners and creation dates are missing",
  },
  federatedIdentityCredentials: {
    permission: 'Application.Read.All',
    consequence: 'federated identity credentials are missing',
  },
  owners: {
    permission: 'Application.Read.All',
    consequence: 'owners beyond the first 20 are missing',
  },
  directoryRoles: {
    permission: 'RoleManagement.Read.Directory',
    consequence: 'directory roles are not in the permission summaries',
  },
  graphPermissions: {
    permission: 'Application.Read.All',
    consequence:
      'Microsoft Graph application permissions are not in the permission summaries',
  },
  signInActivity: {
    permission: 'AuditLog.Read.All',
    consequence: 'last sign-ins of service principals are missing',
  },
  credentialSignInActivity: {
    permission: 'AuditLog.Read.All',
    consequence: 'last sign-ins of credentials are missing',
  },
};

/**
 * Everything read from one tenant. A part that could not be read is absent
 * (undefined) and listed in `failures`.
 *
 * @public
 */
export interface EntraTenantSnapshot {
  servicePrincipals: GraphServicePrincipal[];
  /** Application registrations by appId. */
  applications?: Map<string, GraphApplication>;
  /** Federated identity credentials by application object id. */
  federatedCredentials?: Map<string, GraphFederatedIdentityCredential[]>;
  roles?: {
    definitions: Map<string, GraphRoleDefinition>;
    /** Active assignments by principal (service principal object id). */
    byPrincipal: Map<string, GraphRoleAssignment[]>;
  };
  graphPermissions?: {
    /** Microsoft Graph's app roles by id. */
    roles: Map<string, GraphAppRole>;
    /** Graph app-role ids granted, by principal object id. */
    byPrincipal: Map<string, GraphAppRoleAssignment[]>;
  };
  /** Sign-in activity by appId. */
  signIns?: Map<string, GraphServicePrincipalSignInActivity>;
  /** Credential sign-in activity by keyId (the latest row when several). */
  credentialSignIns?: Map<string, GraphAppCredentialSignInActivity>;
  failures: TenantPartFailure[];
}

const OWNER_SELECT = 'id,displayName,userPrincipalName,mail,accountEnabled';
const SP_SELECT = [
  'id',
  'appId',
  'displayName',
  'servicePrincipalType',
  'accountEnabled',
  'appOwnerOrganizationId',
  'tags',
  'alternativeNames',
  'passwordCredentials',
  'keyCredentials',
  'preferredTokenSigningKeyThumbprint',
  'publisherName',
  'verifiedPublisher',
  'signInAudience',
].join(',');
const APP_SELECT = [
  'id',
  'appId',
  'displayName',
  'createdDateTime',
  'signInAudience',
  'tags',
  'passwordCredentials',
  'keyCredentials',
].join(',');
const FIC_SELECT = 'id,name,issuer,subject,audiences';
/** Graph returns at most 20 expanded owners, without a next page. */
export const EXPANDED_OWNERS_LIMIT = 20;

/**
 * Options of {@link readEntraTenant}.
 *
 * @public
 */
export interface ReadTenantOptions {
  /** `$top` of list requests. */
  pageSize: number;
  /** Read the beta sign-in activity reports. */
  signInActivity: boolean;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** ms since the epoch, or -1 for no date. */
function time(iso?: string | null): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? -1 : t;
}

/**
 * Reads one tenant in bulk: every service principal with its owners, every
 * application with its credentials and owners, the federated identity
 * credentials, directory roles and their active assignments, Microsoft
 * Graph's app roles and who holds them, and the sign-in activity reports.
 * The small reads share one `$batch` per API version; owners past the 20
 * `$expand` returns are fetched in `$batch`es. Only the service principals
 * are required: any other part that fails is recorded in `failures` with
 * the permission it needs, and the rest is read.
 *
 * @public
 */
export async function readEntraTenant(
  graph: GraphReader,
  options: ReadTenantOptions,
): Promise<EntraTenantSnapshot> {
  const failures: TenantPartFailure[] = [];
  const fail = (part: TenantPart, e: unknown) => {
    const error =
      e instanceof GraphRequestError
        ? e
        : new GraphRequestError(0, undefined, String(e), part);
    failures.push({ part, ...TENANT_PARTS[part], error });
  };
  /** Runs a part; an abort or a failed read of the service principals is not the part's. */
  const part = async <T>(
    name: TenantPart,
    run: () => Promise<T>,
  ): Promise<T | undefined> => {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof GraphRequestError)) throw e;
      fail(name, e);
      return undefined;
    }
  };
  const top = options.pageSize;

  const servicePrincipalsRead = graph.all<GraphServicePrincipal>({
    path: `/servicePrincipals?$select=${SP_SELECT}&$expand=owners($select=${OWNER_SELECT})&$top=${top}`,
  });
  const applicationsRead = part('applications', async () =>
    graph.all<GraphApplication>({
      path: `/applications?$select=${APP_SELECT}&$expand=owners($select=${OWNER_SELECT})&$top=${top}`,
    }),
  );
  const federatedRead = part('federatedIdentityCredentials', async () => {
    const out = new Map<string, GraphFederatedIdentityCredential[]>();
    for await (const page of graph.pages<GraphApplication>({
      path: `/applications?$select=id&$expand=federatedIdentityCredentials($select=${FIC_SELECT})&$top=${top}`,
    })) {
      for (const app of page) {
        if (app.federatedIdentityCredentials?.length) {
          out.set(app.id, app.federatedIdentityCredentials);
        }
      }
    }
    return out;
  });

  // The small reads of v1.0 in one $batch, then their further pages.
  const rolesAndGrants = (async () => {
    const paths = [
      '/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn,rolePermissions',
      '/roleManagement/directory/roleAssignments?$select=id,principalId,roleDefinitionId,directoryScopeId',
      `/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')?$select=id,appId,appRoles`,
      `/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')/appRoleAssignedTo?$select=id,principalId,principalType,appRoleId,createdDateTime&$top=${top}`,
    ];
    let answers: Map<number, GraphBatchAnswer>;
    try {
      answers = await graph.batch(paths);
    } catch (e) {
      if (!(e instanceof GraphRequestError)) throw e;
      fail('directoryRoles', e);
      fail('graphPermissions', e);
      return [undefined, undefined] as const;
    }
    const page = <T>(i: number): GraphPage<T> => {
      const error = GraphReader.errorOf(answers.get(i), paths[i]);
      if (error) throw error;
      return answers.get(i)!.body as GraphPage<T>;
    };
    const roles = await part('directoryRoles', async () => {
      const definitions = await graph.all<GraphRoleDefinition>({
        page: page<GraphRoleDefinition>(0),
      });
      const assignments = await graph.all<GraphRoleAssignment>({
        page: page<GraphRoleAssignment>(1),
      });
      return {
        definitions: new Map(definitions.map(d => [d.id, d])),
        byPrincipal: groupBy(assignments, a => a.principalId),
      };
    });
    const grants = await part('graphPermissions', async () => {
      const error = GraphReader.errorOf(answers.get(2), paths[2]);
      // Without Microsoft Graph's service principal (a tenant that never
      // used Graph) there is nothing granted on it.
      if (error && error.status !== 404) throw error;
      const appRoles: GraphAppRole[] = error
        ? []
        : (answers.get(2)!.body as { appRoles?: GraphAppRole[] }).appRoles ??
          [];
      const assigned = error
        ? []
        : await graph.all<GraphAppRoleAssignment>({
            page: page<GraphAppRoleAssignment>(3),
          });
      return {
        roles: new Map(appRoles.map(r => [r.id, r])),
        byPrincipal: groupBy(assigned, a => a.principalId),
      };
    });
    return [roles, grants] as const;
  })();

  // The sign-in activity reports (beta) in one $batch.
  const activity = (async () => {
    if (!options.signInActivity) return [undefined, undefined] as const;
    const paths = [
      `/reports/servicePrincipalSignInActivities?$top=${top}`,
      `/reports/appCredentialSignInActivities?$top=${top}`,
    ];
    let answers: Map<number, GraphBatchAnswer>;
    try {
      answers = await graph.batch(paths, 'beta');
    } catch (e) {
      if (!(e instanceof GraphRequestError)) throw e;
      fail('signInActivity', e);
      fail('credentialSignInActivity', e);
      return [undefined, undefined] as const;
    }
    const first = <T>(i: number): GraphPage<T> => {
      const error = GraphReader.errorOf(answers.get(i), paths[i]);
      if (error) throw error;
      return answers.get(i)!.body as GraphPage<T>;
    };
    const signIns = await part('signInActivity', async () => {
      const rows = await graph.all<GraphServicePrincipalSignInActivity>({
        page: first(0),
      });
      return new Map(rows.map(r => [r.appId, r]));
    });
    const credentialSignIns = await part(
      'credentialSignInActivity',
      async () => {
        const out = new Map<string, GraphAppCredentialSignInActivity>();
        for await (const rows of graph.pages<GraphAppCredentialSignInActivity>({
          page: first(1),
        })) {
          for (const r of rows) {
            const before = out.get(r.keyId);
            // A credential used against several resources has a row for each.
            if (
              !before ||
              time(r.signInActivity?.lastSignInDateTime) >
                time(before.signInActivity?.lastSignInDateTime)
            ) {
              out.set(r.keyId, r);
            }
          }
        }
        return out;
      },
    );
    return [signIns, credentialSignIns] as const;
  })();

  const [
    servicePrincipals,
    applications,
    federatedCredentials,
    [roles, graphPermissions],
    [signIns, credentialSignIns],
  ] = await Promise.all([
    servicePrincipalsRead,
    applicationsRead,
    federatedRead,
    rolesAndGrants,
    activity,
  ]);

  // Owners past what $expand returns, in $batches.
  const overflow: Array<{ path: string; target: { owners?: unknown } }> = [];
  for (const sp of servicePrincipals) {
    if ((sp.owners?.length ?? 0) >= EXPANDED_OWNERS_LIMIT) {
      overflow.push({
        path: `/servicePrincipals/${sp.id}/owners?$select=${OWNER_SELECT}&$top=${top}`,
        target: sp,
      });
    }
  }
  for (const app of applications ?? []) {
    if ((app.owners?.length ?? 0) >= EXPANDED_OWNERS_LIMIT) {
      overflow.push({
        path: `/applications/${app.id}/owners?$select=${OWNER_SELECT}&$top=${top}`,
        target: app,
      });
    }
  }
  if (overflow.length) {
    await part('owners', async () => {
      const answers = await graph.batch(overflow.map(o => o.path));
      for (const [i, o] of overflow.entries()) {
        const error = GraphReader.errorOf(answers.get(i), o.path);
        if (error) throw error;
        o.target.owners = await graph.all<GraphDirectoryObject>({
          page: answers.get(i)!.body as GraphPage<GraphDirectoryObject>,
        });
      }
    });
  }

  return {
    servicePrincipals,
    applications: applications
      ? new Map(applications.map(a => [a.appId, a]))
      : undefined,
    federatedCredentials,
    roles,
    graphPermissions,
    signIns,
    credentialSignIns,
    failures,
  };
}
