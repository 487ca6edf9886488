import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage NHI: non-human identities in the catalog. */
  nhi?: {
    /** Identity sources by type, then by id. */
    sources?: {
      /**
       * GitHub sources: GitHub App installations, deploy keys, fine-grained
       * personal access tokens granted to organizations, Actions secrets
       * (metadata only) and the Actions OIDC subject of GitHub
       * organizations. Credentials come from the `integrations.github`
       * entry of the host (a GitHub App or a token). Keyed by source id
       * (lower case, digits and dashes).
       */
      github?: {
        [id: string]: {
          /** The GitHub host, matched against `integrations.github[].host`. Default `github.com`. */
          host?: string;
          /** Logins of the organizations to read. */
          organizations: string[];
          /** Repository custom properties that name the owning team or person, first present wins (case-insensitive). Default `[owner, team]`. */
          ownerProperties?: string[];
          /** Whether the catch-all rule of a repository's CODEOWNERS names its owner when no custom property does. Default true. */
          codeowners?: boolean;
          /** Path of the catalog file in each repository (as the GitHub catalog module's `catalogPath`): the Components it defines use the repository's deploy keys and secrets. Default `catalog-info.yaml`. */
          catalogPath?: string;
          /** Whether a repository without that file stands for the component of its name. Default true. */
          repositoryNameAsComponent?: boolean;
          /** Also read the Actions secrets of archived repositories (workflows do not run there). Default false. */
          includeArchived?: boolean;
          /** Repositories whose REST data is read at the same time. Default 4. */
          concurrency?: number;
          /** How the source keeps to GitHub's rate limits. */
          rateLimit?: {
            /** Share (0–90 %) of each hourly budget a run leaves for the rest of Backstage; the run stops there and the next continues. Default 10. */
            reservePercent?: number;
            /** Times a request refused by a secondary rate limit is retried after its `retry-after`. Default 3. */
            maxRetries?: number;
            /** Longest `retry-after` waited out, in seconds; a longer one fails the request. Default 120. */
            maxWaitSeconds?: number;
          };
          /** When to read; defaults to `nhi.pipeline.schedule`. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
