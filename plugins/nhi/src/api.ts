import { createApiRef } from '@backstage/core-plugin-api';
import { NhiApi, NhiCampaignsApi } from '@backstage-nhi/plugin-nhi-common';

/**
 * The Backstage NHI API (claims, exceptions, audit, sources).
 *
 * @public
 */
export const nhiApiRef = createApiRef<NhiApi>({ id: 'plugin.nhi.api' });

/**
 * Access reviews of non-human identities: campaigns, decisions, evidence and
 * the unowned-identity policy's list.
 *
 * @public
 */
export const nhiCampaignsApiRef = createApiRef<NhiCampaignsApi>({
  id: 'plugin.nhi.campaigns',
});
