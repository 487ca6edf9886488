/**
 * The Kubernetes identity source of Backstage NHI: the service accounts of
 * every cluster, with their legacy token Secrets, what RBAC lets them do,
 * the workloads that run as them, their owners and their workload-identity
 * federation.
 *
 * @packageDocumentation
 */

export { catalogModuleNhiKubernetes as default } from './module';
export * from './config';
export { KubernetesSource } from './source/KubernetesSource';
export type { KubernetesSourceOptions } from './source/KubernetesSource';
export { RbacAnalyzer } from './rbac/RbacAnalyzer';
export type { RbacAnalysis, RbacGrant } from './rbac/RbacAnalyzer';
