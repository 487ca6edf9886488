import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
} from '@backstage/core-plugin-api';
import {
  NhiCampaignsClient,
  NhiClient,
} from '@backstage-nhi/plugin-nhi-common';
import { nhiApiRef, nhiCampaignsApiRef } from './api';
import { NhiScorecardsClient, nhiScorecardsApiRef } from './scorecards';
import { rootRouteRef } from './routes';

/**
 * The Backstage NHI frontend plugin.
 *
 * @public
 */
export const nhiPlugin = createPlugin({
  id: 'nhi',
  apis: [
    createApiFactory({
      api: nhiApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new NhiClient({ discoveryApi, fetchApi }),
    }),
    createApiFactory({
      api: nhiCampaignsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new NhiCampaignsClient({ discoveryApi, fetchApi }),
    }),
    createApiFactory({
      api: nhiScorecardsApiRef,
      deps: { discoveryApi: discoveryApiRef, identityApi: identityApiRef },
      factory: ({ discoveryApi, identityApi }) =>
        new NhiScorecardsClient({ discoveryApi, identityApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/**
 * The NHI page: overview, inventory, unowned identities, claims to review, rules.
 *
 * @public
 */
export const NhiPage = nhiPlugin.provide(
  createRoutableExtension({
    name: 'NhiPage',
    component: () => import('./components/NhiPage').then(m => m.NhiPage),
    mountPoint: rootRouteRef,
  }),
);

function card<T extends string>(
  name: T,
  load: () => Promise<() => JSX.Element | null>,
) {
  return nhiPlugin.provide(
    createComponentExtension({ name, component: { lazy: load } }),
  );
}

/**
 * Identity page: what the identity is, who or what created it, last use,
 * permissions.
 *
 * @public
 */
export const EntityNhiOverviewCard = card('EntityNhiOverviewCard', () =>
  import('./components/IdentityOverviewCard').then(m => m.IdentityOverviewCard),
);

/**
 * Identity page: score, level and findings with evidence and remediation;
 * accepted risks.
 *
 * @public
 */
export const EntityNhiRiskCard = card('EntityNhiRiskCard', () =>
  import('./components/RiskCard').then(m => m.RiskCard),
);

/**
 * Identity page: credentials with age, last use, policy and rotation status.
 *
 * @public
 */
export const EntityNhiCredentialsCard = card('EntityNhiCredentialsCard', () =>
  import('./components/CredentialsCard').then(m => m.CredentialsCard),
);

/**
 * Identity page: owner and provenance, the Claim button and dialog, pending
 * and past claims with review actions.
 *
 * @public
 */
export const EntityNhiOwnershipCard = card('EntityNhiOwnershipCard', () =>
  import('./components/OwnershipCard').then(m => m.OwnershipCard),
);

/**
 * Identity page: the audit trail.
 *
 * @public
 */
export const EntityNhiAuditCard = card('EntityNhiAuditCard', () =>
  import('./components/AuditCard').then(m => m.AuditCard),
);

/**
 * Component (or Resource) page: the identities it uses, with risk and
 * rotation, and how to declare them.
 *
 * @public
 */
export const EntityNhiUsedIdentitiesCard = card(
  'EntityNhiUsedIdentitiesCard',
  () =>
    import('./components/UsedIdentitiesCard').then(m => m.UsedIdentitiesCard),
);

/**
 * Group (or User) page: identities owned, by category and risk level, and
 * overdue rotations, from one facet query.
 *
 * @public
 */
export const EntityNhiOwnedIdentitiesCard = card(
  'EntityNhiOwnedIdentitiesCard',
  () =>
    import('./components/OwnedIdentitiesCard').then(m => m.OwnedIdentitiesCard),
);

/**
 * Group page: claims for this team waiting for review, with approve and
 * reject in place.
 *
 * @public
 */
export const EntityNhiTeamReviewCard = card('EntityNhiTeamReviewCard', () =>
  import('./components/TeamReviewCard').then(m => m.TeamReviewCard),
);

/**
 * Component or Group page: the NHI hygiene scorecard from Tech Insights.
 *
 * @public
 */
export const EntityNhiScorecardCard = card('EntityNhiScorecardCard', () =>
  import('./components/ScorecardCard').then(m => m.ScorecardCard),
);

/**
 * Group page: access reviews waiting for a decision on the team's
 * identities, with a link to each campaign.
 *
 * @public
 */
export const EntityNhiWaitingReviewsCard = card(
  'EntityNhiWaitingReviewsCard',
  () => import('./components/campaigns').then(m => m.TeamWaitingReviewsCard),
);
