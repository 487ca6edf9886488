/**
 * Test utilities for the AWS IAM identity source: a deterministic company
 * generator and an IAM/STS/Organizations-compatible HTTP endpoint that the
 * real AWS SDK clients can talk to.
 *
 * @packageDocumentation
 */

export * from './model';
export * from './generateIamCompany';
export * from './iamEndpoint';
