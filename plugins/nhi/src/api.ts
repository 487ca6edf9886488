import { createApiRef } from '@backstage/core-plugin-api';
import { NhiApi } from '@backstage-nhi/plugin-nhi-common';

/**
 * The Backstage NHI API (claims, exceptions, audit, sources).
 *
 * @public
 */
export const nhiApiRef = createApiRef<NhiApi>({ id: 'plugin.nhi.api' });
