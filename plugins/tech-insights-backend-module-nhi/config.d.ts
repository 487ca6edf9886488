/** A duration as an object, e.g. `{ minutes: 30 }`. */
interface NhiDuration {
  /** Years. */
  years?: number;
  /** Months. */
  months?: number;
  /** Weeks. */
  weeks?: number;
  /** Days. */
  days?: number;
  /** Hours. */
  hours?: number;
  /** Minutes. */
  minutes?: number;
  /** Seconds. */
  seconds?: number;
  /** Milliseconds. */
  milliseconds?: number;
}

/**
 * Schedule and retention of one NHI fact retriever, read by the
 * tech-insights backend. Without it the retriever does not run.
 */
interface NhiFactRetrieverConfig {
  /**
   * Cron expression for when the retriever runs (the README suggests one per
   * retriever). Each run streams every NonHumanIdentity from the catalog once.
   */
  cadence: string;
  /**
   * Which fact rows to keep per entity when the retriever runs: the newest
   * `maxItems` rows, or rows younger than `timeToLive`. Without a lifecycle,
   * rows are never deleted.
   */
  lifecycle?:
    | {
        /** How many of the newest fact rows to keep per entity, e.g. 2. */
        maxItems: number;
      }
    | {
        /** How long to keep fact rows, e.g. `{ weeks: 2 }`. */
        timeToLive: NhiDuration;
      };
  /** How long a run may take; tech-insights' default is 5 minutes. */
  timeout?: NhiDuration;
  /** Delay before the first run after start-up; default 5 seconds. */
  initialDelay?: NhiDuration;
}

export interface Config {
  /** Backstage NHI. */
  nhi?: {
    /** NHI scorecards on Tech Insights. */
    scorecards?: {
      /**
       * The graded team checks the NHI fact checker adds
       * (`nhi-group-ownership-coverage`, `nhi-group-credentials-within-policy`,
       * `nhi-group-dormant-share`, `nhi-group-critical-per-100`), with their
       * thresholds. A check configured under `techInsights.factChecker.checks`
       * with the same id wins.
       */
      groups?: {
        /** Whether the graded team checks are added. Default true. */
        enabled?: boolean;
        /**
         * Ownership coverage at least this percentage (0–100) of the
         * identities a team answers for: those it owns and the unowned ones
         * its components use. Default 90.
         */
        ownershipCoverage?: number;
        /**
         * Active credentials of the team's identities within their rotation
         * policy, at least this percentage (0–100). Default 90.
         */
        credentialsWithinPolicy?: number;
        /** Dormant identities at most this percentage (0–100) of the team's. Default 10. */
        dormantShare?: number;
        /** Critical identities at most this many per 100 of the team's. Default 1. */
        criticalPer100?: number;
      };
    };
  };
  /** Tech Insights. */
  techInsights?: {
    /** Fact retrievers by id, scheduled by the tech-insights backend. */
    factRetrievers?: {
      /**
       * Backstage NHI: facts about the non-human identities each Component
       * uses (identities, critical, high, unowned, dormant, overdueRotation,
       * leaked, admin, agentsWithoutExpiry, ownershipCoverage,
       * oldestCredentialAgeDays). Suggested: every six hours, lifecycle
       * `{ maxItems: 2 }`, timeout `{ minutes: 30 }`.
       */
      nhiComponentFactRetriever?: NhiFactRetrieverConfig;
      /**
       * Backstage NHI: facts about the non-human identities each Group owns
       * directly (not those of its child groups). Suggested: every six hours,
       * lifecycle `{ maxItems: 2 }`, timeout `{ minutes: 30 }`.
       */
      nhiGroupFactRetriever?: NhiFactRetrieverConfig;
      /**
       * Backstage NHI, opt-in: facts about each NonHumanIdentity, one fact row
       * per identity per run (450,000 rows a run at 450,000 identities).
       * Suggested: daily, lifecycle `{ maxItems: 1 }`, timeout
       * `{ minutes: 60 }`.
       */
      nhiIdentityFactRetriever?: NhiFactRetrieverConfig;
    };
  };
}
