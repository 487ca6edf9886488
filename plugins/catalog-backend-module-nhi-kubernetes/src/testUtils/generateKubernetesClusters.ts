import { DAY, seededRandom } from '@backstage-nhi/plugin-nhi-common';
import {
  kube,
  KubeObject,
  KubePolicyRule,
  KubernetesClusterModel,
  KubernetesResource,
  kubernetesCluster,
  kubeUid,
  LEGACY_TOKEN_TRACKING_CONFIGMAP,
} from './model';

/**
 * A team of the company: its namespace and the components its workloads
 * are named after.
 *
 * @public
 */
export interface KubernetesTeam {
  name: string;
  components: string[];
}

/**
 * Options of {@link generateKubernetesClusters}.
 *
 * @public
 */
export interface GenerateKubernetesClustersOptions {
  /** Cluster names; the first gets the cases a reviewer looks for. Default `[prod, staging]`. */
  clusters?: string[];
  /** Service accounts in total, spread evenly over the clusters (the fixed ones count). */
  serviceAccounts: number;
  /** Teams: one namespace each, workloads named after their components. */
  teams?: KubernetesTeam[];
  /** Same seed, same clusters. Default 1. */
  seed?: number;
  /** "Now": ages and last uses are relative to it. Default 2026-11-28. */
  now?: Date | string;
  /** Identities the federated service accounts of the first cluster bind to. */
  federationTargets?: { aws?: string; gcp?: string; azure?: string };
}

/** The teams of the demo company, with their components. @public */
export const DEFAULT_KUBERNETES_TEAMS: KubernetesTeam[] = [
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
    components: [
      'tracking-api',
      'route-planner',
      'label-printer',
      'carrier-gateway',
    ],
  },
  {
    name: 'web',
    components: [
      'storefront-web',
      'mobile-bff',
      'customer-app',
      'notifications-service',
    ],
  },
  {
    name: 'data',
    components: [
      'etl-orchestrator',
      'warehouse-loader',
      'ml-feature-store',
      'reporting-dashboard',
    ],
  },
  {
    name: 'ai-enablement',
    components: ['code-review-agent', 'support-chat-agent', 'ops-agent'],
  },
];

/** Default federation targets: an AWS role, a GCP service account, an Azure client id. @public */
export const DEFAULT_FEDERATION_TARGETS = {
  aws: 'arn:aws:iam::100000001112:role/payments-api-irsa',
  gcp: 'ml-feature-store@lumen-data.iam.gserviceaccount.com',
  azure: '6f1d2a7e-3b4c-4d5e-8f90-a1b2c3d4e5f6',
};

