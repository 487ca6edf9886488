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
      /**
       * A run that would remove more than this percentage of a source's
       * identities, or all of them, is held instead of applied: an empty or
       * truncated export must not wipe a source. A person with
       * `nhi.source.run` confirms a held removal (NHI page, Sources), or the
       * next run does if it would remove the same identities. 0 to 100;
       * default 20.
       */
      maxRemovalPercent?: number;
    };

    /**
     * Risk evaluation: thresholds, rotation policies and rules. Every rule is
     * listed in docs/rules.md.
     */
    evaluation?: {
      /** No use for this many days makes an identity or credential dormant. Default 90. */
      dormantDays?: number;
      /** A never-used credential older than this many days is a finding. Default 30. */
      neverUsedGraceDays?: number;
      /**
       * An identity unowned for longer than this many days (since the nhi
       * backend first saw it unowned) is a critical finding,
       * NHI-UNOWNED-PAST-GRACE, and listed for deactivation. Default 30.
       */
      unownedGraceDays?: number;
      /** More services than this sharing one identity is a finding. Default 1. */
      maxServicesPerIdentity?: number;
      /** Environment names that count as production. Default production, prod, prd. */
      productionEnvironments?: string[];
      /** Words in a component name that mark it as CI/CD (static CI credential rule). */
      ciPatterns?: string[];
      /**
       * Rotation policies, applied before the defaults; the first whose
       * `match` fits a credential applies.
       */
      rotation?: Array<{
        /** Which credentials: by credential kind, identity category and identity type. */
        match?: { kind?: string; category?: string; type?: string };
        /** Maximum age since creation or last rotation, in days (1 = 24 hours). */
        maxAgeDays?: number;
        /** Judge by expiry only (certificates): a missing expiry is a finding. */
        byExpiry?: boolean;
        /** Days before the due date or expiry that count as due soon. Default 14. */
        dueSoonDays?: number;
        /** Name shown with the rotation status. */
        name?: string;
      }>;
      /** Per-rule settings, by rule id (e.g. NHI-SHARED-IDENTITY). */
      rules?: {
        [ruleId: string]: {
          /** Set false to switch the rule off. */
          enabled?: boolean;
          /** Override the rule's severity. */
          severity?: 'critical' | 'high' | 'medium' | 'low';
        };
      };
    };

    /**
     * Secret-scanner reports, read on every run and matched to ingested
     * credentials by id. Findings name where the credential was found, never
     * the secret. Keyed by report id.
     */
    leaks?: {
      [id: string]: {
        /** A path or an http(s) URL (read through the UrlReader). */
        target: string;
        /** The scanner's JSON format. */
        format: 'gitleaks' | 'trufflehog';
      };
    };

    /**
     * Trends: a daily snapshot of the inventory summary's headline figures
     * (identities, ownership coverage, risk levels, past rotation, dormant)
     * for the whole inventory and each team, served at
     * `/api/catalog/nhi/trends` for the NHI page and the team card.
     */
    trends?: {
      /**
       * When the snapshot task runs; each run rewrites the current day's
       * figures (UTC), so the day keeps its last ones. Default every hour,
       * timeout 15 minutes, first run two minutes after start.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /** Days of snapshots kept, today included; 1 to 3650, default 400. */
      retentionDays?: number;
    };

    /** How the owners that sources name are resolved to catalog Groups and Users. */
    ownership?: {
      /**
       * Owner names as sources write them (tag values such as
       * `payments-eng`, `Payments Engineering`) that are not the name,
       * title or e-mail of a catalog entity, mapped to the Group or User
       * they stand for. Matched whole and regardless of case. The Sources
       * card lists the owner names no entity matched, with counts.
       */
      aliases?: Array<{
        /** The Group or User entity ref, e.g. `group:default/payments`. */
        owner: string;
        /** The names that stand for it. */
        names: string[];
      }>;
      /**
       * The human an AI agent acted for (its `on-behalf-of` tag) answers for
       * an identity the agent created that no tag, claim or declaring
       * component gives an owner: `owner` makes that person its owner
       * (provenance `agent-sponsor`, their teams suggested); `suggest` leaves
       * it unowned with their teams suggested. Default `owner`.
       */
      agentSponsor?: 'owner' | 'suggest';
    };

    /**
     * Remediation actions the sources offer (deactivate a key, tag, create
     * an AI agent's identity…): how the portal runs them.
     */
    actions?: {
      /**
       * The two-person rule: an action it covers runs only after a second
       * person with `nhi.action.confirm` confirms it.
       */
      twoPersonRule?: {
        /** On for the destructive actions (delete a key, remove a console password). Default false. */
        enabled?: boolean;
        /** The actions it covers instead of the destructive ones, e.g. `[access-key:delete]`. */
        actions?: string[];
      };
      /** AI-agent identities created through the portal. */
      agentIdentity?: {
        /** Expiry when the form gives none, in hours. Default 24. */
        defaultExpiryHours?: number;
        /** The longest expiry anyone may give, in hours. Default 168 (a week). */
        maxExpiryHours?: number;
      };
      /** What happens when an agent-created identity passes its `expires-at`. */
      expiryEnforcement?: {
        /**
         * `off` (the findings say so; default), `report` (the owner is
         * notified once, and it is logged), or `deactivate` (also disabled,
         * reversibly: keys deactivated, a deny-all policy on a role).
         */
        mode?: 'off' | 'report' | 'deactivate';
        /** How often to look. Default every 15 minutes. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
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
