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
  };
}
