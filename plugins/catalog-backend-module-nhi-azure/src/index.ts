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
