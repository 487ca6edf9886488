/**
 * The GraphQL queries of the source. Each asks for `rateLimit.cost` so that
 * a run knows the points it spent.
 */

/**
 * One page of 100 repositories with what GraphQL can tell of each: the
 * number of deploy keys (their last use and who added them are REST-only),
 * environments, whether workflows exist, CODEOWNERS from the three
 * places GitHub looks, and the catalog file that names the repository's
 * components. Two connections nested in a page of 100 cost
 * 1 + 100 + 100 requests: 2 points a page (GitHub's formula).
 */
export const REPOSITORIES_QUERY = (withDeployKeys: boolean) => /* GraphQL */ `
  query NhiRepositories($org: String!, $cursor: String, $catalogInfo: String!) {
    rateLimit { cost remaining limit resetAt }
    organization(login: $org) {
      repositories(first: 100, after: $cursor, orderBy: { field: NAME, direction: ASC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          databaseId
          name
          isArchived
          visibility
          ${
            withDeployKeys
              ? 'deployKeys(first: 100) { totalCount nodes { readOnly } }'
              : ''
          }
          environments(first: 100) { totalCount nodes { name } }
          workflows: object(expression: "HEAD:.github/workflows") { ... on Tree { entries { name } } }
          codeownersGithub: object(expression: "HEAD:.github/CODEOWNERS") { ... on Blob { text } }
          codeownersRoot: object(expression: "HEAD:CODEOWNERS") { ... on Blob { text } }
          codeownersDocs: object(expression: "HEAD:docs/CODEOWNERS") { ... on Blob { text } }
          catalogInfo: object(expression: $catalogInfo) { ... on Blob { text } }
        }
      }
    }
  }
`;

/**
 * One page of 100 SAML identities of an organization: how its members'
 * logins map to the e-mails the catalog knows people by.
 */
export const SAML_QUERY = /* GraphQL */ `
  query NhiSamlIdentities($org: String!, $cursor: String) {
    rateLimit {
      cost
      remaining
      limit
      resetAt
    }
    organization(login: $org) {
      samlIdentityProvider {
        externalIdentities(first: 100, after: $cursor) {
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
            samlIdentity {
              nameId
              emails {
                value
                primary
              }
            }
            user {
              login
            }
          }
        }
      }
    }
  }
`;
