/**
 * Backstage search for non-human identities: a collator of every
 * NonHumanIdentity with its external id, key ids and owner, so that pasting
 * a key id or an ARN into the portal's search finds the identity.
 *
 * @packageDocumentation
 */

export { searchModuleNhiCollator as default } from './module';
export {
  DEFAULT_NHI_COLLATOR_SCHEDULE,
  readNhiCollatorSchedule,
} from './module';
export {
  NHI_SEARCH_TYPE,
  NhiIdentityCollatorFactory,
  nhiIdentityDocument,
  readNhiCollatorPageSize,
} from './collator/NhiIdentityCollatorFactory';
export type {
  NhiExportReader,
  NhiIdentityCollatorFactoryOptions,
  NhiIdentityDocument,
} from './collator/NhiIdentityCollatorFactory';
