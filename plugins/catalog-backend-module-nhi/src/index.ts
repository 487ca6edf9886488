/**
 * The Backstage NHI pipeline as a catalog module: the NonHumanIdentity kind
 * processor, the entity providers that run read → normalize → enrich →
 * evaluate → emit for every identity source, and the file/URL inventory
 * source.
 *
 * @packageDocumentation
 */

export { catalogModuleNhi as default } from './module/module';
export * from './module/config';
export { readNhiOwnershipConfig } from './module/ownershipConfig';
export type { NhiOwnershipConfig } from './module/ownershipConfig';
export { NonHumanIdentityProcessor } from './processors/NonHumanIdentityProcessor';
export type { NhiSummaryWriter } from './pipeline/summary';
export { FileInventorySource } from './sources/file/FileInventorySource';
export { buildInventorySchema } from './sources/file/inventorySchema';
export { parseInventory } from './sources/file/parseInventory';
export type { ParsedInventory } from './sources/file/parseInventory';
