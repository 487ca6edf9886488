/**
 * Tech Insights facts and checks for non-human identity hygiene: fact
 * retrievers for Components (the identities they use), Groups (the
 * identities they own) and, opt-in, each NonHumanIdentity; default
 * json-rules-engine checks; and the `atLeastPercent` operator.
 *
 * @packageDocumentation
 */

export { techInsightsModuleNhi as default } from './module/module';
export { techInsightsModuleNhiFactChecker } from './module/factCheckerModule';
export * from './module/config';
export {
  readNhiGroupThresholds,
  withNhiGradedChecks,
} from './module/thresholds';
export * from './retrievers/schema';
export * from './retrievers/retrievers';
export {
  aggregateNhiFacts,
  emptyNhiAggregateFacts,
  NHI_FACT_FIELDS,
  NhiFactAggregator,
  nhiIdentityFacts,
  nhiOwnerRef,
} from './lib/aggregate';
export type {
  NhiAggregateFacts,
  NhiAggregation,
  NhiIdentityFacts,
} from './lib/aggregate';
export * from './checks/checks';
export {
  atLeastPercentOperator,
  atMostPercentOperator,
  nhiOperators,
} from './checks/operators';
