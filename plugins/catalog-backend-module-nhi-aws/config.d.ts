import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage NHI: non-human identities in the catalog. */
  nhi?: {
    /** Identity sources by type, then by id. */
    sources?: {
      /**
       * AWS IAM sources: IAM users, access keys and roles of AWS accounts or
       * of a whole AWS Organization. Keyed by source id (lower case, digits
       * and dashes).
       */
      aws?: {
        [id: string]: {
          /** Accounts read directly. Give `accounts`, `organization`, or both. */
          accounts?: Array<{
            /** The 12-digit account id, quoted in YAML so that a leading zero survives. */
            accountId: string;
            /** Role to assume in the account; without it the base credentials must belong to this account. */
            roleArn?: string;
            /** External id required by the role's trust policy. */
            externalId?: string;
            /** Region of the IAM and STS endpoints for this account; defaults to `region`. */
            region?: string;
          }>;
          /** Read every active account of an AWS Organization. */
          organization?: {
            /** Role in the management (or delegated administrator) account allowed `organizations:ListAccounts`; the base credentials when absent. */
            roleArn?: string;
            /** Name of the read-only role assumed in every member account (from the base credentials), e.g. `NhiReadOnly`. */
            accountRoleName: string;
            /** External id passed when assuming the organization role and the member roles. */
            externalId?: string;
            /** Account ids not to read. */
            exclude?: string[];
          };
          /**
           * The id (`o-…`) of the AWS Organization the accounts belong to.
           * With `organization` it is read (DescribeOrganization) and this is
           * not needed. Trust in any principal of this organization
           * (`aws:PrincipalOrgID`) is then not third-party trust, and one in
           * another organization is named as such.
           */
          organizationId?: string;
          /**
           * More accounts of your organization that this source does not
           * read (12-digit ids, quoted): roles trusting them are not flagged
           * as third-party trust. The accounts read, and with
           * `organization` every account the organization lists, count
           * already.
           */
          organizationAccounts?: string[];
          /**
           * Region of the IAM, STS and Organizations endpoints and of probe
           * ARNs. Its partition names ARNs and console links:
           * `us-gov-west-1` → `aws-us-gov`, `cn-north-1` → `aws-cn`.
           * Default `us-east-1`.
           */
          region?: string;
          /** One endpoint URL for IAM, STS and Organizations, e.g. an IAM-compatible emulator in tests and demos. */
          endpoint?: string;
          /** Also ingest service-linked roles (`/aws-service-role/`, `AWSServiceRoleFor…`). Default false. */
          includeServiceLinkedRoles?: boolean;
          /** Tag keys that name an identity's owner, first present wins (case-insensitive). Default `[owner, team]`. */
          ownerTagKeys?: string[];
          /** Tag keys that name the environments an identity is used in, first present wins. Default `[environment, env]`. */
          environmentTagKeys?: string[];
          /** Tag key naming the person who created an identity. Default `created-by`. */
          createdByTagKey?: string;
          /** Tag keys of the provenance of identities AI agents create. */
          agentTagKeys?: {
            /** The agent's id; its presence marks the identity as agent-created. Default `agent-id`. */
            agentId?: string;
            /** The human the agent acted for. Default `on-behalf-of`. */
            onBehalfOf?: string;
            /** Why the agent created it. Default `reason`. */
            reason?: string;
            /** When it must expire (ISO 8601). Default `expires-at`. */
            expiresAt?: string;
          };
          /** Accounts read at the same time. Default 4. */
          concurrency?: number;
          /** Attempts per AWS call, including the first, with the SDK's adaptive retry. Default 8. */
          maxAttempts?: number;
          /** `MaxItems` of each GetAccountAuthorizationDetails page, 1 to 1000. Default 1000. */
          pageSize?: number;
          /** How the IAM credential report is awaited. */
          credentialReport?: {
            /** Seconds between status checks while the report is generated. Default 2. */
            pollIntervalSeconds?: number;
            /** Seconds to wait for the report before the account fails. Default 300. */
            timeoutSeconds?: number;
          };
          /** When to read; defaults to `nhi.pipeline.schedule`. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
          /**
           * Remediation actions on this source's identities (deactivate or
           * delete an access key, remove a console password, tag, disable,
           * create an AI agent's role). None unless configured. They write
           * with their own role, never the read-only one.
           */
          actions?: {
            /**
             * Name of the role assumed in an identity's account for
             * actions, e.g. `NhiActions`; its policy is in the README.
             */
            roleName: string;
            /** External id the actions role's trust policy requires. */
            externalId?: string;
            /** AI-agent identities created through the portal. */
            agentIdentity?: {
              /**
               * The agent runtime's principal the role trusts: an IAM role,
               * user or account ARN, or an AWS service such as
               * `bedrock.amazonaws.com`. The form may name another.
               */
              trustPrincipal?: string;
              /** The 12-digit account roles are created in when the form names none (quoted). */
              defaultAccount?: string;
              /** IAM path of the agent roles. Default `/nhi-agents/`. */
              path?: string;
              /** Managed policy ARN set as every agent role's permissions boundary. */
              permissionsBoundary?: string;
            };
          };
        };
      };
    };
  };
}
