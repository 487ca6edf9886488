/**
 * A binding of an IAM policy.
 *
 * @public
 */
export interface GcpModelBinding {
  role: string;
  members: string[];
  condition?: { title: string; expression: string };
}

/**
 * A user-managed service-account key: metadata only.
 *
 * @public
 */
export interface GcpModelKey {
  /** 40 hex digits. */
  id: string;
  /** ISO 8601: `validAfterTime`. */
  createdAt: string;
  /** ISO 8601: `validBeforeTime`; 9999-12-31 (no expiry) when absent. */
  expiresAt?: string;
  disabled?: boolean;
  /** `GOOGLE_PROVIDED` when absent. */
  origin?: 'GOOGLE_PROVIDED' | 'USER_PROVIDED';
  /** Last authentication with the key, as Policy Analyzer reports it. */
  lastAuthenticatedAt?: string;
  /** Google found the private key in public. */
  exposed?: boolean;
}

/**
 * A service account.
 *
 * @public
 */
export interface GcpModelServiceAccount {
  /** The e-mail. */
  email: string;
  /** 21 digits. */
  uniqueId: string;
  displayName?: string;
  description?: string;
  disabled?: boolean;
  keys: GcpModelKey[];
  /** Last authentication of the account (any credential), as Policy Analyzer reports it. */
  lastAuthenticatedAt?: string;
  /** The account's own IAM policy: who may act as it. */
  iamPolicy?: GcpModelBinding[];
}

/**
 * A project.
 *
 * @public
 */
export interface GcpModelProject {
  projectId: string;
  /** 12 digits. */
  number: string;
  displayName: string;
  /** `organizations/<n>` or `folders/<n>`. */
  parent: string;
  labels: Record<string, string>;
  /** `ACTIVE` when absent. */
  state?: 'ACTIVE' | 'DELETE_REQUESTED';
  createdAt: string;
  serviceAccounts: GcpModelServiceAccount[];
  iamPolicy: GcpModelBinding[];
}

/**
 * A folder.
 *
 * @public
 */
export interface GcpModelFolder {
  /** The number. */
  id: string;
  displayName: string;
  /** `organizations/<n>` or `folders/<n>`. */
  parent: string;
  iamPolicy?: GcpModelBinding[];
}

/**
 * A company's Google Cloud organization.
 *
 * @public
 */
export interface GcpCompanyModel {
  /** The organization number. */
  organizationId: string;
  /** The organization's domain, e.g. `lumen-freight.example`. */
  domain: string;
  organizationIamPolicy: GcpModelBinding[];
  folders: GcpModelFolder[];
  projects: GcpModelProject[];
  /** Projects of another organization, visible to the caller (they must not be read). */
  otherProjects?: GcpModelProject[];
}
