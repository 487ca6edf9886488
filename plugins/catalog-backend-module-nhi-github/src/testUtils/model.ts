/**
 * The state a fake GitHub serves: organizations with their repositories,
 * app installations, fine-grained token grants and Actions secrets, in
 * shapes close to GitHub's own (dates are ISO 8601 strings). Secret values
 * do not exist here: GitHub never returns them either.
 */

/**
 * A permission level of a GitHub App or fine-grained token.
 *
 * @public
 */
export type GithubPermissionLevel = 'read' | 'write' | 'admin';

/**
 * A GitHub App as `GET /apps/{app_slug}` describes it.
 *
 * @public
 */
export interface GithubModelApp {
  id: number;
  slug: string;
  name: string;
  /** The account that owns the app (an organization's or a user's login). */
  owner: string;
  ownerType?: 'Organization' | 'User';
  description?: string;
}

/**
 * An installation of a GitHub App on an organization.
 *
 * @public
 */
export interface GithubModelInstallation {
  id: number;
  appSlug: string;
  /** e.g. `{ contents: 'write', metadata: 'read' }`. */
  permissions: Record<string, GithubPermissionLevel>;
  repositorySelection: 'all' | 'selected';
  /** For `selected`: the repository names. */
  repositories?: string[];
  events?: string[];
  createdAt: string;
  updatedAt?: string;
  suspendedAt?: string;
  /** Login of who suspended it. */
  suspendedBy?: string;
}

/**
 * The permissions of a fine-grained personal access token, as GitHub groups
 * them.
 *
 * @public
 */
export interface GithubModelTokenPermissions {
  organization?: Record<string, GithubPermissionLevel>;
  repository?: Record<string, GithubPermissionLevel>;
  other?: Record<string, GithubPermissionLevel>;
}

/**
 * A fine-grained personal access token granted access to an organization
 * (`GET /orgs/{org}/personal-access-tokens`), or asking for it
 * (`…/personal-access-token-requests`, with `reason` and `createdAt`).
 *
 * @public
 */
export interface GithubModelTokenGrant {
  /** The grant's (or request's) id. */
  id: number;
  tokenId: number;
  tokenName: string;
  /** Login of the person who owns the token. */
  owner: string;
  repositorySelection: 'none' | 'all' | 'subset';
  /** For `subset`: repository names. */
  repositories?: string[];
  permissions: GithubModelTokenPermissions;
  /** For a grant: when the organization granted access. */
  accessGrantedAt?: string;
  /** For a request: when it was made. */
  createdAt?: string;
  /** For a request: why the owner asks. */
  reason?: string;
  /** Absent or null: the token never expires. */
  tokenExpiresAt?: string | null;
  tokenExpired?: boolean;
  tokenLastUsedAt?: string | null;
}

/**
 * An Actions secret's metadata (never a value).
 *
 * @public
 */
export interface GithubModelSecret {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Organization secrets only: which repositories may use it. */
  visibility?: 'all' | 'private' | 'selected';
  /** For `selected`: repository names. */
  selectedRepositories?: string[];
}

/**
 * A repository deploy key, with what only the REST API tells (who added it,
 * when it was last used).
 *
 * @public
 */
export interface GithubModelDeployKey {
  id: number;
  title: string;
  /** The public key, e.g. `ssh-ed25519 AAAA…`. */
  key: string;
  readOnly: boolean;
  createdAt: string;
  /** Login of the person who added it; absent when GitHub does not know. */
  addedBy?: string;
  /** Absent or null: never used. */
  lastUsed?: string | null;
  verified?: boolean;
  enabled?: boolean;
}

/**
 * One repository of an organization.
 *
 * @public
 */
export interface GithubModelRepository {
  id: number;
  name: string;
  archived?: boolean;
  fork?: boolean;
  visibility?: 'private' | 'public' | 'internal';
  createdAt: string;
  pushedAt?: string;
  /** Custom property values, e.g. `{ owner: 'payments' }`. */
  properties?: Record<string, string>;
  /** The CODEOWNERS file on the default branch, if any. */
  codeowners?: { path: string; text: string };
  /** Other files on the default branch by path, e.g. `catalog-info.yaml`. */
  files?: Record<string, string>;
  /** Workflow file names under `.github/workflows`. */
  workflows?: string[];
  deployKeys?: GithubModelDeployKey[];
  secrets?: GithubModelSecret[];
  environments?: Array<{ name: string; secrets?: GithubModelSecret[] }>;
}

/**
 * A person's SAML identity in an organization with SAML single sign-on: how
 * GitHub logins map to the company's e-mail addresses.
 *
 * @public
 */
export interface GithubModelSamlIdentity {
  login: string;
  /** The SAML NameID, usually the corporate e-mail. */
  nameId: string;
}

/**
 * One organization.
 *
 * @public
 */
export interface GithubModelOrganization {
  login: string;
  id: number;
  repositories: GithubModelRepository[];
  installations: GithubModelInstallation[];
  tokenGrants: GithubModelTokenGrant[];
  tokenRequests: GithubModelTokenGrant[];
  secrets: GithubModelSecret[];
  /** The Actions OIDC subject customization; absent: GitHub's default subject. */
  oidcSubjectClaimKeys?: string[];
  /** Present when the organization uses SAML single sign-on. */
  samlIdentities?: GithubModelSamlIdentity[];
}

/**
 * Everything a fake GitHub serves.
 *
 * @public
 */
export interface GithubModel {
  organizations: GithubModelOrganization[];
  /** Every app installed anywhere, by slug. */
  apps: GithubModelApp[];
}
