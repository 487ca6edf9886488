/**
 * An IAM policy document, as JSON.
 *
 * @public
 */
export interface IamPolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>> | Record<string, unknown>;
}

/**
 * An inline policy of a user, group or role.
 *
 * @public
 */
export interface IamModelInlinePolicy {
  name: string;
  document: IamPolicyDocument;
}

/**
 * An access key: its id, status, creation and last use (no secret).
 *
 * @public
 */
export interface IamModelAccessKey {
  id: string;
  status: 'Active' | 'Inactive';
  /** ISO 8601. */
  createdAt: string;
  lastUsed?: { at: string; region: string; service: string };
}

/**
 * An IAM user.
 *
 * @public
 */
export interface IamModelUser {
  name: string;
  /** `AIDA…` */
  id: string;
  path?: string;
  createdAt: string;
  tags?: Record<string, string>;
  /** Group names. */
  groups?: string[];
  inlinePolicies?: IamModelInlinePolicy[];
  /** Managed policy ARNs. */
  attachedPolicies?: string[];
  /** Managed policy ARN. */
  permissionsBoundary?: string;
  accessKeys?: IamModelAccessKey[];
  /** A console password: when it was last changed (or created) and used. */
  password?: { lastChanged: string; lastUsed?: string };
  mfa?: boolean;
  signingCertificates?: Array<{ active: boolean; createdAt: string }>;
}

/**
 * An IAM role.
 *
 * @public
 */
export interface IamModelRole {
  name: string;
  /** `AROA…` */
  id: string;
  path?: string;
  createdAt: string;
  trustPolicy: IamPolicyDocument;
  tags?: Record<string, string>;
  inlinePolicies?: IamModelInlinePolicy[];
  attachedPolicies?: string[];
  permissionsBoundary?: string;
  lastUsed?: { at: string; region: string };
}

/**
 * An IAM group.
 *
 * @public
 */
export interface IamModelGroup {
  name: string;
  /** `AGPA…` */
  id: string;
  path?: string;
  createdAt: string;
  inlinePolicies?: IamModelInlinePolicy[];
  attachedPolicies?: string[];
}

/**
 * A managed policy (customer managed in an account, or AWS managed).
 *
 * @public
 */
export interface IamModelManagedPolicy {
  arn: string;
  name: string;
  /** `ANPA…` */
  id: string;
  path?: string;
  document: IamPolicyDocument;
  /** Default version id, `v1` when absent. */
  versionId?: string;
  createdAt: string;
}

/**
 * The root user of an account, as the credential report shows it.
 *
 * @public
 */
export interface IamModelRoot {
  createdAt: string;
  mfa: boolean;
  accessKeys?: Array<{
    active: boolean;
    createdAt: string;
    lastUsed?: { at: string; region: string; service: string };
  }>;
}

/**
 * One AWS account with its IAM contents.
 *
 * @public
 */
export interface IamModelAccount {
  /** 12 digits. */
  id: string;
  name: string;
  email?: string;
  /** Organizations status; `ACTIVE` when absent. */
  status?: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  users: IamModelUser[];
  roles: IamModelRole[];
  groups: IamModelGroup[];
  /** Customer managed policies. */
  policies: IamModelManagedPolicy[];
  root?: IamModelRoot;
}

/**
 * A company's AWS estate: an organization of accounts and the AWS managed
 * policies they can attach.
 *
 * @public
 */
export interface IamCompanyModel {
  /** `o-…` */
  organizationId: string;
  /** The account the default credentials belong to and that may list the organization. */
  managementAccountId: string;
  /** ARN partition; `aws` when absent. */
  partition?: string;
  accounts: IamModelAccount[];
  awsManagedPolicies: IamModelManagedPolicy[];
}
