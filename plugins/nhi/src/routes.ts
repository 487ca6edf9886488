import { createRouteRef } from '@backstage/core-plugin-api';

/** The NHI page. */
export const rootRouteRef = createRouteRef({ id: 'nhi' });
