import pLimit from 'p-limit';
import {
  ClusterApis,
  KubernetesRequestError,
  listAll,
  ListedResource,
  readTokenTrackingSince,
  RequestSettings,
  toRequestError,
} from './client';

/**
 * What the source keeps of an object's metadata.
 *
 * @public
 */
export interface ObjectMeta {
  name: string;
  /** `''` for cluster-scoped objects. */
  namespace: string;
  uid?: string;
  /** ISO 8601. */
  createdAt?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The controller owner reference (`controller: true`), if any. */
  controller?: { kind: string; name: string };
}

/** A ServiceAccount. @public */
export interface ServiceAccountInfo {
  meta: ObjectMeta;
  /** `automountServiceAccountToken`; undefined means the default, true. */
  automount?: boolean;
}

/** A legacy token Secret (`kubernetes.io/service-account-token`); never its data. @public */
export interface TokenSecretInfo {
  meta: ObjectMeta;
  serviceAccountName: string;
  serviceAccountUid?: string;
  /** `kubernetes.io/legacy-token-last-used`: the day the API server last saw it used. */
  lastUsed?: string;
  /** `kubernetes.io/legacy-token-invalid-since`: invalidated by the token cleaner. */
  invalidSince?: string;
}

/** A Pod: who it runs as and whether it runs. @public */
export interface PodInfo {
  meta: ObjectMeta;
  serviceAccount: string;
  automount?: boolean;
  phase?: string;
  startedAt?: string;
  /** The latest time one of its containers terminated, for finished pods. */
  finishedAt?: string;
}

/** The kinds of workload controllers the source follows. @public */
export type WorkloadKind =
  | 'ReplicaSet'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'Job'
  | 'CronJob';

/** A workload controller and the service account its pod template names. @public */
export interface WorkloadInfo {
  kind: WorkloadKind;
  meta: ObjectMeta;
  /** The pod template's service account (`default` when it names none). */
  serviceAccount: string;
  automount?: boolean;
  /** Whether it is meant to run: replicas above zero, a CronJob not suspended, a Job not finished. */
  active: boolean;
  /** When it last ran: a CronJob's last schedule, a Job's completion or start. */
  lastRunAt?: string;
}

/** One RBAC policy rule, with absent lists as empty ones. @public */
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/** A label selector of an aggregation rule. @public */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
}

/** A Role or ClusterRole. @public */
export interface RoleInfo {
  kind: 'Role' | 'ClusterRole';
  meta: ObjectMeta;
  rules: RbacRule[];
  /** For aggregated ClusterRoles: the selectors of the roles they aggregate. */
  aggregation?: LabelSelector[];
}

/** A RoleBinding or ClusterRoleBinding. @public */
export interface BindingInfo {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  meta: ObjectMeta;
  roleRef: { kind: string; name: string };
  subjects: Array<{ kind: string; name: string; namespace?: string }>;
}

/**
 * Everything one cluster's bulk reads returned. A part whose list failed
 * is undefined, with the error in `unreadable`.
 *
 * @public
 */
export interface ClusterSnapshot {
  cluster: string;
  serviceAccounts: ServiceAccountInfo[];
  namespaces?: ObjectMeta[];
  tokens?: TokenSecretInfo[];
  pods?: PodInfo[];
  /** Every workload kind that could be listed (see `unreadable` for the others). */
  workloads: WorkloadInfo[];
  rbac?: {
    roles: RoleInfo[];
    clusterRoles: RoleInfo[];
    roleBindings: BindingInfo[];
    clusterRoleBindings: BindingInfo[];
  };
  /** Since when the API server records legacy-token use (`YYYY-MM-DD`), if known. */
  tokenTrackingSince?: string;
  /** The lists that failed, with why. */
  unreadable: Map<ListedResource, KubernetesRequestError>;
}

/** The service-account list failed: nothing of the cluster can be ingested. @public */
export class ClusterReadError extends Error {
  constructor(readonly reason: KubernetesRequestError) {
    super(reason.message);
    this.name = 'ClusterReadError';
  }
}

const iso = (d: unknown): string | undefined => {
  if (d instanceof Date)
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  if (typeof d === 'string' && d) return d;
  return undefined;
};

function metaOf(o: any): ObjectMeta | undefined {
  const m = o?.metadata;
  if (!m?.name) return undefined;
  const owner = (m.ownerReferences ?? []).find((r: any) => r?.controller);
  return {
    name: m.name,
    namespace: m.namespace ?? '',
    ...(m.uid ? { uid: m.uid } : {}),
    ...(iso(m.creationTimestamp)
      ? { createdAt: iso(m.creationTimestamp) }
      : {}),
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
    ...(owner?.kind && owner?.name
      ? { controller: { kind: owner.kind, name: owner.name } }
      : {}),
  };
}

