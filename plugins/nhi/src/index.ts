/**
 * The Backstage NHI frontend plugin.
 *
 * @packageDocumentation
 */

export {
  nhiPlugin,
  NhiPage,
  EntityNhiOverviewCard,
  EntityNhiRiskCard,
  EntityNhiCredentialsCard,
  EntityNhiOwnershipCard,
  EntityNhiAuditCard,
  EntityNhiUsedIdentitiesCard,
  EntityNhiOwnedIdentitiesCard,
  EntityNhiTeamReviewCard,
  EntityNhiScorecardCard,
  EntityNhiWaitingReviewsCard,
} from './plugin';
export { nhiScorecardsApiRef, NhiScorecardsClient } from './scorecards';
export type { NhiScorecardsApi } from './scorecards';
export { nhiApiRef, nhiCampaignsApiRef } from './api';
export { isNonHumanIdentityEntity } from '@backstage-nhi/plugin-nhi-common';
