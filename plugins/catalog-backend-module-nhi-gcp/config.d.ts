import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage NHI: non-human identities in the catalog. */
  nhi?: {
    /** Identity sources by type, then by id. */
    sources?: {
      /**
       * Google Cloud sources: service accounts of an organization's
       * projects (or of listed projects), their user-managed keys, last
       * authentication, IAM grants and workload identity federation. Keyed
       * by source id (lower case, digits and dashes).
       */
      gcp?: {
        [id: string]: {
          /**
           * Numeric id of the organization (quoted in YAML): every active
           * project under it, in folders too, is read. Give
           * `organizationId`, `projects`, or both.
           */
          organizationId?: string;
          /** Project ids read in any case, e.g. projects outside the organization. */
          projects?: string[];
          /** Project ids not to read. */
          excludeProjects?: string[];
          /**
           * How to authenticate. Without it, Application Default Credentials
           * (GOOGLE_APPLICATION_CREDENTIALS, GKE workload identity, the
           * metadata server).
           */
          credentials?: {
            /** Path of a service-account key file or an external-account (workload identity federation) configuration file. */
            keyFile?: string;
            /**
             * A fixed OAuth 2.0 access token: for development, emulators and
             * demos (Google's tokens expire within an hour).
             * @visibility secret
             */
            accessToken?: string;
          };
          /** One root URL for Resource Manager, IAM, Cloud Asset Inventory and Policy Analyzer (emulators, tests, demos). */
          rootUrl?: string;
          /** Also ingest Google-managed service agents (`service-…@gcp-sa-…`). Default false. */
          includeGoogleManaged?: boolean;
          /** Project label keys naming the owner, first present wins. Default `[team, owner]`. */
          ownerLabelKeys?: string[];
          /** Project label keys naming the environment, first present wins. Default `[environment, env]`. */
          environmentLabelKeys?: string[];
          /** Owners by project id (a group or user name or entity ref); wins over labels. */
          projectOwners?: { [projectId: string]: string };
          /**
           * Read the last authentication of accounts and keys from Policy
           * Analyzer. A project whose activity cannot be read then fails
           * (its identities keep their previous state). Default true.
           */
          lastAuthentication?: boolean;
          /**
           * An account without recorded authentication is reported as not
           * used within this many days: keep it at most Policy Analyzer's
           * tracking period. Default 90.
           */
          activityWindowDays?: number;
          /**
           * Read keys and the accounts' IAM policies in bulk from Cloud Asset
           * Inventory (two calls per project). Where it is not enabled or
           * not allowed, and when false, one call per account. Default true.
           */
          assetInventory?: boolean;
          /** Projects read at the same time. Default 4. */
          concurrency?: number;
          /** Attempts per call, the first included, when throttled or failing transiently. Default 6. */
          maxAttempts?: number;
          /** Longest wait before a retry, `Retry-After` included, in seconds. Default 60. */
          maxRetryDelaySeconds?: number;
          /** When to read; defaults to `nhi.pipeline.schedule`. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
