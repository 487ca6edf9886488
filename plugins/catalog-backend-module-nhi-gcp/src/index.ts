/**
 * The Google Cloud identity source of Backstage NHI: service accounts of an
 * organization's projects, their user-managed keys and last
 * authentication, the roles granted to them, who may act as them and the
 * workload identity federation bound to them.
 *
 * @packageDocumentation
 */

export { catalogModuleNhiGcp as default } from './module';
export * from './config';
export { GcpIamSource, gcpAuthFromConfig } from './source/GcpIamSource';
export type { GcpIamSourceOptions } from './source/GcpIamSource';
export { GcpCallCounter, CLOUD_PLATFORM_SCOPE } from './source/clients';
export type { GcpAuthClient } from './source/clients';
export { GcpApiError } from './source/errors';
export {
  GCP_ADMIN_ROLES,
  GCP_ESCALATION_ROLES,
  GCP_DATA_ROLES,
  isGoogleManagedServiceAccount,
  parseMember,
} from './source/roles';
export type { GcpMember } from './source/roles';
