/**
 * The `apiVersion` of NonHumanIdentity entities.
 *
 * @public
 */
export const NHI_API_VERSION = 'backstage-nhi.io/v1alpha1';

/**
 * The catalog kind of a non-human identity.
 *
 * @public
 */
export const NHI_KIND = 'NonHumanIdentity';

/**
 * Annotation on a NonHumanIdentity entity naming the source (as
 * `<type>:<id>`, e.g. `aws:production`) that ingested it. Absent on
 * identities declared by hand in a `catalog-info.yaml`.
 *
 * @public
 */
export const ANNOTATION_NHI_SOURCE = 'backstage-nhi.io/source';

/**
 * Annotation on a Component or Resource declaring the non-human identities it
 * uses: a comma- or newline-separated list of external ids (ARNs, key ids,
 * token ids…), entity names or glob patterns (`*` within one `/`-separated
 * segment, `**` across segments), e.g.
 * `arn:aws:iam::*:role/payments-*, AKIAIOSFODNN7EXAMPLE`.
 *
 * The pipeline links every matching identity to the component
 * (`dependsOn`/`dependencyOf`) and, when the identity has no better owner,
 * infers the component's owner as the identity's owner.
 *
 * @public
 */
export const ANNOTATION_NHI_IDENTITIES = 'backstage-nhi.io/identities';

/**
 * Annotation on a Group naming its leads: a comma-separated list of user
 * entity refs. Leads may review ownership claims for their group when the
 * claims backend is configured to let them.
 *
 * @public
 */
export const ANNOTATION_NHI_LEADS = 'backstage-nhi.io/leads';

/**
 * Relation from an identity to the user, component (pipeline) or identity
 * (agent) that created it.
 *
 * @public
 */
export const RELATION_CREATED_BY = 'createdBy';

/**
 * Reverse of {@link RELATION_CREATED_BY}.
 *
 * @public
 */
export const RELATION_CREATOR_OF = 'creatorOf';

/**
 * Relation from an identity to the human it acts for: an AI agent's
 * accountable human, or the human an agent acted for when it created the
 * identity. Together with {@link RELATION_CREATED_BY} it lets the catalog
 * graph walk a delegation chain.
 *
 * @public
 */
export const RELATION_ACTS_ON_BEHALF_OF = 'actsOnBehalfOf';

/**
 * Reverse of {@link RELATION_ACTS_ON_BEHALF_OF}.
 *
 * @public
 */
export const RELATION_HAS_DELEGATE = 'hasDelegate';

/**
 * The owner value used in filters and the UI for identities nobody owns.
 * Stored as `spec.ownership.status: unowned`.
 *
 * @public
 */
export const UNOWNED = 'unowned';
