import {
  buildSchema,
  DocumentNode,
  execute,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  parse,
  SelectionSetNode,
  validate,
  valueFromASTUntyped,
} from 'graphql';
import { GithubModelOrganization, GithubModelRepository } from './model';

/**
 * The part of GitHub's GraphQL schema the fake serves, with GitHub's names
 * and types (connections with `first`/`after`, `totalCount`, `pageInfo`).
 */
const SDL = /* GraphQL */ `
  scalar DateTime
  type Query {
    organization(login: String!): Organization
    rateLimit(dryRun: Boolean): RateLimit
  }
  type RateLimit {
    cost: Int!
    limit: Int!
    remaining: Int!
    used: Int!
    resetAt: DateTime!
    nodeCount: Int!
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    endCursor: String
    startCursor: String
  }
  enum OrderDirection {
    ASC
    DESC
  }
  enum RepositoryOrderField {
    CREATED_AT
    UPDATED_AT
    PUSHED_AT
    NAME
    STARGAZERS
  }
  input RepositoryOrder {
    field: RepositoryOrderField!
    direction: OrderDirection!
  }
  enum RepositoryVisibility {
    PRIVATE
    PUBLIC
    INTERNAL
  }
  type Organization {
    id: ID!
    databaseId: Int
    login: String!
    repositories(
      first: Int
      last: Int
      after: String
      orderBy: RepositoryOrder
      isArchived: Boolean
    ): RepositoryConnection!
    samlIdentityProvider: OrganizationIdentityProvider
  }
  type RepositoryConnection {
    totalCount: Int!
    pageInfo: PageInfo!
    nodes: [Repository]
  }
  type Repository {
    id: ID!
    databaseId: Int
    name: String!
    nameWithOwner: String!
    url: String!
    isArchived: Boolean!
    isFork: Boolean!
    visibility: RepositoryVisibility!
    createdAt: DateTime!
    pushedAt: DateTime
    deployKeys(first: Int, last: Int, after: String): DeployKeyConnection!
    environments(first: Int, last: Int, after: String): EnvironmentConnection!
    object(expression: String, oid: String): GitObject
  }
  type DeployKeyConnection {
    totalCount: Int!
    pageInfo: PageInfo!
    nodes: [DeployKey]
  }
  type DeployKey {
    id: ID!
    title: String!
    key: String!
    readOnly: Boolean!
    createdAt: DateTime!
    verified: Boolean!
    enabled: Boolean!
  }
  type EnvironmentConnection {
    totalCount: Int!
    pageInfo: PageInfo!
    nodes: [Environment]
  }
  type Environment {
    id: ID!
    databaseId: Int
    name: String!
  }
  interface GitObject {
    id: ID!
    oid: String!
  }
  type Blob implements GitObject {
    id: ID!
    oid: String!
    text: String
    byteSize: Int!
    isBinary: Boolean
  }
  type TreeEntry {
    name: String!
    path: String
    type: String!
  }
  type Tree implements GitObject {
    id: ID!
    oid: String!
    entries: [TreeEntry!]
  }
  type OrganizationIdentityProvider {
    id: ID!
    externalIdentities(
      first: Int
      last: Int
      after: String
    ): ExternalIdentityConnection!
  }
  type ExternalIdentityConnection {
    totalCount: Int!
    pageInfo: PageInfo!
    nodes: [ExternalIdentity]
  }
  type ExternalIdentity {
    id: ID!
    guid: String!
    samlIdentity: ExternalIdentitySamlAttributes
    user: User
  }
  type UserEmailMetadata {
    value: String!
    primary: Boolean
    type: String
  }
  type ExternalIdentitySamlAttributes {
    nameId: String
    username: String
    emails: [UserEmailMetadata!]
  }
  type User {
    id: ID!
    login: String!
  }
`;

let schema: GraphQLSchema | undefined;
function githubSchema(): GraphQLSchema {
  schema ??= buildSchema(SDL);
  return schema;
}

/** Connection fields: each costs requests and needs `first` or `last`. */
const CONNECTIONS = new Set([
  'repositories',
  'deployKeys',
  'environments',
  'externalIdentities',
]);

/** The most nodes one connection page may ask for, as on GitHub. */
const MAX_PAGE = 100;
/** The most nodes one query may ask for, as on GitHub. */
const MAX_NODES = 500_000;

/**
 * A query GitHub refuses before running it (bad syntax, unknown field,
 * missing or too large pagination bounds).
 */
export class GraphqlQueryError extends Error {
  constructor(readonly errors: Array<{ message: string; type?: string }>) {
    super(errors.map(e => e.message).join('; '));
  }
}

/**
 * What a query costs, computed as GitHub documents it: add up the requests
 * needed to fulfil each connection assuming every one reaches its `first`
 * or `last` limit (a connection nested in a connection of 100 needs 100
 * requests), divide by 100 and round, with a minimum of one point. Also
 * checks GitHub's pagination rules and its node limit.
 */
