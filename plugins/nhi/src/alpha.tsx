/**
 * The Backstage NHI frontend plugin for the new frontend system.
 *
 * @packageDocumentation
 */
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  NHI_KIND,
  NhiCampaignsClient,
  NhiClient,
} from '@backstage-nhi/plugin-nhi-common';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import { nhiApiRef, nhiCampaignsApiRef } from './api';
import { rootRouteRef } from './routes';
import { NhiScorecardsClient, nhiScorecardsApiRef } from './scorecards';

/**
 * The NHI API: claims, exceptions, audit and identity sources.
 *
 * @alpha
 */
export const nhiApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: nhiApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new NhiClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * Access reviews: campaigns, decisions and evidence.
 *
 * @alpha
 */
export const nhiCampaignsApi = ApiBlueprint.make({
  name: 'campaigns',
  params: defineParams =>
    defineParams({
      api: nhiCampaignsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new NhiCampaignsClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The NHI hygiene checks of Tech Insights.
 *
 * @alpha
 */
export const nhiScorecardsApi = ApiBlueprint.make({
  name: 'scorecards',
  params: defineParams =>
    defineParams({
      api: nhiScorecardsApiRef,
      deps: { discoveryApi: discoveryApiRef, identityApi: identityApiRef },
      factory: ({ discoveryApi, identityApi }) =>
        new NhiScorecardsClient({ discoveryApi, identityApi }),
    }),
});

/**
 * The NHI page at `/nhi`, with its entry in the app's navigation.
 *
 * @alpha
 */
export const nhiPage = PageBlueprint.make({
  params: {
    path: '/nhi',
    routeRef: rootRouteRef,
    loader: () => import('./components/NhiPage').then(m => <m.NfsNhiPage />),
  },
});

const isIdentity = { kind: NHI_KIND };

/**
 * Identity page: what the identity is, who or what created it, last use,
 * permissions.
 *
 * @alpha
 */
export const nhiOverviewEntityCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    type: 'info',
    filter: isIdentity,
    loader: () =>
      import('./components/IdentityOverviewCard').then(m => (
        <m.IdentityOverviewCard />
      )),
  },
});

/**
 * Identity page: owner and provenance, the Claim button and dialog, pending
 * and past claims with review actions.
 *
 * @alpha
 */
export const nhiOwnershipEntityCard = EntityCardBlueprint.make({
  name: 'ownership',
  params: {
    type: 'info',
    filter: isIdentity,
    loader: () =>
      import('./components/OwnershipCard').then(m => <m.OwnershipCard />),
  },
});

/**
 * Identity page: score, level and findings with evidence and remediation;
 * accepted risks.
 *
 * @alpha
 */
export const nhiRiskEntityCard = EntityCardBlueprint.make({
  name: 'risk',
  params: {
    filter: isIdentity,
    loader: () => import('./components/RiskCard').then(m => <m.RiskCard />),
  },
});

/**
 * Identity page: credentials with age, last use, policy and rotation status.
 *
 * @alpha
 */
export const nhiCredentialsEntityCard = EntityCardBlueprint.make({
  name: 'credentials',
  params: {
    filter: isIdentity,
    loader: () =>
      import('./components/CredentialsCard').then(m => <m.CredentialsCard />),
  },
});

/**
 * Identity page: the audit trail, as its own tab.
 *
 * @alpha
 */
export const nhiAuditEntityContent = EntityContentBlueprint.make({
  name: 'audit',
  params: {
    path: '/audit',
    title: 'Audit history',
    filter: isIdentity,
    loader: () => import('./components/AuditCard').then(m => <m.AuditCard />),
  },
});

/**
 * Component page: the identities it uses, with risk and rotation, and how to
 * declare them.
 *
 * @alpha
 */
export const nhiUsedIdentitiesEntityCard = EntityCardBlueprint.make({
  name: 'used-identities',
  params: {
    filter: { kind: 'component' },
    loader: () =>
      import('./components/UsedIdentitiesCard').then(m => (
        <m.UsedIdentitiesCard />
      )),
  },
});

/**
 * Group page: identities owned, by category and risk level, and overdue
 * rotations.
 *
 * @alpha
 */
export const nhiOwnedIdentitiesEntityCard = EntityCardBlueprint.make({
  name: 'owned-identities',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/OwnedIdentitiesCard').then(m => (
        <m.OwnedIdentitiesCard />
      )),
  },
});

/**
 * Group page: claims for this team waiting for review, with approve and
 * reject in place.
 *
 * @alpha
 */
export const nhiTeamReviewEntityCard = EntityCardBlueprint.make({
  name: 'team-review',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/TeamReviewCard').then(m => <m.TeamReviewCard />),
  },
});

/**
 * Group page: access reviews waiting for a decision on the team's
 * identities.
 *
 * @alpha
 */
export const nhiWaitingReviewsEntityCard = EntityCardBlueprint.make({
  name: 'waiting-reviews',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/campaigns').then(m => <m.TeamWaitingReviewsCard />),
  },
});

/**
 * Component or Group page: the NHI hygiene scorecard from Tech Insights.
 *
 * @alpha
 */
export const nhiScorecardEntityCard = EntityCardBlueprint.make({
  name: 'scorecard',
  params: {
    filter: { kind: { $in: ['component', 'group'] } },
    loader: () =>
      import('./components/ScorecardCard').then(m => <m.ScorecardCard />),
  },
});

/**
 * The Backstage NHI plugin for the new frontend system: the NHI APIs, the
 * `/nhi` page and the entity cards and content.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'nhi',
  title: 'Non-human identities',
  icon: <VpnKeyIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  routes: { root: rootRouteRef },
  extensions: [
    nhiApi,
    nhiCampaignsApi,
    nhiScorecardsApi,
    nhiPage,
    nhiOverviewEntityCard,
    nhiOwnershipEntityCard,
    nhiRiskEntityCard,
    nhiCredentialsEntityCard,
    nhiAuditEntityContent,
    nhiUsedIdentitiesEntityCard,
    nhiOwnedIdentitiesEntityCard,
    nhiTeamReviewEntityCard,
    nhiWaitingReviewsEntityCard,
    nhiScorecardEntityCard,
  ],
});
