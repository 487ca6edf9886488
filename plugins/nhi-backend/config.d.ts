export interface Config {
  nhi?: {
    /** Ownership claims, reviews and exceptions (the nhi backend plugin). */
    claims?: {
      /** Who reviews claims. */
      reviewers?: {
        /** Groups whose members may review any claim, e.g. group:default/security. */
        groups?: string[];
        /**
         * Whether the leads of the claimed group (annotation
         * backstage-nhi.io/leads on the Group) may review claims for it.
         * Default true.
         */
        groupLeads?: boolean;
      };
      /** Whether a reviewer may approve or reject their own claim. Default false. */
      allowSelfApproval?: boolean;
      /** Whether a claimant must be a member of the group they claim for. Default true. */
      requireMembership?: boolean;
      /** Longest exception (accepted risk), in days. Default 365. */
      maxExceptionDays?: number;
    };
  };
}
