import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage NHI: non-human identities in the catalog. */
  nhi?: {
    /** Identity sources by type, then by id. */
    sources?: {
      /**
       * Microsoft Entra ID (Azure) sources: the service principals and
       * managed identities of one tenant each, read from Microsoft Graph.
       * Keyed by source id (lower case, digits and dashes).
       */
      azure?: {
        [id: string]: {
          /** The tenant (directory) id, a GUID. Required unless `microsoftGraphOrgProvider` names a provider that has one. */
          tenantId?: string;
          /** A name for the tenant, shown as the identities' account; the tenant id by default. */
          tenantName?: string;
          /**
           * Take `tenantId`, `clientId`, `clientSecret`, `target` and
           * `authority` from `catalog.providers.microsoftGraphOrg.<this
           * value>` (Backstage's Microsoft Graph org provider), so that a
           * tenant is configured once. Keys given here win.
           */
          microsoftGraphOrgProvider?: string;
          /** The application (client) id the source signs in as. Without it the Azure SDK's default chain is used (workload identity, managed identity, environment, Azure CLI). */
          clientId?: string;
          /**
           * A client secret of `clientId`.
           * @visibility secret
           */
          clientSecret?: string;
          /** Path of a PEM file with a certificate of `clientId` and its private key, instead of a secret. */
          clientCertificatePath?: string;
          /** Microsoft Graph's root, e.g. `https://graph.microsoft.us` for a national cloud (a trailing `/v1.0` is ignored). Default `https://graph.microsoft.com`. */
          target?: string;
          /** The Microsoft Entra authority host. Default `https://login.microsoftonline.com`. */
          authority?: string;
          /** The Entra admin center's root, for the identities' links. Default `https://entra.microsoft.com`. */
          portalUrl?: string;
          /** Also ingest Microsoft's own (first-party) service principals. Default false. */
          includeMicrosoftApplications?: boolean;
          /** Ingest the service principals of applications registered in other tenants (vendors' enterprise applications). Default true. */
          includeThirdPartyApplications?: boolean;
          /** Read the sign-in activity reports for last use (needs AuditLog.Read.All and an Entra ID P1 or P2 licence). Default true. */
          signInActivity?: boolean;
          /**
           * Name in `usedBy` the Azure resource a system-assigned managed
           * identity belongs to, and the GitHub repository a federated
           * credential trusts: turn on when they are named after your
           * catalog's components. Default false.
           */
          inferUsedBy?: boolean;
          /** Tag keys naming the owning team, in `key:value` tags of the application or service principal; the first present wins. Default `[owner, team]`. */
          ownerTagKeys?: string[];
          /**
           * Names the owner of a managed identity (which has no owners in
           * Entra) from its Azure resource id: a case-insensitive regular
           * expression with a named group `owner`, e.g.
           * `/resourceGroups/rg-(?<owner>[a-z0-9]+)-` when resource groups are
           * named after teams.
           */
          managedIdentityOwnerPattern?: string;
          /** Tag keys naming the environments (comma-separated values allowed). Default `[environment, env]`. */
          environmentTagKeys?: string[];
          /** Tag key naming the person who created the identity. Default `created-by`. */
          createdByTagKey?: string;
          /** Tag keys of AI-agent provenance; `agentId` marks the identity as agent-created. */
          agentTagKeys?: {
            /** Default `agent-id`. */
            agentId?: string;
            /** Default `on-behalf-of`. */
            onBehalfOf?: string;
            /** Default `reason`. */
            reason?: string;
            /** Default `expires-at`. */
            expiresAt?: string;
          };
          /** `$top` of list requests, 1 to 999. Default 999. */
          pageSize?: number;
          /** Retries of a throttled (429) or unavailable request, 0 to 10. Default 6. */
          maxRetries?: number;
          /** The longest wait before a retry, whatever `Retry-After` asks, 0 to 180 seconds. Default 120. */
          maxRetryDelaySeconds?: number;
          /** When to read; `nhi.pipeline.schedule` by default. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
