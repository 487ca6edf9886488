/**
 * What the source read of one organization, in GitHub's REST shapes (the
 * fields it uses), before normalization.
 */

/** `GET /orgs/{org}/installations` item, with its app. */
export interface InstallationData {
  id: number;
  app_slug: string;
  app_id: number;
  repository_selection: 'all' | 'selected';
  permissions: Record<string, string>;
  created_at: string;
  updated_at?: string;
  suspended_at?: string | null;
  suspended_by?: { login: string } | null;
  html_url?: string;
  /** `GET /apps/{app_slug}`: name, owner; absent when it could not be read. */
  app?: { name: string; owner?: { login: string }; html_url?: string };
}

/** A fine-grained token grant or request. */
export interface TokenGrantData {
  id: number;
  token_id: number;
  token_name: string;
  owner: { login: string };
  repository_selection: 'none' | 'all' | 'subset';
  permissions: {
    organization?: Record<string, string>;
    repository?: Record<string, string>;
    other?: Record<string, string>;
  };
  access_granted_at?: string;
  created_at?: string;
  reason?: string | null;
  token_expired?: boolean;
  token_expires_at?: string | null;
  token_last_used_at?: string | null;
  /** For `subset`: repository names, when they could be read. */
  repositories?: string[];
  /** Pending request rather than grant. */
  pending?: boolean;
}

/** An Actions secret's metadata. */
export interface SecretData {
  name: string;
  created_at: string;
  updated_at: string;
  visibility?: 'all' | 'private' | 'selected';
  /** For an organization secret with `selected` visibility: repository names, when read. */
  selectedRepositories?: string[];
}

/** `GET /repos/{owner}/{repo}/keys` item. */
export interface DeployKeyData {
  id: number;
  key: string;
  title: string;
  read_only: boolean;
  created_at: string;
  added_by?: string | null;
  last_used?: string | null;
  verified?: boolean;
  enabled?: boolean;
}

/** One repository as the GraphQL pages and the REST reads left it. */
export interface RepositoryData {
  name: string;
  id?: number;
  archived: boolean;
  visibility: string;
  /** Deploy keys GraphQL counted; undefined when it could not tell. */
  deployKeyCount?: number;
  /** Whether GraphQL saw a write key (read first under budget pressure). */
  hasWriteKey?: boolean;
  hasWorkflows: boolean;
  environments: string[];
  codeowners?: { path: string; text: string };
  /** The repository's catalog file (`catalog-info.yaml`), when it has one. */
  catalogInfo?: string;
  /** Custom property values. */
  properties?: Record<string, string>;
  /** REST data; undefined when not read. */
  deployKeys?: DeployKeyData[];
  secrets?: SecretData[];
  environmentSecrets?: Record<string, SecretData[]>;
}

/** Everything read of one organization. */
export interface OrganizationSnapshot {
  org: string;
  /** Undefined: not read. */
  installations?: InstallationData[];
  tokenGrants?: TokenGrantData[];
  tokenRequests?: TokenGrantData[];
  organizationSecrets?: SecretData[];
  /** The Actions OIDC subject claim keys (empty: GitHub's default); undefined: not read. */
  oidcClaimKeys?: string[];
  repositories: RepositoryData[];
  /** GitHub login (lower case) → the e-mail of its SAML identity. */
  emails: Map<string, string>;
}
