import { DAY, seededRandom } from '@backstage-nhi/plugin-nhi-common';
import {
  GcpCompanyModel,
  GcpModelBinding,
  GcpModelKey,
  GcpModelProject,
  GcpModelServiceAccount,
} from './model';

/**
 * A team and the components it owns: projects are labelled with the team,
 * service accounts are named after the components.
 *
 * @public
 */
export interface GcpCompanyTeam {
  name: string;
  components: string[];
}

/**
 * Options of {@link generateGcpCompany}.
 *
 * @public
 */
export interface GenerateGcpCompanyOptions {
  /** Service accounts in total (the generator's named cases come on top). Default 300. */
  serviceAccounts?: number;
  /** Projects; at least two per team (prod and dev). Default two per team. */
  projects?: number;
  /** Same seed, same company. Default 1. */
  seed?: number;
  /** "Now": ages and last uses are relative to it. Default 2026-11-28. */
  now?: Date | string;
  /** Teams and their components. Default {@link DEFAULT_GCP_TEAMS}. */
  teams?: GcpCompanyTeam[];
  /** People (e-mails) of the company; one may act as a service account. */
  people?: string[];
}

/** The default teams, as in the demo company. @public */
export const DEFAULT_GCP_TEAMS: GcpCompanyTeam[] = [
  {
    name: 'platform',
    components: [
      'ci-runner',
      'deploy-bot',
      'terraform-pipeline',
      'internal-dns',
    ],
  },
  {
    name: 'payments',
    components: [
      'payments-api',
      'billing-worker',
      'fraud-detector',
      'invoice-service',
    ],
  },
  {
    name: 'shipping',
    components: ['tracking-api', 'route-planner', 'carrier-gateway'],
  },
  { name: 'web', components: ['storefront-web', 'mobile-bff', 'customer-app'] },
  {
    name: 'data',
    components: ['etl-orchestrator', 'warehouse-loader', 'reporting-dashboard'],
  },
  {
    name: 'ai-enablement',
    components: ['code-review-agent', 'support-chat-agent'],
  },
];

/** The organization of generated companies. @public */
export const GCP_DEMO_ORGANIZATION_ID = '481516234200';

/** A project of another organization that the caller can see (never read). @public */
export const GCP_PARTNER_PROJECT = 'partner-vendor-prod';

const DOMAIN = 'lumen-freight.example';
const SCOPED_ROLES = [
  'roles/storage.objectViewer',
  'roles/pubsub.publisher',
  'roles/pubsub.subscriber',
  'roles/cloudsql.client',
  'roles/secretmanager.secretAccessor',
  'roles/logging.logWriter',
  'roles/monitoring.metricWriter',
  'roles/bigquery.dataViewer',
  'roles/storage.admin',
  'roles/cloudtrace.agent',
];
const WORDS = ['sync', 'export', 'batch', 'etl', 'reports', 'backup', 'jobs'];

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A 12-digit number from a counter (deterministic, unique per `salt`). */
const digits = (n: number, length: number) =>
  String(n).padStart(length, '0').slice(-length);

/**
 * Generates a deterministic Google Cloud organization for tests, the demo
 * and the bench:
 *
 * - folders `teams` → `production` / `non-production`; per team a
 *   `<team>-prod` and a `<team>-dev` project labelled `team: <team>` and
 *   `environment` (one labelled `owner:` instead, one unlabelled:
 *   `legacy-billing`, owned only through config), more `<team>-<word>-<n>`
 *   projects when `projects` asks for them;
 * - service accounts named after the team's components, each with a
 *   scoped role in its project; about half with user-managed keys of varied
 *   age (some over 90 days, some never used, some disabled, some with an
 *   expiry); last authentication of accounts and keys, recent, old or none;
 * - not drawn at random: the Compute Engine default account with
 *   `roles/editor` (the default), `terraform-pipeline` with `roles/owner`,
 *   an automation account with `roles/resourcemanager.organizationAdmin` on
 *   the organization, `deploy-bot` with `iam.serviceAccountTokenCreator` on
 *   a whole project, `ci-runner` with `iam.serviceAccountUser` on
 *   `payments-api`'s account and federated from GitHub Actions for its
 *   repository, `payments-api` bound to its GKE workload, `storefront-web`
 *   bound to a whole workload identity pool and still holding a key, a
 *   partner's account and a person allowed to impersonate, a legacy
 *   account any Google user may impersonate, a key Google found exposed, a
 *   conditional grant, a custom role, a service agent the listing shows;
 * - one project of another organization, visible but not the company's.
 *
 * @public
 */
