/**
 * The Microsoft Entra ID (Azure) identity source of Backstage NHI: service
 * principals and managed identities with their credentials, owners, last
 * sign-in, directory roles and Microsoft Graph permissions.
 *
 * @packageDocumentation
 */

export { catalogModuleNhiAzure as default } from './module';
export * from './module';
export * from './config';
export { AzureEntraSource } from './source/AzureEntraSource';
export type { AzureEntraSourceOptions } from './source/AzureEntraSource';
export {
  GraphCallCounter,
  GraphReader,
  GraphRequestError,
} from './source/graph';
export type { GraphReaderOptions, Sleep } from './source/graph';
export { readEntraTenant, TENANT_PARTS } from './source/readTenant';
export type * from './source/readTenant';
export { toIdentityRecords, AZURE_IDENTITY_TYPES } from './source/normalize';
export type { NormalizeOptions } from './source/normalize';
export {
  PRIVILEGED_DIRECTORY_ROLES,
  PRIVILEGED_GRAPH_PERMISSIONS,
  MICROSOFT_GRAPH_APP_ID,
  MICROSOFT_TENANT_IDS,
} from './source/privileges';
export type { PrivilegeMeaning } from './source/privileges';
