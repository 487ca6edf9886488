/**
 * The GitHub identity source of Backstage NHI: GitHub App installations,
 * deploy keys, fine-grained personal access tokens granted to
 * organizations, Actions secrets and the Actions OIDC subject of GitHub
 * organizations, read within GitHub's rate limits.
 *
 * @packageDocumentation
 */

export { catalogModuleNhiGithub as default } from './module';
export * from './config';
export { GithubSource } from './source/GithubSource';
export type { GithubSourceOptions } from './source/GithubSource';