export function graphqlQueryCost(
  document: DocumentNode,
  variables: Record<string, unknown> = {},
): { cost: number; requests: number; nodes: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) {
    throw new GraphqlQueryError([{ message: 'No operation given' }]);
  }
  let requests = 0;
  let nodes = 0;
  const errors: Array<{ message: string; type?: string }> = [];
  const arg = (field: FieldNode, name: string): number | undefined => {
    const a = field.arguments?.find(x => x.name.value === name);
    if (!a) return undefined;
    const value = valueFromASTUntyped(a.value, variables);
    return typeof value === 'number' ? value : undefined;
  };
  const walk = (set: SelectionSetNode | undefined, multiplier: number) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet, multiplier);
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        walk(fragments.get(s.name.value)?.selectionSet, multiplier);
      } else if (CONNECTIONS.has(s.name.value)) {
        const size = arg(s, 'first') ?? arg(s, 'last');
        if (size === undefined) {
          errors.push({
            type: 'MISSING_PAGINATION_BOUNDARIES',
            message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${s.name.value}\` connection.`,
          });
          continue;
        }
        if (size < 0 || size > MAX_PAGE) {
          errors.push({
            type: 'EXCESSIVE_PAGINATION',
            message: `Requesting ${size} records on the \`${s.name.value}\` connection exceeds the \`first\` limit of ${MAX_PAGE} records.`,
          });
          continue;
        }
        requests += multiplier;
        nodes += multiplier * size;
        walk(s.selectionSet, multiplier * size);
      } else {
        walk(s.selectionSet, multiplier);
      }
    }
  };
  walk(operation.selectionSet, 1);
  if (nodes > MAX_NODES) {
    errors.push({
      type: 'MAX_NODE_LIMIT_EXCEEDED',
      message: `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of ${MAX_NODES}.`,
    });
  }
  if (errors.length) throw new GraphqlQueryError(errors);
  return { cost: Math.max(1, Math.round(requests / 100)), requests, nodes };
}

/** Cursor of the item at `index`: opaque to clients, as on GitHub. */
const cursorOf = (index: number) =>
  Buffer.from(`cursor:v2:${index}`).toString('base64');
const indexOf = (cursor: string | undefined): number => {
  if (!cursor) return -1;
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  if (!m)
    throw new GraphQLError(
      `\`${cursor}\` does not appear to be a valid cursor.`,
    );
  return Number(m[1]);
};

function connection<T>(
  items: T[],
  args: { first?: number; last?: number; after?: string },
) {
  const start = indexOf(args.after) + 1;
  const size = args.first ?? args.last ?? MAX_PAGE;
  const page = items.slice(start, start + size);
  const end = start + page.length - 1;
  return {
    totalCount: items.length,
    nodes: page,
    pageInfo: {
      hasNextPage: end < items.length - 1,
      hasPreviousPage: start > 0,
      startCursor: page.length ? cursorOf(start) : null,
      endCursor: page.length ? cursorOf(end) : null,
    },
  };
}

const nodeId = (type: string, id: number | string) =>
  Buffer.from(`0:${type}${id}`).toString('base64');

/** What a GraphQL request may see, besides the model. */
export interface GraphqlAccess {
  /** Whether the caller may read this organization's data of this kind. */
  allowed(org: string, capability: 'deploy-keys' | 'saml'): boolean;
  /** The rate-limit figures after this query's cost was charged. */
  rateLimit: {
    cost: number;
    limit: number;
    remaining: number;
    used: number;
    resetAt: string;
    nodeCount: number;
  };
}

const FORBIDDEN = 'Resource not accessible by integration';

function repositoryResolver(
  org: GithubModelOrganization,
  repo: GithubModelRepository,
  access: GraphqlAccess,
) {
  return {
    id: nodeId('Repository', repo.id),
    databaseId: repo.id,
    name: repo.name,
    nameWithOwner: `${org.login}/${repo.name}`,
    url: `https://github.com/${org.login}/${repo.name}`,
    isArchived: !!repo.archived,
    isFork: !!repo.fork,
    visibility: (repo.visibility ?? 'private').toUpperCase(),
    createdAt: repo.createdAt,
    pushedAt: repo.pushedAt ?? null,
    deployKeys: (args: { first?: number; after?: string }) => {
      if (!access.allowed(org.login, 'deploy-keys')) {
        throw new GraphQLError(FORBIDDEN, {
          extensions: { type: 'FORBIDDEN' },
        });
      }
      return connection(
        (repo.deployKeys ?? []).map(k => ({
          id: nodeId('DeployKey', k.id),
          title: k.title,
          key: k.key,
          readOnly: k.readOnly,
          createdAt: k.createdAt,
          verified: k.verified ?? true,
          enabled: k.enabled ?? true,
        })),
        args,
      );
    },
    environments: (args: { first?: number; after?: string }) =>
      connection(
        (repo.environments ?? []).map((e, i) => ({
          id: nodeId('Environment', repo.id * 1000 + i),
          databaseId: repo.id * 1000 + i,
          name: e.name,
        })),
        args,
      ),
    object: ({ expression }: { expression?: string }) => {
      const m = /^(?:HEAD|[\w./-]+):(.+)$/.exec(expression ?? '');
      if (!m) return null;
      const path = m[1].replace(/\/+$/, '');
      if (repo.codeowners && repo.codeowners.path === path) {
        return {
          __typename: 'Blob',
          id: nodeId('Blob', `${repo.id}:${path}`),
          oid: 'b'.repeat(40),
          text: repo.codeowners.text,
          byteSize: Buffer.byteLength(repo.codeowners.text),
          isBinary: false,
        };
      }
      const file = repo.files?.[path];
      if (file !== undefined) {
        return {
          __typename: 'Blob',
          id: nodeId('Blob', `${repo.id}:${path}`),
          oid: 'c'.repeat(40),
          text: file,
          byteSize: Buffer.byteLength(file),
          isBinary: false,
        };
      }
      if (path === '.github/workflows' && repo.workflows?.length) {
        return {
          __typename: 'Tree',
          id: nodeId('Tree', `${repo.id}:${path}`),
          oid: 't'.repeat(40),
          entries: repo.workflows.map(name => ({
            name,
            path: `${path}/${name}`,
            type: 'blob',
          })),
        };
      }
      return null;
    },
  };
}

