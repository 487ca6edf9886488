import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage NHI: non-human identities in the catalog. */
  nhi?: {
    /** Settings of the ingestion pipeline shared by all sources. */
    pipeline?: {
      /**
       * When sources without a schedule of their own run.
       * Default: every 30 minutes, timeout 20 minutes, first run shortly after start.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /**
       * Entities per catalog mutation. Larger batches mean fewer, longer
       * transactions. Default 1000.
       */
      batchSize?: number;
      /**
       * Kinds whose `backstage-nhi.io/identities` annotation declares the
       * identities they use. Default: Component and Resource.
       */
      declaringKinds?: string[];
    };

    /** Identity sources by type, then by id. */
    sources?: {
      /**
       * Inventory files or URLs (YAML or JSON) listing identities of any
       * system, e.g. Vault tokens, Datadog API keys, certificates, AI-agent
       * credentials. Keyed by source id.
       */
      file?: {
        [id: string]: {
          /**
           * A path (absolute, or relative to the backend's working directory)
           * or an http(s) URL read through Backstage's UrlReader (the host
           * must be allowed in `backend.reading.allow` or an integration).
           */
          target: string;
          /** `yaml` or `json`; by default from the target's extension, else YAML. */
          format?: 'yaml' | 'json';
          /** When to read it; defaults to `nhi.pipeline.schedule`. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
