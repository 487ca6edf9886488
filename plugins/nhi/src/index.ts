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
} from './plugin';
export { nhiScorecardsApiRef, NhiScorecardsClient } from './scorecards';
export type { NhiScorecardsApi } from './scorecards';
export { nhiApiRef } from './api';
export { isNonHumanIdentityEntity } from '@backstage-nhi/plugin-nhi-common';