/**
 * Runs one GraphQL request against the model after its cost was charged.
 * Field errors (a forbidden connection) come back next to partial data, as
 * GitHub returns them.
 */
export async function runGraphql(options: {
  model: { organizations: GithubModelOrganization[] };
  document: DocumentNode;
  variables?: Record<string, unknown>;
  access: GraphqlAccess;
}): Promise<{ data?: unknown; errors?: unknown[] }> {
  const { model, access } = options;
  const root = {
    rateLimit: () => access.rateLimit,
    organization: ({ login }: { login: string }) => {
      const org = model.organizations.find(
        o => o.login.toLowerCase() === login.toLowerCase(),
      );
      if (!org) {
        throw new GraphQLError(
          `Could not resolve to an Organization with the login of '${login}'.`,
          { extensions: { type: 'NOT_FOUND' } },
        );
      }
      return {
        id: nodeId('Organization', org.id),
        databaseId: org.id,
        login: org.login,
        repositories: (args: {
          first?: number;
          after?: string;
          orderBy?: { field: string; direction: string };
          isArchived?: boolean;
        }) => {
          let repos = [...org.repositories];
          if (args.isArchived !== undefined && args.isArchived !== null) {
            repos = repos.filter(r => !!r.archived === args.isArchived);
          }
          if (args.orderBy?.field === 'NAME') {
            repos.sort((a, b) => a.name.localeCompare(b.name));
            if (args.orderBy.direction === 'DESC') repos.reverse();
          }
          return connection(
            repos.map(r => repositoryResolver(org, r, access)),
            args,
          );
        },
        samlIdentityProvider: () => {
          if (!org.samlIdentities) return null;
          if (!access.allowed(org.login, 'saml')) {
            throw new GraphQLError(FORBIDDEN, {
              extensions: { type: 'FORBIDDEN' },
            });
          }
          return {
            id: nodeId('OrganizationIdentityProvider', org.id),
            externalIdentities: (args: { first?: number; after?: string }) =>
              connection(
                org.samlIdentities!.map((s, i) => ({
                  id: nodeId('ExternalIdentity', `${org.id}:${i}`),
                  guid: `guid-${org.id}-${i}`,
                  samlIdentity: {
                    nameId: s.nameId,
                    username: s.nameId,
                    emails: [{ value: s.nameId, primary: true, type: 'work' }],
                  },
                  user: { id: nodeId('User', s.login), login: s.login },
                })),
                args,
              ),
          };
        },
      };
    },
  };
  const result = await execute({
    schema: githubSchema(),
    document: options.document,
    rootValue: root,
    variableValues: options.variables,
    typeResolver: (value: { __typename?: string }) => value.__typename,
  });
  return {
    ...(result.data !== undefined ? { data: result.data } : {}),
    ...(result.errors?.length
      ? {
          errors: result.errors.map(e => ({
            type: (e.extensions?.type as string | undefined) ?? undefined,
            path: e.path,
            locations: e.locations,
            message: e.message,
          })),
        }
      : {}),
  };
}

/**
 * Parses and validates a GraphQL request as GitHub does before running it.
 * Throws {@link GraphqlQueryError} with GitHub's messages.
 */
export function parseGraphql(
  query: string,
  variables: Record<string, unknown> = {},
): { document: DocumentNode; cost: number; nodes: number } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (e) {
    throw new GraphqlQueryError([{ message: (e as Error).message }]);
  }
  const invalid = validate(githubSchema(), document);
  if (invalid.length) {
    throw new GraphqlQueryError(invalid.map(e => ({ message: e.message })));
  }
  const { cost, nodes } = graphqlQueryCost(document, variables);
  return { document, cost, nodes };
}
