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
export {
  GithubApiAccounting,
  GithubConditionalCache,
  createGithubClient,
  describeGithubError,
  failureKindOf,
  graphqlUrlOf,
  nextLink,
} from './source/client';
export type {
  GithubBudget,
  GithubClient,
  GithubClientSettings,
  GithubFailureKind,
} from './source/client';
export { githubPermissionVerdicts } from './source/permissions';
export type { GithubGrant } from './source/permissions';
export { repositoryOwnersFromCodeowners } from './source/codeowners';
export type { CodeownersOwners } from './source/codeowners';
export {
  actionsOidcIssuer,
  actionsOidcSubject,
  secretCredentialKind,
  sshFingerprint,
} from './source/normalize';
