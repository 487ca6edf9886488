import { DAY, seededRandom } from '@backstage-nhi/plugin-nhi-common';
import {
  GithubModel,
  GithubModelApp,
  GithubModelDeployKey,
  GithubModelInstallation,
  GithubModelOrganization,
  GithubModelRepository,
  GithubModelSecret,
  GithubModelTokenGrant,
} from './model';

/**
 * A person of the generated organization: their GitHub login, the e-mail
 * their SAML identity carries, and their team.
 *
 * @public
 */
export interface GithubGeneratorPerson {
  login: string;
  email?: string;
  team?: string;
}

/**
 * Options of {@link generateGithubOrganization}.
 *
 * @public
 */
export interface GenerateGithubOrganizationOptions {
  /** The organization's login. Default `lumen-freight`. */
  organization?: string;
  /** Repositories in all: the components' first, then others. Default: the components and 12 more. */
  repositories?: number;
  /** Components of the catalog: each gets a repository of its name, owned by its owner team. */
  components?: Array<{ name: string; owner: string }>;
  /** Team slugs for the other repositories. Default: the components' owners. */
  teams?: string[];
  /** The organization's people (token owners, who added deploy keys). */
  people?: GithubGeneratorPerson[];
  /** Seed of every draw. Default 42. */
  seed?: number;
  /** "Today" of the generated dates. Default now. */
  now?: Date | string;
  /** Shares of repositories (0–1) with each trait. */
  shares?: {
    /** Archived. Default 0.25. */
    archived?: number;
    /** With workflows under `.github/workflows` (of the active ones). Default 0.7. */
    workflows?: number;
    /** With deploy keys. Default 0.08. */
    deployKeys?: number;
    /** With deployment environments (of the active ones with workflows). Default 0.15. */
    environments?: number;
  };
}

/** The demo company's components, when none are given. */
const DEFAULT_COMPONENTS = [
  { name: 'ci-runner', owner: 'platform' },
  { name: 'terraform-pipeline', owner: 'platform' },
  { name: 'payments-api', owner: 'payments' },
  { name: 'billing-worker', owner: 'payments' },
  { name: 'tracking-api', owner: 'shipping' },
  { name: 'notifications-service', owner: 'web' },
  { name: 'storefront-web', owner: 'web' },
  { name: 'etl-orchestrator', owner: 'data' },
];

const DEFAULT_PEOPLE: GithubGeneratorPerson[] = [
  {
    login: 'alice-nakamura',
    email: 'alice.nakamura@lumenfreight.example',
    team: 'platform',
  },
  {
    login: 'jade-thompson',
    email: 'jade.thompson@lumenfreight.example',
    team: 'payments',
  },
  {
    login: 'wei-zhang',
    email: 'wei.zhang@lumenfreight.example',
    team: 'data',
  },
  {
    login: 'omar-haddad',
    email: 'omar.haddad@lumenfreight.example',
    team: 'shipping',
  },
  {
    login: 'lena-fischer',
    email: 'lena.fischer@lumenfreight.example',
    team: 'web',
  },
];

/** A login that is not a member any more (no SAML identity): who added old keys. */
export const GITHUB_FORMER_MEMBER = 'jdoe-contractor';

/** The Backstage NHI GitHub App of the generated organization (read-only). */
export const GITHUB_BACKSTAGE_APP: GithubModelApp = {
  id: 1001,
  slug: 'backstage-nhi',
  name: 'Backstage NHI',
  owner: 'lumen-freight',
};

/**
 * Variants of a team's name as people write them in custom properties: the
 * demo maps `-eng` with `nhi.ownership.aliases` and leaves `-squad` unmapped.
 *
 * @public
 */
export const GITHUB_OWNER_VARIANTS = { alias: '-eng', unresolved: '-squad' };

