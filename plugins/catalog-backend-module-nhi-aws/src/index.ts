/**
 * The AWS IAM identity source of Backstage NHI: IAM users, access keys and
 * roles of one account or a whole AWS Organization, with their credentials,
 * permissions and trust.
 *
 * @packageDocumentation
 */

export { catalogModuleNhiAws as default } from './module';
export * from './config';
export { AwsIamSource } from './source/AwsIamSource';
export type { AwsIamSourceOptions } from './source/AwsIamSource';
export type { AwsCredentialIdentityProvider } from './source/clients';
export { PolicyAnalyzer } from './policy/PolicyAnalyzer';
export type {
  AnalyzablePolicy,
  PolicyAnalysis,
  PolicySet,
} from './policy/PolicyAnalyzer';
export { analyzeTrustPolicy } from './policy/trust';
export {
  ESCALATION_PATHS,
  DATA_EXFILTRATION_ACTIONS,
} from './policy/catalogue';
export type { EscalationPath } from './policy/catalogue';
export { createAwsIamActions } from './actions/AwsIamActions';
export type { AwsIamActionsOptions } from './actions/AwsIamActions';
