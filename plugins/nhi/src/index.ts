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
} from './plugin';
export { nhiApiRef } from './api';
export { isNonHumanIdentityEntity } from '@backstage-nhi/nhi-common';
