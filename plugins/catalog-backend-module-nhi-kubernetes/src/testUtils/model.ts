/**
 * The Kubernetes objects a fake cluster serves: plain JSON as the API
 * returns it (`metadata`, `spec`, `status`…), no client classes.
 *
 * @public
 */
export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
  };
  [key: string]: unknown;
}

/**
 * The resource types the source lists, as the Kubernetes API names them.
 *
 * @public
 */
export type KubernetesResource =
  | 'namespaces'
  | 'serviceaccounts'
  | 'secrets'
  | 'configmaps'
  | 'pods'
  | 'replicasets'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'jobs'
  | 'cronjobs'
  | 'roles'
  | 'clusterroles'
  | 'rolebindings'
  | 'clusterrolebindings';

/**
 * Where each resource type lives in the API: its group (`''` for the core
 * group), version, kind, and whether it is namespaced.
 *
 * @public
 */
export const KUBERNETES_RESOURCES: Record<
  KubernetesResource,
  { group: string; version: string; kind: string; namespaced: boolean }
> = {
  namespaces: {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    namespaced: false,
  },
  serviceaccounts: {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    namespaced: true,
  },
  secrets: { group: '', version: 'v1', kind: 'Secret', namespaced: true },
  configmaps: { group: '', version: 'v1', kind: 'ConfigMap', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', namespaced: true },
  replicasets: {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    namespaced: true,
  },
  deployments: {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespaced: true,
  },
  statefulsets: {
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    namespaced: true,
  },
  daemonsets: {
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    namespaced: true,
  },
  jobs: { group: 'batch', version: 'v1', kind: 'Job', namespaced: true },
  cronjobs: {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    namespaced: true,
  },
  roles: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    namespaced: true,
  },
  clusterroles: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    namespaced: false,
  },
  rolebindings: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    namespaced: true,
  },
  clusterrolebindings: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
};

/**
 * One cluster's objects by resource type: what a fake API server serves.
 *
 * @public
 */
export interface KubernetesClusterModel {
  /** The cluster's name, e.g. `prod`. */
  name: string;
  objects: Partial<Record<KubernetesResource, KubeObject[]>>;
}

/**
 * The ConfigMap in which the API server records since when it tracks the
 * use of legacy service-account tokens (`kube-system`, key `since`).
 *
 * @public
 */
export const LEGACY_TOKEN_TRACKING_CONFIGMAP =
  'kube-apiserver-legacy-service-account-token-tracking';

/** One RBAC policy rule, as in a Role or ClusterRole. @public */
export interface KubePolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

let uidCounter = 0;

/**
 * A uid shaped like Kubernetes' (a UUID), unique within the process and
 * stable for the same sequence of calls.
 *
 * @public
 */
export function kubeUid(seed?: string): string {
  const n = seed
    ? [...seed].reduce(
        (h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619),
        2166136261,
      ) >>> 0
    : ++uidCounter;
  const hex = n.toString(16).padStart(8, '0');
  const tail = (seed ? seed.length : uidCounter).toString(16).padStart(12, '0');
  return `${hex}-0000-4000-8000-${tail.slice(-12)}`;
}

/**
 * Builders of Kubernetes objects for tests: plain JSON with the fields the
 * source reads, uids derived from the names.
 *
 * @public
 */
