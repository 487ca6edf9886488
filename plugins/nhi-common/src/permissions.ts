import { createPermission } from '@backstage/plugin-permission-common';

/**
 * See the state of the identity sources (last run, counts, errors).
 *
 * @public
 */
export const nhiSourceReadPermission = createPermission({
  name: 'nhi.source.read',
  attributes: { action: 'read' },
});

/**
 * Start a run of an identity source now, outside its schedule.
 *
 * @public
 */
export const nhiSourceRunPermission = createPermission({
  name: 'nhi.source.run',
  attributes: { action: 'update' },
});

/**
 * Every permission of the NHI pipeline.
 *
 * @public
 */
export const nhiSourcePermissions = [
  nhiSourceReadPermission,
  nhiSourceRunPermission,
];
