/**
 * Test utilities for the GitHub identity source: a deterministic
 * organization generator and a GitHub-compatible REST and GraphQL endpoint
 * that Octokit talks to over HTTP.
 *
 * @packageDocumentation
 */

export * from './model';
export * from './generateGithubOrganization';
export * from './githubEndpoint';
export { graphqlQueryCost } from './graphqlApi';
