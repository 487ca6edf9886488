/**
 * The Backstage NHI claims backend.
 *
 * @packageDocumentation
 */

export { nhiPlugin as default } from './plugin';
export {
  nhiClaimConditions,
  createNhiClaimConditionalDecision,
  nhiClaimResourceRef,
  nhiClaimRules,
} from './permissions/rules';
export type { NhiClaimResource, NhiClaimQuery } from './permissions/rules';
