/**
 * Test utilities for the Kubernetes identity source: a wire-level fake
 * Kubernetes API server that `@kubernetes/client-node` talks to, builders
 * of Kubernetes objects, and a deterministic generator of a company's
 * clusters.
 *
 * @packageDocumentation
 */

export * from './model';
export * from './fakeKubernetesApi';
export * from './generateKubernetesClusters';
