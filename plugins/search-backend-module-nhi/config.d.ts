import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Backstage search. */
  search?: {
    /** Collators by id. */
    collators?: {
      /**
       * Backstage NHI: the collator of non-human identities (document type
       * `nhi-identity`), which reads every identity from the catalog
       * module's inventory export.
       */
      nhi?: {
        /**
         * When the identities are indexed. Default every 30 minutes,
         * timeout 30 minutes, first run a minute after start. A run reads
         * every identity: at 450,000 keep it at least every 30 minutes.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /** Identities read per request of the export, 1 to 1000; default 1000. */
        pageSize?: number;
      };
    };
  };
}