function rulesOf(list: any[] | undefined): RbacRule[] {
  return (list ?? []).map(r => ({
    apiGroups: r.apiGroups ?? [],
    resources: r.resources ?? [],
    verbs: r.verbs ?? [],
    resourceNames: r.resourceNames ?? [],
    nonResourceURLs: r.nonResourceURLs ?? [],
  }));
}

function workload(
  kind: WorkloadKind,
  podSpec: any,
  o: any,
  active: boolean,
  lastRunAt?: string,
): WorkloadInfo | undefined {
  const meta = metaOf(o);
  if (!meta) return undefined;
  return {
    kind,
    meta,
    serviceAccount:
      podSpec?.serviceAccountName || podSpec?.serviceAccount || 'default',
    ...(podSpec?.automountServiceAccountToken !== undefined
      ? { automount: podSpec.automountServiceAccountToken }
      : {}),
    active,
    ...(lastRunAt ? { lastRunAt } : {}),
  };
}

/** How each list's items become the source's lean records. */
const CONVERT = {
  serviceaccounts: (o: any): ServiceAccountInfo | undefined => {
    const meta = metaOf(o);
    return meta
      ? {
          meta,
          ...(typeof o.automountServiceAccountToken === 'boolean'
            ? { automount: o.automountServiceAccountToken }
            : {}),
        }
      : undefined;
  },
  namespaces: (o: any) => metaOf(o),
  secrets: (o: any): TokenSecretInfo | undefined => {
    const meta = metaOf(o);
    // The field selector already asked for these; a server that ignored it
    // must not make other Secrets credentials.
    if (!meta || o.type !== 'kubernetes.io/service-account-token')
      return undefined;
    const sa = meta.annotations['kubernetes.io/service-account.name'];
    if (!sa) return undefined;
    // Only what is needed: never the data.
    return {
      meta: { ...meta, annotations: {} },
      serviceAccountName: sa,
      ...(meta.annotations['kubernetes.io/service-account.uid']
        ? {
            serviceAccountUid:
              meta.annotations['kubernetes.io/service-account.uid'],
          }
        : {}),
      ...(meta.labels['kubernetes.io/legacy-token-last-used']
        ? { lastUsed: meta.labels['kubernetes.io/legacy-token-last-used'] }
        : {}),
      ...(meta.labels['kubernetes.io/legacy-token-invalid-since']
        ? {
            invalidSince:
              meta.labels['kubernetes.io/legacy-token-invalid-since'],
          }
        : {}),
    };
  },
  pods: (o: any): PodInfo | undefined => {
    const meta = metaOf(o);
    if (!meta) return undefined;
    const finished = [
      ...(o.status?.containerStatuses ?? []),
      ...(o.status?.initContainerStatuses ?? []),
    ]
      .map((s: any) => iso(s?.state?.terminated?.finishedAt))
      .filter((t): t is string => !!t)
      .sort();
    return {
      meta: { ...meta, annotations: {} },
      serviceAccount:
        o.spec?.serviceAccountName || o.spec?.serviceAccount || 'default',
      ...(o.spec?.automountServiceAccountToken !== undefined
        ? { automount: o.spec.automountServiceAccountToken }
        : {}),
      ...(o.status?.phase ? { phase: o.status.phase } : {}),
      ...(iso(o.status?.startTime)
        ? { startedAt: iso(o.status.startTime) }
        : {}),
      ...(finished.length ? { finishedAt: finished[finished.length - 1] } : {}),
    };
  },
  replicasets: (o: any) =>
    workload(
      'ReplicaSet',
      o.spec?.template?.spec,
      o,
      (o.spec?.replicas ?? 1) > 0,
    ),
  deployments: (o: any) =>
    workload(
      'Deployment',
      o.spec?.template?.spec,
      o,
      (o.spec?.replicas ?? 1) > 0,
    ),
  statefulsets: (o: any) =>
    workload(
      'StatefulSet',
      o.spec?.template?.spec,
      o,
      (o.spec?.replicas ?? 1) > 0,
    ),
  daemonsets: (o: any) =>
    workload('DaemonSet', o.spec?.template?.spec, o, true),
  jobs: (o: any) =>
    workload(
      'Job',
      o.spec?.template?.spec,
      o,
      !o.status?.completionTime && !o.status?.failed,
      iso(o.status?.completionTime) ?? iso(o.status?.startTime),
    ),
  cronjobs: (o: any) =>
    workload(
      'CronJob',
      o.spec?.jobTemplate?.spec?.template?.spec,
      o,
      !o.spec?.suspend,
      iso(o.status?.lastSuccessfulTime) ?? iso(o.status?.lastScheduleTime),
    ),
  roles: (o: any): RoleInfo | undefined => {
    const meta = metaOf(o);
    return meta ? { kind: 'Role', meta, rules: rulesOf(o.rules) } : undefined;
  },
  clusterroles: (o: any): RoleInfo | undefined => {
    const meta = metaOf(o);
    if (!meta) return undefined;
    const selectors = o.aggregationRule?.clusterRoleSelectors;
    return {
      kind: 'ClusterRole',
      meta,
      rules: rulesOf(o.rules),
      ...(selectors?.length ? { aggregation: selectors } : {}),
    };
  },
  rolebindings: (o: any) => binding('RoleBinding', o),
  clusterrolebindings: (o: any) => binding('ClusterRoleBinding', o),
};