const WORDS = [
  'scripts',
  'sandbox',
  'infra',
  'docs',
  'tools',
  'experiments',
  'dashboards',
  'migrations',
  'sdk',
  'config',
  'loadtest',
  'prototype',
];
const REPO_SECRETS = [
  'DEPLOY_TOKEN',
  'DATADOG_API_KEY',
  'SENTRY_AUTH_TOKEN',
  'CODECOV_TOKEN',
  'PYPI_API_TOKEN',
  'DB_PASSWORD',
  'STRIPE_SECRET_KEY',
  'WEBHOOK_SECRET',
  'GCP_SA_KEY',
  'SSH_PRIVATE_KEY',
];
const ENV_SECRETS = ['DEPLOY_TOKEN', 'KUBECONFIG', 'API_KEY', 'DB_PASSWORD'];

/**
 * Generates one GitHub organization deterministically (the same options give
 * the same organization): repositories named after the catalog's components
 * and more, owned through custom properties or CODEOWNERS (and some not at
 * all), with deploy keys (some with write access and unused for months),
 * Actions secrets of every age on the organization, repositories and
 * environments, fine-grained tokens granted with and without expiry, a
 * pending token request, GitHub Apps (one with write access to every
 * repository, a third party's with organization administration, a suspended
 * one), the Actions OIDC subject template and SAML identities that map
 * logins to e-mails. For tests, the demo and the benchmark.
 *
 * @public
 */