export function generateGcpCompany(
  options: GenerateGcpCompanyOptions = {},
): GcpCompanyModel {
  const random = seededRandom(options.seed ?? 1);
  const now = new Date(options.now ?? '2026-11-28T00:00:00Z').getTime();
  const teams = (options.teams ?? DEFAULT_GCP_TEAMS).filter(
    t => t.components.length,
  );
  const people = options.people ?? [`amara@${DOMAIN}`];
  const total = Math.max(0, options.serviceAccounts ?? 300);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const daysAgo = (d: number) => iso(now - d * DAY);

  const org = GCP_DEMO_ORGANIZATION_ID;
  const folders = [
    {
      id: '310000000001',
      displayName: 'teams',
      parent: `organizations/${org}`,
    },
    {
      id: '310000000002',
      displayName: 'production',
      parent: 'folders/310000000001',
      iamPolicy: [] as GcpModelBinding[],
    },
    {
      id: '310000000003',
      displayName: 'non-production',
      parent: 'folders/310000000001',
    },
  ];
  const prodFolder = 'folders/310000000002';
  const devFolder = 'folders/310000000003';

  let numbers = 0;
  let uniques = 0;
  let keyIds = 0;
  const newProject = (
    projectId: string,
    team: string | undefined,
    environment: string,
    labelKey = 'team',
  ): GcpModelProject => ({
    projectId,
    number: `7${digits(++numbers * 7919, 11)}`,
    displayName: projectId,
    parent: environment === 'production' ? prodFolder : devFolder,
    labels: {
      ...(team ? { [labelKey]: team } : {}),
      environment,
    },
    createdAt: daysAgo(700 - numbers),
    serviceAccounts: [],
    iamPolicy: [],
  });

  const projects: GcpModelProject[] = [];
  const teamOf = new Map<GcpModelProject, GcpCompanyTeam>();
  teams.forEach((t, i) => {
    const prod = newProject(
      `${t.name}-prod`,
      t.name,
      'production',
      i === 2 ? 'owner' : 'team',
    );
    const dev = newProject(`${t.name}-dev`, t.name, 'dev');
    projects.push(prod, dev);
    teamOf.set(prod, t);
    teamOf.set(dev, t);
  });
  const wanted = Math.max(options.projects ?? 0, projects.length);
  for (let n = 1; projects.length < wanted; n++) {
    const t = teams[(n - 1) % teams.length];
    const env = n % 3 === 0 ? 'production' : 'staging';
    const p = newProject(
      `${t.name}-${WORDS[n % WORDS.length]}-${n}`,
      t.name,
      env,
    );
    projects.push(p);
    teamOf.set(p, t);
  }
  // Owned only through config (projectOwners): no labels.
  const legacy = newProject('legacy-billing', undefined, 'production');
  legacy.labels = {};
  projects.push(legacy);
  teamOf.set(legacy, teams.find(t => t.name === 'payments') ?? teams[0]);

  const grant = (
    bindings: GcpModelBinding[],
    role: string,
    member: string,
    condition?: GcpModelBinding['condition'],
  ) => {
    const b = bindings.find(
      x =>
        x.role === role &&
        JSON.stringify(x.condition) === JSON.stringify(condition),
    );
    if (b) {
      if (!b.members.includes(member)) b.members.push(member);
    } else {
      bindings.push({
        role,
        members: [member],
        ...(condition ? { condition } : {}),
      });
    }
  };

  const makeKeys = (): GcpModelKey[] => {
    if (random() < 0.5) return [];
    const n = random() < 0.2 ? 2 : 1;
    const keys: GcpModelKey[] = [];
    for (let i = 0; i < n; i++) {
      const age = Math.floor(5 + random() * 600);
      const r = random();
      const key: GcpModelKey = {
        id: (++keyIds * 2654435761).toString(16).padStart(40, 'a').slice(-40),
        createdAt: daysAgo(age),
      };
      if (r < 0.45)
        key.lastAuthenticatedAt = daysAgo(Math.min(age, random() * 10));
      else if (r < 0.75) {
        key.lastAuthenticatedAt = daysAgo(Math.min(age, 95 + random() * 200));
      }
      if (random() < 0.08) key.disabled = true;
      if (random() < 0.1)
        key.expiresAt = iso(Date.parse(key.createdAt) + 90 * DAY);
      keys.push(key);
    }
    return keys;
  };

  const newAccount = (
    p: GcpModelProject,
    name: string,
    extra: Partial<GcpModelServiceAccount> = {},
  ): GcpModelServiceAccount => {
    const keys = extra.keys ?? makeKeys();
    const keyUse = keys
      .map(k => k.lastAuthenticatedAt)
      .filter((x): x is string => !!x)
      .sort()
      .pop();
    const r = random();
    let used = keyUse;
    if (!used && r < 0.6) used = daysAgo(random() * 5);
    else if (!used && r < 0.8) used = daysAgo(100 + random() * 300);
    const sa: GcpModelServiceAccount = {
      email: `${name}@${p.projectId}.iam.gserviceaccount.com`,
      uniqueId: `1${digits(++uniques * 104729, 20)}`,
      displayName: name,
      keys,
      lastAuthenticatedAt: used,
      ...extra,
    };
    p.serviceAccounts.push(sa);
    grant(p.iamPolicy, pick(SCOPED_ROLES), `serviceAccount:${sa.email}`);
    return sa;
  };

  // The drawn accounts, spread over the projects, named after components.
  for (let i = 0; i < total; i++) {
    const p = projects[i % projects.length];
    const t = teamOf.get(p)!;
    const round = Math.floor(i / projects.length);
    const component = t.components[round % t.components.length];
    const cycle = Math.floor(round / t.components.length);
    const name =
      cycle === 0
        ? component
        : `${component}-${WORDS[cycle % WORDS.length]}${cycle}`;
    newAccount(p, name.slice(0, 30));
  }

  // The named cases.
  const project = (name: string) =>
    projects.find(p => p.projectId === name) ?? projects[0];
  const accountNamed = (p: GcpModelProject, name: string) =>
    p.serviceAccounts.find(sa => sa.email.startsWith(`${name}@`)) ??
    newAccount(p, name);
  const platformProd = project('platform-prod');
  const paymentsProd = project('payments-prod');
  const webProd = project('web-prod');
  const dataDev = project('data-dev');
  const shippingProd = project('shipping-prod');
  const pool = `projects/${platformProd.number}/locations/global/workloadIdentityPools/github`;

  // The Compute Engine default account: roles/editor on its project, by default.
  for (const p of projects.slice(0, 3)) {
    const sa: GcpModelServiceAccount = {
      email: `${p.number}-compute@developer.gserviceaccount.com`,
      uniqueId: `1${digits(++uniques * 104729, 20)}`,
      displayName: 'Compute Engine default service account',
      keys: [],
      lastAuthenticatedAt: daysAgo(1),
    };
    p.serviceAccounts.push(sa);
    grant(p.iamPolicy, 'roles/editor', `serviceAccount:${sa.email}`);
  }
  // A Google-managed service agent the listing shows (skipped by default).
  paymentsProd.serviceAccounts.push({
    email: `service-${paymentsProd.number}@gcp-sa-pubsub.iam.gserviceaccount.com`,
    uniqueId: `1${digits(++uniques * 104729, 20)}`,
    displayName: 'Pub/Sub service agent',
    keys: [],
  });

  const terraform = accountNamed(platformProd, 'terraform-pipeline');
  grant(
    platformProd.iamPolicy,
    'roles/owner',
    `serviceAccount:${terraform.email}`,
  );
  terraform.keys = [
    {
      id: 'f'.repeat(8) + digits(++keyIds, 32),
      createdAt: daysAgo(400),
      lastAuthenticatedAt: daysAgo(2),
    },
  ];
  terraform.lastAuthenticatedAt = daysAgo(2);

  const orgAdmin = newAccount(platformProd, 'org-bootstrap', {
    keys: [
      {
        id: 'e'.repeat(8) + digits(++keyIds, 32),
        createdAt: daysAgo(520),
      },
    ],
    lastAuthenticatedAt: undefined,
    description: 'Created for the organization setup',
  });
  const orgPolicy: GcpModelBinding[] = [];
  grant(
    orgPolicy,
    'roles/resourcemanager.organizationAdmin',
    `serviceAccount:${orgAdmin.email}`,
  );
  grant(
    orgPolicy,
    'roles/resourcemanager.organizationAdmin',
    `group:cloud-admins@${DOMAIN}`,
  );

  const deployBot = accountNamed(platformProd, 'deploy-bot');
  grant(
    paymentsProd.iamPolicy,
    'roles/iam.serviceAccountTokenCreator',
    `serviceAccount:${deployBot.email}`,
  );

  const paymentsApi = accountNamed(paymentsProd, 'payments-api');
  paymentsApi.keys = [];
  paymentsApi.lastAuthenticatedAt = daysAgo(0.5);
  const ciRunner = accountNamed(platformProd, 'ci-runner');
  ciRunner.keys = [];
  ciRunner.lastAuthenticatedAt = daysAgo(0.2);
  paymentsApi.iamPolicy = [
    {
      role: 'roles/iam.serviceAccountUser',
      members: [`serviceAccount:${ciRunner.email}`],
    },
    {
      role: 'roles/iam.workloadIdentityUser',
      members: [
        `serviceAccount:${paymentsProd.projectId}.svc.id.goog[payments/payments-api]`,
      ],
    },
  ];
  ciRunner.iamPolicy = [
    {
      role: 'roles/iam.workloadIdentityUser',
      members: [
        `principalSet://iam.googleapis.com/${pool}/attribute.repository/lumen-freight/ci-runner`,
      ],
    },
  ];
  // Production folder: the release account may act as every account below it.
  folders[1].iamPolicy!.push({
    role: 'roles/iam.serviceAccountUser',
    members: [`serviceAccount:${deployBot.email}`],
  });

  const storefront = accountNamed(webProd, 'storefront-web');
  storefront.iamPolicy = [
    {
      role: 'roles/iam.workloadIdentityUser',
      members: [`principalSet://iam.googleapis.com/${pool}/*`],
    },
  ];
  storefront.keys = [
    {
      id: 'd'.repeat(8) + digits(++keyIds, 32),
      createdAt: daysAgo(200),
      lastAuthenticatedAt: daysAgo(150),
    },
  ];
  storefront.lastAuthenticatedAt = daysAgo(1);

  const carrier = accountNamed(shippingProd, 'carrier-gateway');
  carrier.iamPolicy = [
    {
      role: 'roles/iam.serviceAccountTokenCreator',
      members: [
        `serviceAccount:sync@${GCP_PARTNER_PROJECT}.iam.gserviceaccount.com`,
        `user:${people[0]}`,
      ],
    },
  ];

  const legacyExport = newAccount(dataDev, 'legacy-export', {
    keys: [
      {
        id: 'c'.repeat(8) + digits(++keyIds, 32),
        createdAt: daysAgo(45),
        exposed: true,
      },
    ],
    lastAuthenticatedAt: undefined,
  });
  legacyExport.iamPolicy = [
    {
      role: 'roles/iam.serviceAccountTokenCreator',
      members: ['allAuthenticatedUsers'],
    },
  ];

  const invoice = accountNamed(legacy, 'invoice-service');
  grant(
    legacy.iamPolicy,
    'roles/cloudsql.client',
    `serviceAccount:${invoice.email}`,
    {
      title: 'until 2027',
      expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
    },
  );
  grant(
    legacy.iamPolicy,
    `projects/${legacy.projectId}/roles/billingExporter`,
    `serviceAccount:${invoice.email}`,
  );

  const partner: GcpModelProject = {
    projectId: GCP_PARTNER_PROJECT,
    number: '999000000001',
    displayName: 'Partner vendor',
    parent: 'organizations/999000000000',
    labels: {},
    createdAt: daysAgo(900),
    serviceAccounts: [
      {
        email: `sync@${GCP_PARTNER_PROJECT}.iam.gserviceaccount.com`,
        uniqueId: '199900000000000000001',
        keys: [],
      },
    ],
    iamPolicy: [],
  };

  for (const p of projects) {
    p.serviceAccounts.sort((a, b) => a.email.localeCompare(b.email));
  }
  return {
    organizationId: org,
    domain: DOMAIN,
    organizationIamPolicy: orgPolicy,
    folders,
    projects,
    otherProjects: [partner],
  };
}