const WORDS = [
  'api',
  'worker',
  'sync',
  'export',
  'ingest',
  'backup',
  'cache',
  'proxy',
  'indexer',
  'notifier',
];
const AGGREGATE = (to: string) => ({
  [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true',
});
const BOOTSTRAP = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/** The built-in roles of a cluster, simplified: aggregated admin/edit/view with empty rules, as the aggregation controller would fill them. */
function builtInRoles(): KubeObject[] {
  const aggregated = (name: string, to: string) =>
    kube.clusterRole(name, [], {
      labels: { ...BOOTSTRAP },
      aggregationRule: {
        clusterRoleSelectors: [{ matchLabels: AGGREGATE(to) }],
      },
    });
  const workloads: KubePolicyRule = {
    apiGroups: ['apps'],
    resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
    verbs: READ,
  };
  return [
    kube.clusterRole(
      'cluster-admin',
      [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
      { labels: { ...BOOTSTRAP } },
    ),
    aggregated('admin', 'admin'),
    aggregated('edit', 'edit'),
    aggregated('view', 'view'),
    kube.clusterRole(
      'system:aggregate-to-view',
      [
        {
          apiGroups: [''],
          resources: [
            'pods',
            'services',
            'configmaps',
            'endpoints',
            'serviceaccounts',
          ],
          verbs: READ,
        },
        workloads,
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
      ],
      { labels: { ...BOOTSTRAP, ...AGGREGATE('view') } },
    ),
    kube.clusterRole(
      'system:aggregate-to-edit',
      [
        {
          apiGroups: [''],
          resources: [
            'pods',
            'pods/exec',
            'pods/attach',
            'services',
            'configmaps',
            'secrets',
            'persistentvolumeclaims',
          ],
          verbs: [...READ, ...WRITE],
        },
        {
          apiGroups: ['apps'],
          resources: [
            'deployments',
            'replicasets',
            'statefulsets',
            'daemonsets',
          ],
          verbs: [...READ, ...WRITE],
        },
        {
          apiGroups: ['batch'],
          resources: ['jobs', 'cronjobs'],
          verbs: [...READ, ...WRITE],
        },
        {
          apiGroups: [''],
          resources: ['serviceaccounts'],
          verbs: ['impersonate'],
        },
      ],
      { labels: { ...BOOTSTRAP, ...AGGREGATE('edit'), ...AGGREGATE('admin') } },
    ),
    kube.clusterRole(
      'system:aggregate-to-admin',
      [
        {
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['roles', 'rolebindings'],
          verbs: [...READ, ...WRITE],
        },
      ],
      { labels: { ...BOOTSTRAP, ...AGGREGATE('admin') } },
    ),
    kube.clusterRole(
      'system:service-account-issuer-discovery',
      [
        {
          nonResourceURLs: [
            '/.well-known/openid-configuration',
            '/openid/v1/jwks',
          ],
          verbs: ['get'],
        },
      ],
      { labels: { ...BOOTSTRAP } },
    ),
  ];
}

/**
 * A company's Kubernetes clusters, deterministic for the same options:
 *
 * - per cluster: `kube-system` (coredns, kube-proxy), `default`, and one
 *   namespace per team (most labelled `team: <team>`), the built-in roles
 *   (aggregated `admin`/`edit`/`view` whose rules come from the
 *   `aggregate-to-*` roles' labels) and the bootstrap binding of
 *   `system:serviceaccounts` to issuer discovery;
 * - per component of a team: a service account `<component>-sa` and a
 *   Deployment `<component>` running as it (a CronJob for workers, loaders
 *   and pipelines), labelled `backstage.io/kubernetes-id: <component>`,
 *   bound to `view` in its namespace;
 * - up to `serviceAccounts`, more accounts per team: most run a Deployment
 *   or a CronJob, some run nothing; some hold legacy token Secrets (used
 *   lately, unused for more than 90 days, or never); most bound to `view`
 *   or `edit` in their namespace;
 * - in the first cluster, one of each case a reviewer looks for: a
 *   cluster-admin binding (`platform/deploy-bot-sa`), a CI account with
 *   escalation paths and a legacy token (`platform/ci-runner-sa`), a
 *   cluster-wide Secrets reader (`platform/terraform-pipeline-sa`), a legacy
 *   token unused for 120 days on a CronJob's account
 *   (`payments/billing-worker-sa`), a dormant account with an old token
 *   (`payments/legacy-reconciler`), one federated account per cloud (EKS,
 *   GKE, Azure), a `default` account bound to `edit`
 *   (`shipping/default`), an unowned namespace `sandbox` with an admin,
 *   and an agent-made account (`ai-enablement/ops-agent-sa`);
 * - the legacy-token tracking ConfigMap, since 400 days ago.
 *
 * @public
 */
export function generateKubernetesClusters(
  options: GenerateKubernetesClustersOptions,
): KubernetesClusterModel[] {
  const names = options.clusters?.length
    ? options.clusters
    : ['prod', 'staging'];
  const teams = options.teams?.length
    ? options.teams
    : DEFAULT_KUBERNETES_TEAMS;
  const seed = options.seed ?? 1;
  const now = new Date(options.now ?? '2026-11-28T00:00:00Z').getTime();
  const perCluster = Math.max(
    1,
    Math.ceil(options.serviceAccounts / names.length),
  );
  const targets = {
    ...DEFAULT_FEDERATION_TARGETS,
    ...options.federationTargets,
  };
  const iso = (t: number) =>
    new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const teamNamed = (name: string, fallback: number) =>
    teams.find(t => t.name === name) ?? teams[fallback % teams.length];

  return names.map((clusterName, index) => {
    const rnd = seededRandom(seed * 7919 + index * 104729 + 3);
    const pick = <T>(list: readonly T[]) =>
      list[Math.floor(rnd() * list.length)];
    const chance = (p: number) => rnd() < p;
    const daysAgo = (min: number, max: number) =>
      now -
      (min + Math.floor(rnd() * (max - min))) * DAY -
      Math.floor(rnd() * DAY);
    const parts: Array<Partial<Record<KubernetesResource, KubeObject[]>>> = [];
    const add = (part: Partial<Record<KubernetesResource, KubeObject[]>>) =>
      parts.push(part);
    let accounts = 0;
    const sa = (
      ns: string,
      name: string,
      extra: Parameters<typeof kube.serviceAccount>[2] = {},
    ) => {
      accounts++;
      add({ serviceaccounts: [kube.serviceAccount(ns, name, extra)] });
    };

    add({
      namespaces: [
        kube.namespace('kube-system'),
        kube.namespace('kube-public'),
        kube.namespace('default'),
      ],
      clusterroles: builtInRoles(),
      clusterrolebindings: [
        kube.clusterRoleBinding(
          'system:service-account-issuer-discovery',
          'system:service-account-issuer-discovery',
          [kube.group('system:serviceaccounts')],
          BOOTSTRAP,
        ),
      ],
      configmaps: [
        {
          metadata: {
            name: LEGACY_TOKEN_TRACKING_CONFIGMAP,
            namespace: 'kube-system',
            uid: kubeUid(`${clusterName}/tracking`),
            creationTimestamp: iso(now - 400 * DAY),
          },
          data: { since: day(now - 400 * DAY) },
        },
      ],
    });
    for (const ns of ['kube-system', 'kube-public', 'default'])
      sa(ns, 'default');
    sa('kube-system', 'coredns', { createdAt: iso(now - 900 * DAY) });
    add(
      kube.deployment('kube-system', 'coredns', 'coredns', {
        replicas: 2,
        createdAt: iso(now - 900 * DAY),
      }),
    );
    add({
      clusterroles: [
        kube.clusterRole('system:coredns', [
          {
            apiGroups: [''],
            resources: ['endpoints', 'services', 'pods', 'namespaces'],
            verbs: ['list', 'watch'],
          },
        ]),
      ],
      clusterrolebindings: [
        kube.clusterRoleBinding('system:coredns', 'system:coredns', [
          kube.sa('kube-system', 'coredns'),
        ]),
      ],
    });

    // Team namespaces and a workload per component.
    teams.forEach((team, t) => {
      const labelled = index === 0 ? t % 7 !== 5 : chance(0.85);
      add({
        namespaces: [
          kube.namespace(team.name, labelled ? { team: team.name } : undefined),
        ],
      });
      sa(team.name, 'default', { createdAt: iso(now - 800 * DAY) });
      for (const component of team.components) {
        const account = `${component}-sa`;
        const created = iso(daysAgo(60, 900));
        sa(team.name, account, {
          createdAt: created,
          labels: { 'app.kubernetes.io/name': component },
        });
        const labels: Record<string, string> = {
          'backstage.io/kubernetes-id': component,
          ...(chance(0.7) ? { team: team.name } : {}),
        };
        if (/worker|loader|pipeline|orchestrator/.test(component)) {
          add(
            kube.cronJob(team.name, component, account, {
              labels,
              createdAt: created,
              lastScheduleTime: iso(daysAgo(0, 25)),
            }),
          );
        } else {
          add(
            kube.deployment(team.name, component, account, {
              replicas: 1 + Math.floor(rnd() * 3),
              labels,
              createdAt: created,
            }),
          );
        }
        add({
          rolebindings: [
            kube.roleBinding(
              team.name,
              `${component}-view`,
              { kind: 'ClusterRole', name: 'view' },
              [kube.sa(team.name, account)],
            ),
          ],
        });
      }
    });

    if (index === 0) {
      const platform = teamNamed('platform', 0).name;
      const payments = teamNamed('payments', 1).name;
      const shipping = teamNamed('shipping', 2).name;
      const web = teamNamed('web', 3).name;
      const data = teamNamed('data', 4).name;
      const ai = teamNamed('ai-enablement', 5).name;
      const ensure = (ns: string, name: string, component: string) => {
        // A team without that component still gets the case, as an extra account.
        const exists = parts.some(p =>
          p.serviceaccounts?.some(
            o => o.metadata.namespace === ns && o.metadata.name === name,
          ),
        );
        if (!exists) {
          sa(ns, name, {
            createdAt: iso(now - 300 * DAY),
            labels: { 'app.kubernetes.io/name': component },
          });
          add(
            kube.deployment(ns, component, name, {
              labels: { 'backstage.io/kubernetes-id': component },
            }),
          );
        }
      };
      ensure(platform, 'deploy-bot-sa', 'deploy-bot');
      ensure(platform, 'ci-runner-sa', 'ci-runner');
      ensure(platform, 'terraform-pipeline-sa', 'terraform-pipeline');
      add({
        clusterrolebindings: [
          kube.clusterRoleBinding('deploy-bot-cluster-admin', 'cluster-admin', [
            kube.sa(platform, 'deploy-bot-sa'),
          ]),
          kube.clusterRoleBinding('ci-runner', 'ci-runner', [
            kube.sa(platform, 'ci-runner-sa'),
          ]),
          kube.clusterRoleBinding(
            'terraform-secrets-reader',
            'secrets-reader',
            [kube.sa(platform, 'terraform-pipeline-sa')],
          ),
        ],
        clusterroles: [
          kube.clusterRole('ci-runner', [
            {
              apiGroups: [''],
              resources: ['pods', 'pods/exec', 'pods/log'],
              verbs: ['create', 'get', 'list', 'delete'],
            },
            {
              apiGroups: [''],
              resources: ['serviceaccounts/token'],
              verbs: ['create'],
            },
            {
              apiGroups: ['rbac.authorization.k8s.io'],
              resources: ['roles', 'rolebindings'],
              verbs: ['create', 'bind', 'get'],
            },
            {
              apiGroups: ['apps'],
              resources: ['deployments'],
              verbs: ['get', 'patch', 'update'],
            },
          ]),
          kube.clusterRole('secrets-reader', [
            { apiGroups: [''], resources: ['secrets'], verbs: READ },
          ]),
        ],
        secrets: [
          kube.tokenSecret(platform, 'ci-runner-token', 'ci-runner-sa', {
            createdAt: iso(now - 400 * DAY),
            lastUsed: day(now - 2 * DAY),
          }),
        ],
      });

      ensure(payments, 'billing-worker-sa', 'billing-worker');
      add({
        secrets: [
          kube.tokenSecret(
            payments,
            'billing-worker-token',
            'billing-worker-sa',
            {
              createdAt: iso(now - 500 * DAY),
              lastUsed: day(now - 120 * DAY),
            },
          ),
          kube.tokenSecret(
            payments,
            'legacy-reconciler-token',
            'legacy-reconciler',
            {
              createdAt: iso(now - 700 * DAY),
              lastUsed: day(now - 200 * DAY),
            },
          ),
        ],
      });
      sa(payments, 'legacy-reconciler', { createdAt: iso(now - 700 * DAY) });

      const federated: Array<[string, string, string, string]> = [
        [payments, 'payments-api', 'eks.amazonaws.com/role-arn', targets.aws],
        [
          data,
          'ml-feature-store',
          'iam.gke.io/gcp-service-account',
          targets.gcp,
        ],
        [
          web,
          'storefront-web',
          'azure.workload.identity/client-id',
          targets.azure,
        ],
      ];
      for (const [ns, component, annotation, target] of federated) {
        ensure(ns, `${component}-sa`, component);
        const account = parts
          .flatMap(p => p.serviceaccounts ?? [])
          .find(
            o =>
              o.metadata.namespace === ns &&
              o.metadata.name === `${component}-sa`,
          )!;
        account.metadata.annotations = {
          ...account.metadata.annotations,
          [annotation]: target,
        };
      }

      add({
        rolebindings: [
          kube.roleBinding(
            shipping,
            'default-edit',
            { kind: 'ClusterRole', name: 'edit' },
            [kube.sa(shipping, 'default')],
          ),
        ],
      });
      add({ namespaces: [kube.namespace('sandbox')] });
      sa('sandbox', 'default', { createdAt: iso(now - 600 * DAY) });
      sa('sandbox', 'scratch-admin', { createdAt: iso(now - 600 * DAY) });
      add({
        rolebindings: [
          kube.roleBinding(
            'sandbox',
            'scratch-admin',
            { kind: 'ClusterRole', name: 'admin' },
            [kube.sa('sandbox', 'scratch-admin')],
          ),
        ],
      });
      ensure(ai, 'ops-agent-sa', 'ops-agent');
      const agent = parts
        .flatMap(p => p.serviceaccounts ?? [])
        .find(
          o =>
            o.metadata.namespace === ai && o.metadata.name === 'ops-agent-sa',
        )!;
      agent.metadata.annotations = {
        ...agent.metadata.annotations,
        'agent-id': 'ops-agent',
        'on-behalf-of': 'chen.li',
        reason: 'runbook automation',
        'expires-at': day(now + 60 * DAY),
      };
    }

    // More accounts, up to the cluster's share.
    let n = 0;
    while (accounts < perCluster) {
      const team = teams[n % teams.length];
      const component =
        team.components[Math.floor(n / teams.length) % team.components.length];
      const name = `${component}-${pick(WORDS)}-${++n}`;
      const created = daysAgo(1, 1500);
      sa(team.name, name, { createdAt: iso(created) });
      const labels: Record<string, string> = chance(0.6)
        ? {
            'backstage.io/kubernetes-id': component,
            ...(chance(0.5) ? { team: team.name } : {}),
          }
        : { 'app.kubernetes.io/part-of': component };
      const r = rnd();
      if (r < 0.55) {
        add(
          kube.deployment(team.name, name, name, {
            labels,
            createdAt: iso(created),
            replicas: chance(0.1) ? 0 : 1,
          }),
        );
      } else if (r < 0.67) {
        const suspended = chance(0.15);
        add(
          kube.cronJob(team.name, name, name, {
            labels,
            createdAt: iso(created),
            suspend: suspended,
            lastScheduleTime: iso(
              Math.max(created, suspended ? daysAgo(100, 400) : daysAgo(0, 30)),
            ),
          }),
        );
      } else if (r < 0.72) {
        add({
          statefulsets: [
            {
              metadata: {
                name,
                namespace: team.name,
                uid: kubeUid(`sts/${clusterName}/${team.name}/${name}`),
                creationTimestamp: iso(created),
                labels,
              },
              spec: {
                replicas: 1,
                template: {
                  metadata: { labels },
                  spec: {
                    serviceAccountName: name,
                    containers: [{ name, image: `registry.example/${name}:1` }],
                  },
                },
              },
            },
          ],
        });
      }
      if (chance(0.15)) {
        const tokenCreated = Math.max(created, daysAgo(30, 900));
        // Used lately, unused for more than 90 days, or never.
        const use = rnd();
        let lastUsed: string | undefined;
        if (use < 0.5) lastUsed = day(Math.max(tokenCreated, daysAgo(0, 30)));
        else if (use < 0.75) {
          lastUsed = day(Math.max(tokenCreated, daysAgo(91, 400)));
        }
        add({
          secrets: [
            kube.tokenSecret(team.name, `${name}-token`, name, {
              createdAt: iso(tokenCreated),
              ...(lastUsed ? { lastUsed } : {}),
              ...(chance(0.05) ? { invalidSince: day(daysAgo(1, 30)) } : {}),
            }),
          ],
        });
      }
      const b = rnd();
      if (b < 0.45) {
        add({
          rolebindings: [
            kube.roleBinding(
              team.name,
              `${name}-view`,
              { kind: 'ClusterRole', name: 'view' },
              [kube.sa(team.name, name)],
            ),
          ],
        });
      } else if (b < 0.6) {
        add({
          rolebindings: [
            kube.roleBinding(
              team.name,
              `${name}-edit`,
              { kind: 'ClusterRole', name: 'edit' },
              [kube.sa(team.name, name)],
            ),
          ],
        });
      } else if (b < 0.63) {
        add({
          clusterrolebindings: [
            kube.clusterRoleBinding(`${team.name}-${name}-view`, 'view', [
              kube.sa(team.name, name),
            ]),
          ],
        });
      }
    }
    return kubernetesCluster(clusterName, ...parts);
  });
}
