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
  nhiCampaignItemConditions,
  createNhiCampaignItemConditionalDecision,
  nhiCampaignItemResourceRef,
  nhiCampaignItemRules,
} from './permissions/rules';
export type {
  NhiClaimResource,
  NhiClaimQuery,
  NhiCampaignItemResource,
  NhiCampaignItemQuery,
} from './permissions/rules';
