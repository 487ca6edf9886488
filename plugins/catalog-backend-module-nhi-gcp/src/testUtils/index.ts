/**
 * Test utilities for the Google Cloud identity source: a deterministic
 * organization generator and an HTTP endpoint on 127.0.0.1 that Google's
 * real Node.js clients (Resource Manager, IAM, Cloud Asset Inventory,
 * Policy Analyzer) talk to through `rootUrl`.
 *
 * @packageDocumentation
 */

export * from './model';
export * from './generateGcpCompany';
export * from './gcpEndpoint';