export function generateGithubOrganization(
  options: GenerateGithubOrganizationOptions = {},
): GithubModel {
  const login = options.organization ?? 'lumen-freight';
  const random = seededRandom(options.seed ?? 42);
  const now = new Date(options.now ?? new Date()).getTime();
  const daysAgo = (d: number) =>
    new Date(now - Math.round(d * DAY)).toISOString();
  const inDays = (d: number) =>
    new Date(now + Math.round(d * DAY)).toISOString();
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(random() * items.length)];
  const between = (lo: number, hi: number) =>
    lo + Math.floor(random() * (hi - lo + 1));
  const components = options.components ?? DEFAULT_COMPONENTS;
  const teams = options.teams?.length
    ? options.teams
    : [...new Set(components.map(c => c.owner))];
  const people = options.people?.length ? options.people : DEFAULT_PEOPLE;
  const total = Math.max(options.repositories ?? components.length + 12, 1);
  const shares = {
    archived: options.shares?.archived ?? 0.25,
    workflows: options.shares?.workflows ?? 0.7,
    deployKeys: options.shares?.deployKeys ?? 0.08,
    environments: options.shares?.environments ?? 0.15,
  };
  const personOf = (team: string | undefined) =>
    people.filter(p => p.team === team)[0] ?? people[0];
  const anyPerson = () => pick(people);

  let nextId = 500_000;
  const id = () => ++nextId;
  const fakeKey = () =>
    `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${Array.from({ length: 43 }, () =>
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.charAt(
        Math.floor(random() * 62),
      ),
    ).join('')}`;

  /** Who owns a repository, and how the organization says so. */
  const ownership = (
    repo: GithubModelRepository,
    team: string,
    index: number,
  ) => {
    const draw = index % 10;
    if (draw < 4) repo.properties = { owner: team };
    else if (draw < 8) {
      repo.codeowners = {
        path: draw % 2 ? '.github/CODEOWNERS' : 'CODEOWNERS',
        text: `# Owners of ${repo.name}\n*       @${login}/${team}\n/docs/  @${login}/docs-writers\n`,
      };
    } else if (draw === 8) {
      repo.properties = { owner: `${team}${GITHUB_OWNER_VARIANTS.alias}` };
    }
    // draw 9: nobody named
  };

  const repositories: GithubModelRepository[] = [];
  const used = new Set<string>();
  const plan: Array<{ name: string; team: string }> = [];
  for (const c of components.slice(0, total)) {
    plan.push({ name: c.name, team: c.owner });
    used.add(c.name);
  }
  for (let i = 0; plan.length < total; i++) {
    const team = teams[i % teams.length];
    let name = `${team}-${WORDS[Math.floor(i / teams.length) % WORDS.length]}`;
    if (used.has(name))
      name = `${name}-${Math.floor(i / (teams.length * WORDS.length)) + 1}`;
    if (used.has(name)) name = `${name}-${i}`;
    used.add(name);
    plan.push({ name, team });
  }

  plan.forEach(({ name, team }, index) => {
    const isComponent = index < components.length;
    const created = between(200, 2000);
    const repo: GithubModelRepository = {
      id: 700_000 + index,
      name,
      visibility: random() < 0.1 ? 'public' : 'private',
      createdAt: daysAgo(created),
      pushedAt: daysAgo(between(0, Math.min(created, 400))),
      archived: !isComponent && random() < shares.archived,
    };
    ownership(repo, team, index);
    if (isComponent) {
      // The catalog file GitHub discovery registers: the component and the
      // repository it lives in.
      repo.files = {
        'catalog-info.yaml': [
          'apiVersion: backstage.io/v1alpha1',
          'kind: Component',
          'metadata:',
          `  name: ${name}`,
          '  annotations:',
          `    github.com/project-slug: ${login}/${name}`,
          'spec:',
          '  type: service',
          '  lifecycle: production',
          `  owner: ${team}`,
          '',
        ].join('\n'),
      };
    }
    if (!repo.archived && (isComponent || random() < shares.workflows)) {
      repo.workflows = ['ci.yml', ...(random() < 0.4 ? ['release.yml'] : [])];
    }
    if (repo.workflows || random() < 0.05) {
      repo.secrets = [];
      const n = repo.workflows ? between(1, 3) : 1;
      for (let s = 0; s < n; s++) {
        const secretName = pick(REPO_SECRETS);
        if (repo.secrets.some(x => x.name === secretName)) continue;
        const age = between(3, 900);
        repo.secrets.push({
          name: secretName,
          createdAt: daysAgo(age),
          updatedAt: daysAgo(random() < 0.3 ? between(1, age) : age),
        });
      }
    }
    if (repo.workflows && random() < shares.environments) {
      repo.environments = ['production', 'staging', 'preview']
        .slice(0, between(1, 3))
        .map(env => ({
          name: env,
          secrets: [
            {
              name: pick(ENV_SECRETS),
              createdAt: daysAgo(between(30, 700)),
              updatedAt: daysAgo(between(1, 30) * (random() < 0.5 ? 1 : 12)),
            },
          ],
        }));
      for (const e of repo.environments) {
        const s = e.secrets![0];
        if (Date.parse(s.updatedAt) < Date.parse(s.createdAt)) {
          s.updatedAt = s.createdAt;
        }
      }
    }
    if (!isComponent && random() < shares.deployKeys) {
      const keys: GithubModelDeployKey[] = [];
      for (let k = between(1, 2); k > 0; k--) {
        const age = between(10, 1200);
        const write = random() < 0.4;
        const lastUsed =
          random() < 0.2 ? null : daysAgo(between(0, Math.min(age, 400)));
        keys.push({
          id: id(),
          title: `${name}-${write ? 'push' : 'read'}-key`,
          key: fakeKey(),
          readOnly: !write,
          createdAt: daysAgo(age),
          addedBy:
            random() < 0.15 ? GITHUB_FORMER_MEMBER : personOf(team).login,
          lastUsed,
        });
      }
      repo.deployKeys = keys;
    }
    repositories.push(repo);
  });

  const repo = (name: string) => repositories.find(r => r.name === name);
  const byIndex = (i: number) =>
    repositories[Math.min(i, repositories.length - 1)];
  // Fixed scenarios the tests and the demo rely on.
  const ci = repo('ci-runner') ?? byIndex(0);
  ci.deployKeys = [
    {
      id: 900_001,
      title: 'runner-release-push',
      key: fakeKey(),
      readOnly: false,
      createdAt: daysAgo(700),
      addedBy: GITHUB_FORMER_MEMBER,
      lastUsed: daysAgo(200),
    },
  ];
  const tf = repo('terraform-pipeline') ?? byIndex(1);
  tf.deployKeys = [
    {
      id: 900_002,
      title: 'terraform-state-push',
      key: fakeKey(),
      readOnly: false,
      createdAt: daysAgo(300),
      addedBy: personOf('platform').login,
      lastUsed: daysAgo(1),
    },
  ];
  const pay = repo('payments-api') ?? byIndex(2);
  pay.deployKeys = [
    {
      id: 900_003,
      title: 'argocd-read',
      key: fakeKey(),
      readOnly: true,
      createdAt: daysAgo(150),
      addedBy: personOf('payments').login,
      lastUsed: daysAgo(3),
    },
    {
      id: 900_004,
      title: 'backup-mirror',
      key: fakeKey(),
      readOnly: true,
      createdAt: daysAgo(120),
      lastUsed: null,
    },
  ];
  pay.environments = [
    {
      name: 'production',
      secrets: [
        {
          name: 'STRIPE_SECRET_KEY',
          createdAt: daysAgo(500),
          updatedAt: daysAgo(420),
        },
      ],
    },
  ];
  pay.workflows = pay.workflows ?? ['ci.yml'];

  const secret = (
    name: string,
    created: number,
    updated: number,
    visibility: GithubModelSecret['visibility'],
    selected?: string[],
  ): GithubModelSecret => ({
    name,
    createdAt: daysAgo(created),
    updatedAt: daysAgo(updated),
    visibility,
    ...(selected ? { selectedRepositories: selected } : {}),
  });
  const notifications = repo('notifications-service') ?? byIndex(3);
  const secrets: GithubModelSecret[] = [
    secret('NPM_TOKEN', 800, 400, 'all'),
    secret('SONAR_TOKEN', 300, 20, 'all'),
    secret('SLACK_WEBHOOK_URL', 200, 30, 'selected', [
      notifications.name,
      ci.name,
    ]),
    secret('DOCKERHUB_PASSWORD', 600, 200, 'private'),
    secret('AWS_ACCESS_KEY_ID', 500, 500, 'selected', [tf.name]),
    secret('AWS_SECRET_ACCESS_KEY', 500, 500, 'selected', [tf.name]),
  ];

  const apps: GithubModelApp[] = [
    { ...GITHUB_BACKSTAGE_APP, owner: login },
    { id: 2001, slug: 'renovate', name: 'Renovate', owner: 'mend' },
    {
      id: 2002,
      slug: 'deploy-conductor',
      name: 'Deploy Conductor',
      owner: login,
    },
    {
      id: 2003,
      slug: 'legacy-ci-bridge',
      name: 'Legacy CI Bridge',
      owner: 'ci-vendor-inc',
    },
    { id: 2004, slug: 'old-chatops', name: 'Old ChatOps', owner: login },
    { id: 2005, slug: 'slack', name: 'Slack', owner: 'slack' },
  ];
  const installations: GithubModelInstallation[] = [
    {
      id: 31_001,
      appSlug: GITHUB_BACKSTAGE_APP.slug,
      permissions: {
        metadata: 'read',
        administration: 'read',
        contents: 'read',
        secrets: 'read',
        environments: 'read',
        organization_administration: 'read',
        organization_secrets: 'read',
        organization_personal_access_tokens: 'read',
        organization_personal_access_token_requests: 'read',
        organization_custom_properties: 'read',
        members: 'read',
      },
      repositorySelection: 'all',
      createdAt: daysAgo(30),
    },
    {
      id: 31_002,
      appSlug: 'renovate',
      permissions: {
        metadata: 'read',
        contents: 'write',
        pull_requests: 'write',
        workflows: 'write',
        issues: 'write',
      },
      repositorySelection: 'all',
      createdAt: daysAgo(700),
    },
    {
      id: 31_003,
      appSlug: 'deploy-conductor',
      permissions: {
        metadata: 'read',
        administration: 'write',
        contents: 'write',
        deployments: 'write',
      },
      repositorySelection: 'selected',
      repositories: [ci.name, tf.name, pay.name],
      createdAt: daysAgo(400),
    },
    {
      id: 31_004,
      appSlug: 'legacy-ci-bridge',
      permissions: {
        metadata: 'read',
        organization_administration: 'write',
        members: 'write',
        contents: 'write',
      },
      repositorySelection: 'all',
      createdAt: daysAgo(1200),
    },
    {
      id: 31_005,
      appSlug: 'old-chatops',
      permissions: { metadata: 'read', issues: 'write' },
      repositorySelection: 'selected',
      repositories: [notifications.name],
      createdAt: daysAgo(900),
      suspendedAt: daysAgo(90),
      suspendedBy: personOf('platform').login,
    },
    {
      id: 31_006,
      appSlug: 'slack',
      permissions: { metadata: 'read', issues: 'read', pull_requests: 'read' },
      repositorySelection: 'selected',
      repositories: [notifications.name, pay.name],
      createdAt: daysAgo(250),
    },
  ];

  let grantId = 41_000;
  let tokenId = 51_000;
  const grant = (
    g: Omit<GithubModelTokenGrant, 'id' | 'tokenId'>,
  ): GithubModelTokenGrant => ({ id: ++grantId, tokenId: ++tokenId, ...g });
  const tokenGrants: GithubModelTokenGrant[] = [
    grant({
      tokenName: 'deploy-script',
      owner: personOf('platform').login,
      repositorySelection: 'subset',
      repositories: [tf.name],
      permissions: { repository: { contents: 'write', metadata: 'read' } },
      accessGrantedAt: daysAgo(60),
      tokenExpiresAt: inDays(30),
      tokenLastUsedAt: daysAgo(2),
    }),
    grant({
      tokenName: 'reporting-export',
      owner: personOf('data').login,
      repositorySelection: 'all',
      permissions: { repository: { contents: 'read', metadata: 'read' } },
      accessGrantedAt: daysAgo(500),
      tokenExpiresAt: null,
      tokenLastUsedAt: daysAgo(200),
    }),
    grant({
      tokenName: 'migration-helper',
      owner: personOf('payments').login,
      repositorySelection: 'subset',
      repositories: [pay.name],
      permissions: {
        repository: { contents: 'write', workflows: 'write', metadata: 'read' },
      },
      accessGrantedAt: daysAgo(10),
      tokenExpiresAt: inDays(356),
      tokenLastUsedAt: daysAgo(1),
    }),
    grant({
      tokenName: 'old-sync',
      owner: GITHUB_FORMER_MEMBER,
      repositorySelection: 'all',
      permissions: { repository: { contents: 'read', metadata: 'read' } },
      accessGrantedAt: daysAgo(400),
      tokenExpiresAt: daysAgo(30),
      tokenExpired: true,
      tokenLastUsedAt: daysAgo(35),
    }),
    grant({
      tokenName: 'org-admin-tool',
      owner: personOf('shipping').login,
      repositorySelection: 'none',
      permissions: {
        organization: {
          organization_administration: 'write',
          members: 'write',
        },
      },
      accessGrantedAt: daysAgo(20),
      tokenExpiresAt: inDays(60),
      tokenLastUsedAt: daysAgo(4),
    }),
  ];
  // Larger organizations: about one more grant per hundred repositories.
  for (let i = 0; i < Math.floor(total / 100) - 1; i++) {
    const person = anyPerson();
    const granted = between(5, 600);
    const expires = random() < 0.3 ? null : inDays(between(-20, 120));
    tokenGrants.push(
      grant({
        tokenName: `${person.team ?? 'team'}-automation-${i + 1}`,
        owner: person.login,
        repositorySelection: 'subset',
        repositories: [pick(repositories).name],
        permissions: { repository: { contents: 'read', metadata: 'read' } },
        accessGrantedAt: daysAgo(granted),
        tokenExpiresAt: expires,
        tokenExpired: expires !== null && Date.parse(expires) < now,
        tokenLastUsedAt: random() < 0.2 ? null : daysAgo(between(0, granted)),
      }),
    );
  }
  const tokenRequests: GithubModelTokenGrant[] = [
    grant({
      tokenName: 'data-backfill',
      owner: personOf('data').login,
      reason: 'Backfill historical shipments into the warehouse',
      repositorySelection: 'all',
      permissions: { repository: { contents: 'read', metadata: 'read' } },
      createdAt: daysAgo(2),
      tokenExpiresAt: null,
      tokenLastUsedAt: null,
    }),
  ];

  const org: GithubModelOrganization = {
    login,
    id: 9_000_001,
    repositories,
    installations,
    tokenGrants,
    tokenRequests,
    secrets,
    oidcSubjectClaimKeys: ['repo', 'context'],
    samlIdentities: people
      .filter(p => p.email)
      .map(p => ({ login: p.login, nameId: p.email! })),
  };
  return { organizations: [org], apps };
}
