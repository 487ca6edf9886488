export interface Config {
  nhi?: {
    /** Ownership claims, reviews and exceptions (the nhi backend plugin). */
    claims?: {
      /** Who reviews claims and exception requests. */
      reviewers?: {
        /**
         * Groups whose members may review any claim and decide requests to
         * accept high or critical findings, e.g. group:default/security.
         */
        groups?: string[];
        /**
         * Whether the leads of a group (annotation backstage-nhi.io/leads on
         * the Group) may review claims for it, and consent to transfers of
         * identities it owns. Default true.
         */
        groupLeads?: boolean;
      };
      /** Whether a reviewer may approve or reject their own claim or request. Default false. */
      allowSelfApproval?: boolean;
      /** Whether a claimant must be a member of the group they claim for. Default true. */
      requireMembership?: boolean;
      /** The groups identities can be claimed for. */
      groups?: {
        /**
         * The `spec.type`s of groups that can own identities; a claim for a
         * group of another type (a department, an organization) is refused.
         * Default [team].
         */
        types?: string[];
        /**
         * Groups that can never own identities even though their type
         * matches, e.g. group:default/guests.
         */
        exclude?: string[];
      };
      /**
       * Longest exception (accepted risk) for a medium or low finding, in
       * days. Default 365.
       */
      maxExceptionDays?: number;
      /**
       * Longest exception for a high or critical finding, in days; at most
       * maxExceptionDays. Default 90.
       */
      maxHighRiskExceptionDays?: number;
      /**
       * Whether a leaked credential (rule NHI-LEAKED-CREDENTIAL) may be
       * accepted at all, by a reviewer. Default false: it must be rotated.
       */
      acceptLeakedCredentials?: boolean;
    };

    /** Access reviews (certification campaigns) of non-human identities. */
    campaigns?: {
      /**
       * The group that reviews unowned identities, and overdue items once
       * escalated. Default group:default/security.
       */
      fallbackGroup?: string;
      /** Reminder defaults of a new campaign. */
      reminders?: {
        /** Remind reviewers with undecided items every this many days (0: never). Default 7. */
        everyDays?: number;
        /** Remind them this many days before the due date (0: not). Default 3. */
        dueSoonDays?: number;
      };
      /** Escalation of overdue items. */
      escalation?: {
        /**
         * Overdue items go to the owner team's leads at once, and to the
         * fallback group this many days after the due date. Default 3.
         */
        fallbackAfterDays?: number;
      };
      /**
       * How often reminders, escalation, recurring campaigns and open
       * remediations are checked, in minutes. Default 15.
       */
      checkEveryMinutes?: number;
      /** The most identities one campaign may hold. Default 500000. */
      maxItems?: number;
    };
    /**
     * The unowned-identity policy: since when each identity is unowned,
     * notices to its suggested owners, and the list for deactivation once
     * past nhi.evaluation.unownedGraceDays (30 by default).
     */
    unowned?: {
      /** Days of being unowned on which the suggested owners are notified. Default [0, 7, 21]. */
      notifyDays?: number[];
      /** How often the unowned identities are read from the inventory, in minutes. Default 60. */
      checkEveryMinutes?: number;
    };
  };
}