export const kube = {
  namespace(name: string, labels?: Record<string, string>): KubeObject {
    return {
      metadata: {
        name,
        uid: kubeUid(`ns/${name}`),
        creationTimestamp: '2024-01-01T00:00:00Z',
        ...(labels ? { labels } : {}),
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  },
  serviceAccount(
    namespace: string,
    name: string,
    extra: {
      createdAt?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      automountServiceAccountToken?: boolean;
    } = {},
  ): KubeObject {
    return {
      metadata: {
        name,
        namespace,
        uid: kubeUid(`sa/${namespace}/${name}`),
        creationTimestamp: extra.createdAt ?? '2024-01-01T00:00:00Z',
        ...(extra.labels ? { labels: extra.labels } : {}),
        ...(extra.annotations ? { annotations: extra.annotations } : {}),
      },
      ...(extra.automountServiceAccountToken !== undefined
        ? { automountServiceAccountToken: extra.automountServiceAccountToken }
        : {}),
    };
  },
  /** A legacy token Secret (`kubernetes.io/service-account-token`); never a real token. */
  tokenSecret(
    namespace: string,
    name: string,
    serviceAccount: string,
    extra: {
      createdAt?: string;
      lastUsed?: string;
      invalidSince?: string;
    } = {},
  ): KubeObject {
    const labels: Record<string, string> = {};
    if (extra.lastUsed) {
      labels['kubernetes.io/legacy-token-last-used'] = extra.lastUsed;
    }
    if (extra.invalidSince) {
      labels['kubernetes.io/legacy-token-invalid-since'] = extra.invalidSince;
    }
    return {
      metadata: {
        name,
        namespace,
        uid: kubeUid(`secret/${namespace}/${name}`),
        creationTimestamp: extra.createdAt ?? '2024-01-01T00:00:00Z',
        ...(Object.keys(labels).length ? { labels } : {}),
        annotations: {
          'kubernetes.io/service-account.name': serviceAccount,
          'kubernetes.io/service-account.uid': kubeUid(
            `sa/${namespace}/${serviceAccount}`,
          ),
        },
      },
      type: 'kubernetes.io/service-account-token',
      // The fake never serves secret material: placeholders only.
      data: { 'ca.crt': 'LS0tZmFrZS0tLQ==', namespace: '', token: '' },
    };
  },
  role(namespace: string, name: string, rules: KubePolicyRule[]): KubeObject {
    return {
      metadata: { name, namespace, uid: kubeUid(`role/${namespace}/${name}`) },
      rules,
    };
  },
  clusterRole(
    name: string,
    rules: KubePolicyRule[],
    extra: {
      labels?: Record<string, string>;
      aggregationRule?: {
        clusterRoleSelectors: Array<{
          matchLabels?: Record<string, string>;
          matchExpressions?: Array<{
            key: string;
            operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
            values?: string[];
          }>;
        }>;
      };
    } = {},
  ): KubeObject {
    return {
      metadata: {
        name,
        uid: kubeUid(`clusterrole/${name}`),
        ...(extra.labels ? { labels: extra.labels } : {}),
      },
      rules,
      ...(extra.aggregationRule
        ? { aggregationRule: extra.aggregationRule }
        : {}),
    };
  },
  roleBinding(
    namespace: string,
    name: string,
    roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
    subjects: KubeSubject[],
  ): KubeObject {
    return {
      metadata: {
        name,
        namespace,
        uid: kubeUid(`rolebinding/${namespace}/${name}`),
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
      subjects,
    };
  },
  clusterRoleBinding(
    name: string,
    clusterRole: string,
    subjects: KubeSubject[],
    labels?: Record<string, string>,
  ): KubeObject {
    return {
      metadata: {
        name,
        uid: kubeUid(`clusterrolebinding/${name}`),
        ...(labels ? { labels } : {}),
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: clusterRole,
      },
      subjects,
    };
  },
  /**
   * A Deployment running as a service account with its current ReplicaSet
   * and `replicas` running pods (owner references as the controllers set
   * them), keyed by resource type.
   */
  deployment(
    namespace: string,
    name: string,
    serviceAccount: string | undefined,
    extra: {
      replicas?: number;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      createdAt?: string;
      automountServiceAccountToken?: boolean;
    } = {},
  ): Pick<
    Record<KubernetesResource, KubeObject[]>,
    'deployments' | 'replicasets' | 'pods'
  > {
    const replicas = extra.replicas ?? 1;
    const labels = { 'app.kubernetes.io/name': name, ...extra.labels };
    const created = extra.createdAt ?? '2024-01-01T00:00:00Z';
    const podSpec = {
      ...(serviceAccount ? { serviceAccountName: serviceAccount } : {}),
      ...(extra.automountServiceAccountToken !== undefined
        ? { automountServiceAccountToken: extra.automountServiceAccountToken }
        : {}),
      containers: [{ name, image: `registry.example/${name}:1.0.0` }],
    };
    const deployment: KubeObject = {
      metadata: {
        name,
        namespace,
        uid: kubeUid(`deployment/${namespace}/${name}`),
        creationTimestamp: created,
        labels,
        ...(extra.annotations ? { annotations: extra.annotations } : {}),
      },
      spec: { replicas, template: { metadata: { labels }, spec: podSpec } },
      status: { replicas, readyReplicas: replicas },
    };
    const hash = kubeUid(`hash/${namespace}/${name}`).slice(0, 10);
    const rsName = `${name}-${hash}`;
    const replicaSet: KubeObject = {
      metadata: {
        name: rsName,
        namespace,
        uid: kubeUid(`replicaset/${namespace}/${rsName}`),
        creationTimestamp: created,
        labels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name,
            uid: deployment.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: { replicas, template: { metadata: { labels }, spec: podSpec } },
      status: { replicas },
    };
    const pods = Array.from({ length: replicas }, (_, i) =>
      kube.pod(
        namespace,
        `${rsName}-${String.fromCharCode(97 + (i % 26))}${i}x9k`,
        serviceAccount,
        {
          labels,
          owner: {
            kind: 'ReplicaSet',
            apiVersion: 'apps/v1',
            object: replicaSet,
          },
          automountServiceAccountToken: extra.automountServiceAccountToken,
        },
      ),
    );
    return { deployments: [deployment], replicasets: [replicaSet], pods };
  },
  /**
   * A CronJob running as a service account, last scheduled at
   * `lastScheduleTime`, with the Job of that run and its finished pod.
   */
  cronJob(
    namespace: string,
    name: string,
    serviceAccount: string,
    extra: {
      lastScheduleTime?: string;
      labels?: Record<string, string>;
      suspend?: boolean;
      createdAt?: string;
    } = {},
  ): Pick<
    Record<KubernetesResource, KubeObject[]>,
    'cronjobs' | 'jobs' | 'pods'
  > {
    const labels = { 'app.kubernetes.io/name': name, ...extra.labels };
    const podSpec = {
      serviceAccountName: serviceAccount,
      restartPolicy: 'OnFailure',
      containers: [{ name, image: `registry.example/${name}:1.0.0` }],
    };
    const cronJob: KubeObject = {
      metadata: {
        name,
        namespace,
        uid: kubeUid(`cronjob/${namespace}/${name}`),
        creationTimestamp: extra.createdAt ?? '2024-01-01T00:00:00Z',
        labels,
      },
      spec: {
        schedule: '0 3 * * *',
        suspend: extra.suspend ?? false,
        jobTemplate: {
          spec: { template: { metadata: { labels }, spec: podSpec } },
        },
      },
      status: extra.lastScheduleTime
        ? { lastScheduleTime: extra.lastScheduleTime }
        : {},
    };
    if (!extra.lastScheduleTime)
      return { cronjobs: [cronJob], jobs: [], pods: [] };
    const jobName = `${name}-${Math.floor(
      Date.parse(extra.lastScheduleTime) / 60000,
    )}`;
    const job: KubeObject = {
      metadata: {
        name: jobName,
        namespace,
        uid: kubeUid(`job/${namespace}/${jobName}`),
        creationTimestamp: extra.lastScheduleTime,
        labels,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name,
            uid: cronJob.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: { template: { metadata: { labels }, spec: podSpec } },
      status: {
        startTime: extra.lastScheduleTime,
        completionTime: extra.lastScheduleTime,
        succeeded: 1,
      },
    };
    const pod = kube.pod(namespace, `${jobName}-q7x2m`, serviceAccount, {
      labels,
      owner: { kind: 'Job', apiVersion: 'batch/v1', object: job },
      phase: 'Succeeded',
      startTime: extra.lastScheduleTime,
    });
    return { cronjobs: [cronJob], jobs: [job], pods: [pod] };
  },
  pod(
    namespace: string,
    name: string,
    serviceAccount: string | undefined,
    extra: {
      labels?: Record<string, string>;
      owner?: { kind: string; apiVersion: string; object: KubeObject };
      phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
      startTime?: string;
      automountServiceAccountToken?: boolean;
    } = {},
  ): KubeObject {
    return {
      metadata: {
        name,
        namespace,
        uid: kubeUid(`pod/${namespace}/${name}`),
        creationTimestamp: extra.startTime ?? '2024-01-01T00:00:00Z',
        ...(extra.labels ? { labels: extra.labels } : {}),
        ...(extra.owner
          ? {
              ownerReferences: [
                {
                  apiVersion: extra.owner.apiVersion,
                  kind: extra.owner.kind,
                  name: extra.owner.object.metadata.name,
                  uid: extra.owner.object.metadata.uid!,
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        // What the API server stores: the admission plugin fills both.
        serviceAccountName: serviceAccount ?? 'default',
        serviceAccount: serviceAccount ?? 'default',
        ...(extra.automountServiceAccountToken !== undefined
          ? { automountServiceAccountToken: extra.automountServiceAccountToken }
          : {}),
        containers: [{ name: 'main', image: 'registry.example/app:1.0.0' }],
      },
      status: {
        phase: extra.phase ?? 'Running',
        startTime: extra.startTime ?? '2024-01-01T00:00:00Z',
      },
    };
  },
  /** A subject naming a service account. */
  sa(namespace: string, name: string): KubeSubject {
    return { kind: 'ServiceAccount', name, namespace };
  },
  /** A subject naming a group. */
  group(name: string): KubeSubject {
    return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name };
  },
};

/** A subject of a RoleBinding or ClusterRoleBinding. @public */
export interface KubeSubject {
  kind: 'ServiceAccount' | 'User' | 'Group';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

/**
 * A cluster model from parts (each a map of resource type to objects, as
 * the {@link kube} builders return them), concatenated in order.
 *
 * @public
 */
export function kubernetesCluster(
  name: string,
  ...parts: Array<Partial<Record<KubernetesResource, KubeObject[]>>>
): KubernetesClusterModel {
  const objects: Partial<Record<KubernetesResource, KubeObject[]>> = {};
  for (const part of parts) {
    for (const [resource, list] of Object.entries(part) as Array<
      [KubernetesResource, KubeObject[]]
    >) {
      (objects[resource] ??= []).push(...list);
    }
  }
  return { name, objects };
}