function binding(kind: BindingInfo['kind'], o: any): BindingInfo | undefined {
  const meta = metaOf(o);
  if (!meta || !o.roleRef?.name) return undefined;
  return {
    kind,
    meta,
    roleRef: { kind: o.roleRef.kind, name: o.roleRef.name },
    subjects: (o.subjects ?? []).map((s: any) => ({
      kind: s.kind,
      name: s.name,
      ...(s.namespace ? { namespace: s.namespace } : {}),
    })),
  };
}

const WORKLOADS = [
  'replicasets',
  'deployments',
  'statefulsets',
  'daemonsets',
  'jobs',
  'cronjobs',
] as const;
const RBAC = [
  'roles',
  'clusterroles',
  'rolebindings',
  'clusterrolebindings',
] as const;

/**
 * Reads one cluster in bulk: first the service accounts (when that list
 * fails the cluster fails, as a {@link ClusterReadError}), then one list
 * per resource type across all namespaces, a few at a time, and the
 * legacy-token tracking ConfigMap. A list that fails leaves its part
 * unknown and is recorded in `unreadable`.
 *
 * @public
 */
export async function readClusterSnapshot(
  cluster: string,
  apis: ClusterApis,
  settings: RequestSettings,
  options: { listConcurrency?: number } = {},
): Promise<ClusterSnapshot> {
  let serviceAccounts: ServiceAccountInfo[];
  try {
    serviceAccounts = await listAll(
      apis,
      'serviceaccounts',
      settings,
      CONVERT.serviceaccounts,
    );
  } catch (e) {
    throw new ClusterReadError(toRequestError(e));
  }
  const unreadable = new Map<ListedResource, KubernetesRequestError>();
  const limit = pLimit(options.listConcurrency ?? 3);
  const read = <T>(
    resource: ListedResource,
    convert: (o: any) => T | undefined,
  ) =>
    limit(async () => {
      if (settings.signal.aborted) return undefined;
      try {
        return await listAll(apis, resource, settings, convert);
      } catch (e) {
        unreadable.set(resource, toRequestError(e));
        return undefined;
      }
    });
  const [namespaces, tokens, pods, workloadLists, rbacLists, since] =
    await Promise.all([
      read('namespaces', CONVERT.namespaces),
      read('secrets', CONVERT.secrets),
      read('pods', CONVERT.pods),
      Promise.all(WORKLOADS.map(r => read<WorkloadInfo>(r, CONVERT[r]))),
      Promise.all([
        read('roles', CONVERT.roles),
        read('clusterroles', CONVERT.clusterroles),
        read('rolebindings', CONVERT.rolebindings),
        read('clusterrolebindings', CONVERT.clusterrolebindings),
      ]),
      limit(() =>
        readTokenTrackingSince(apis, settings).catch(() => undefined),
      ),
    ]);
  if (settings.signal.aborted) {
    throw new ClusterReadError(
      new KubernetesRequestError('the read was aborted'),
    );
  }
  const [roles, clusterRoles, roleBindings, clusterRoleBindings] = rbacLists;
  return {
    cluster,
    serviceAccounts,
    ...(namespaces ? { namespaces } : {}),
    ...(tokens ? { tokens } : {}),
    ...(pods ? { pods } : {}),
    workloads: workloadLists.flatMap(l => l ?? []),
    ...(roles && clusterRoles && roleBindings && clusterRoleBindings
      ? {
          rbac: {
            roles: roles as RoleInfo[],
            clusterRoles: clusterRoles as RoleInfo[],
            roleBindings: roleBindings as BindingInfo[],
            clusterRoleBindings: clusterRoleBindings as BindingInfo[],
          },
        }
      : {}),
    ...(since ? { tokenTrackingSince: since } : {}),
    unreadable,
  };
}

export { RBAC as RBAC_RESOURCES, WORKLOADS as WORKLOAD_RESOURCES };
