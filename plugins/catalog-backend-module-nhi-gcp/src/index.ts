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
