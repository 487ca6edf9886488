import type {
  GraphAppCredentialSignInActivity,
  GraphAppRole,
  GraphAppRoleAssignment,
  GraphFederatedIdentityCredential,
  GraphKeyCredential,
  GraphPasswordCredential,
  GraphRoleAssignment,
  GraphRoleDefinition,
  GraphServicePrincipalSignInActivity,
} from '../source/readTenant';

/**
 * A user of the model tenant (an owner of applications).
 *
 * @public
 */
export interface EntraModelUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
  accountEnabled: boolean;
}

/**
 * A client secret of the model: Graph's metadata plus the `hint` (the
 * secret's first characters) Graph returns too, which the source must
 * never keep.
 *
 * @public
 */
export interface EntraModelPasswordCredential extends GraphPasswordCredential {
  hint?: string;
}

/**
 * An application registration of the model tenant.
 *
 * @public
 */
export interface EntraModelApplication {
  id: string;
  appId: string;
  displayName: string;
  createdDateTime: string;
  signInAudience: string;
  tags: string[];
  passwordCredentials: EntraModelPasswordCredential[];
  keyCredentials: GraphKeyCredential[];
  federatedIdentityCredentials: GraphFederatedIdentityCredential[];
  /** Ids of the users or service principals that own it. */
  owners: string[];
}

/**
 * A service principal of the model tenant.
 *
 * @public
 */
export interface EntraModelServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy';
  accountEnabled: boolean;
  appOwnerOrganizationId?: string;
  tags: string[];
  alternativeNames: string[];
  passwordCredentials: EntraModelPasswordCredential[];
  keyCredentials: GraphKeyCredential[];
  preferredTokenSigningKeyThumbprint?: string;
  publisherName?: string;
  verifiedPublisher?: { displayName?: string };
  signInAudience?: string;
  /** The app roles it exposes (Microsoft Graph's application permissions). */
  appRoles: GraphAppRole[];
  /** Ids of the users or service principals that own it. */
  owners: string[];
}

/**
 * A Microsoft Entra tenant as the Graph endpoint serves it.
 *
 * @public
 */
export interface EntraTenantModel {
  tenantId: string;
  users: EntraModelUser[];
  applications: EntraModelApplication[];
  servicePrincipals: EntraModelServicePrincipal[];
  roleDefinitions: GraphRoleDefinition[];
  roleAssignments: GraphRoleAssignment[];
  /** App-role grants, each on the resource service principal `resourceId`. */
  appRoleAssignments: Array<GraphAppRoleAssignment & { resourceId: string }>;
  servicePrincipalSignInActivities: GraphServicePrincipalSignInActivity[];
  appCredentialSignInActivities: GraphAppCredentialSignInActivity[];
}
