import {
  DAY,
  NhiCreation,
  NhiCredential,
  NhiFederation,
  NhiLastUse,
  NhiPermissionSummary,
  shortList,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { KubernetesAgentKeys } from '../config';
import { RbacAnalyzer } from '../rbac/RbacAnalyzer';
import { groupResource, ListedResource } from './client';
import {
  ClusterSnapshot,
  ObjectMeta,
  PodInfo,
  WorkloadInfo,
  WorkloadKind,
} from './readCluster';

/**
 * How the service accounts of one cluster are normalized.
 *
 * @public
 */
export interface NormalizeOptions {
  /** The cluster's name: account, scope and part of every external id. */
  cluster: string;
  /** The environment the cluster serves, if configured. */
  environment?: string;
  ownerKeys: string[];
  componentKeys: string[];
  createdByKey: string;
  agentKeys: KubernetesAgentKeys;
  /** "Now": the day a running pod counts as use, and ages. */
  now: Date;
}

type Credential = Omit<NhiCredential, 'rotation'>;

/** Workload-identity annotations and the cloud each binds to. */
const FEDERATION_ANNOTATIONS = [
  'eks.amazonaws.com/role-arn',
  'iam.gke.io/gcp-service-account',
  'azure.workload.identity/client-id',
];

const MANAGED_BY = 'app.kubernetes.io/managed-by';
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A workload a service account is used by: the top of its pods' owner chain. */
interface Use {
  kind: WorkloadKind | 'Pod';
  name: string;
  meta: ObjectMeta;
  running: boolean;
  active: boolean;
  lastRunAt?: string;
}

/** A label, else an annotation, of the first key present; with where it came from. */
function lookup(
  meta: ObjectMeta | undefined,
  keys: string[],
): { value: string; via: string } | undefined {
  if (!meta) return undefined;
  for (const key of keys) {
    const label = meta.labels[key]?.trim();
    if (label) return { value: label, via: `label:${key}` };
    const annotation = meta.annotations[key]?.trim();
    if (annotation) return { value: annotation, via: `annotation:${key}` };
  }
  return undefined;
}

function later(a: string | undefined, b: string | undefined) {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

const wholeDays = (from: string | undefined, now: number) => {
  const t = from ? Date.parse(from) : NaN;
  return Number.isNaN(t) ? undefined : Math.floor((now - t) / DAY);
};

/** Why a part of the snapshot is missing, as a clause. */
function unreadableReason(
  snapshot: ClusterSnapshot,
  resources: ListedResource[],
): string | undefined {
  for (const r of resources) {
    const e = snapshot.unreadable.get(r);
    if (e) return `${groupResource(r)} could not be listed (${e.message})`;
  }
  return undefined;
}

/**
 * Turns one cluster's snapshot into identity records: one per service
 * account, with its legacy token Secrets as credentials, what RBAC lets it
 * do, the workloads that run as it and the components they are, its
 * owner with provenance, its workload-identity federation and its last
 * use. Parts the cluster would not list are said to be unknown, never
 * made up.
 *
 * @public
 */
export function* toIdentityRecords(
  snapshot: ClusterSnapshot,
  options: NormalizeOptions,
): Generator<NhiIdentityRecord> {
  const { cluster } = options;
  const now = options.now.getTime();
  const today = options.now.toISOString().slice(0, 10);

  const namespaces = new Map((snapshot.namespaces ?? []).map(n => [n.name, n]));
  const workloads = new Map<string, WorkloadInfo>();
  for (const w of snapshot.workloads) {
    workloads.set(`${w.kind}/${w.meta.namespace}/${w.meta.name}`, w);
  }
  /** The top of an owner chain: follows controller references the read found. */
  const topOf = (meta: ObjectMeta): WorkloadInfo | undefined => {
    let top: WorkloadInfo | undefined;
    let ref = meta.controller;
    for (let depth = 0; ref && depth < 5; depth++) {
      const next = workloads.get(`${ref.kind}/${meta.namespace}/${ref.name}`);
      if (!next) break;
      top = next;
      ref = next.meta.controller;
    }
    return top;
  };

  const uses = new Map<string, Map<string, Use>>();
  const addUse = (sa: string, use: Use) => {
    const byName = uses.get(sa) ?? new Map<string, Use>();
    const key = `${use.kind}/${use.name}`;
    const prior = byName.get(key);
    byName.set(key, {
      ...use,
      running: use.running || !!prior?.running,
      active: use.active || !!prior?.active,
      lastRunAt: later(prior?.lastRunAt, use.lastRunAt),
    });
    uses.set(sa, byName);
  };
  const runningPods = new Set<string>();
  const podAutomount = new Map<string, boolean>();
  for (const p of snapshot.pods ?? []) {
    const sa = `${p.meta.namespace}/${p.serviceAccount}`;
    const running = p.phase === 'Running' || p.phase === 'Pending';
    if (running) {
      runningPods.add(sa);
      if (p.automount !== undefined) podAutomount.set(sa, p.automount);
    }
    const top = topOf(p.meta);
    addUse(sa, {
      kind: top?.kind ?? 'Pod',
      name: top?.meta.name ?? p.meta.name,
      meta: top?.meta ?? p.meta,
      running,
      active: running || !!top?.active,
      lastRunAt: finishedAt(p),
    });
  }
  for (const w of snapshot.workloads) {
    // Owned workloads (a Deployment's ReplicaSets, a CronJob's Jobs) count
    // through their owner.
    if (topOf(w.meta)) continue;
    const sa = `${w.meta.namespace}/${w.serviceAccount}`;
    addUse(sa, {
      kind: w.kind,
      name: w.meta.name,
      meta: w.meta,
      running: false,
      active: w.active,
      lastRunAt: w.lastRunAt,
    });
  }

  const tokens = new Map<string, NonNullable<ClusterSnapshot['tokens']>>();
  for (const t of snapshot.tokens ?? []) {
    const key = `${t.meta.namespace}/${t.serviceAccountName}`;
    const list = tokens.get(key) ?? [];
    list.push(t);
    tokens.set(key, list);
  }

  const rbac = snapshot.rbac ? new RbacAnalyzer(snapshot.rbac) : undefined;
  const rbacUnknown = rbac
    ? undefined
    : unreadableReason(snapshot, [
        'roles',
        'clusterroles',
        'rolebindings',
        'clusterrolebindings',
      ]) ?? 'RBAC could not be read';
  const usageUnknown = unreadableReason(snapshot, [
    'pods',
    'replicasets',
    'deployments',
    'statefulsets',
    'daemonsets',
    'jobs',
    'cronjobs',
  ]);
  const tokensUnknown = unreadableReason(snapshot, ['secrets']);
  const trackingSince = snapshot.tokenTrackingSince;

  for (const sa of snapshot.serviceAccounts) {
    const { namespace, name } = sa.meta;
    const key = `${namespace}/${name}`;
    const namespaceMeta = namespaces.get(namespace);
    const used = [...(uses.get(key)?.values() ?? [])].sort((a, b) =>
      `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
    );
    const running = runningPods.has(key);
    // A pod's own setting wins over the account's; the default is true.
    const automount = podAutomount.get(key) ?? sa.automount ?? true;

    // Credentials: the legacy token Secrets; bound tokens are not listable.
    let credentials: Credential[] | undefined;
    if (!tokensUnknown) {
      credentials = (tokens.get(key) ?? []).map(t => {
        const stale =
          !!t.serviceAccountUid &&
          !!sa.meta.uid &&
          t.serviceAccountUid !== sa.meta.uid;
        let lastUsed: NhiLastUse | undefined;
        if (t.lastUsed && ISO_DATE.test(t.lastUsed)) {
          lastUsed = { at: t.lastUsed };
        } else if (
          trackingSince &&
          t.meta.createdAt &&
          Date.parse(t.meta.createdAt) >= Date.parse(trackingSince)
        ) {
          // Created while the API server tracked use, and never labelled.
          lastUsed = { never: true };
        }
        return {
          id: `${t.meta.namespace}/${t.meta.name}`,
          kind: 'token' as const,
          status: t.invalidSince || stale ? 'inactive' : 'active',
          ...(t.meta.createdAt
            ? { createdAt: t.meta.createdAt, lastRotatedAt: t.meta.createdAt }
            : {}),
          ...(lastUsed ? { lastUsed } : {}),
        };
      });
    }

    // Last use: a pod running now, else the latest use Kubernetes records.
    let lastUsed: NhiLastUse | undefined;
    const recorded = [
      ...used.map(u => u.lastRunAt),
      ...(credentials ?? []).map(c => c.lastUsed?.at),
    ].reduce<string | undefined>(later, undefined);
    if (running) {
      lastUsed = { at: today };
    } else if (recorded) {
      lastUsed = { at: recorded };
    } else if (
      !usageUnknown &&
      !used.length &&
      credentials &&
      // Kubernetes makes a `default` account in every namespace and the
      // control plane's controllers use theirs without pods: neither says
      // anything by having no pod.
      name !== 'default' &&
      !rbac?.isControlPlaneAccount(namespace, name) &&
      (rbac || namespace !== 'kube-system')
    ) {
      // Nothing runs as it or is set to, and no token use is recorded: no
      // use recorded since it was created, or since the API server began
      // tracking legacy tokens if it has some older than that.
      const age = wholeDays(sa.meta.createdAt, now);
      const untracked = credentials.some(
        c => c.status === 'active' && !c.lastUsed,
      );
      const tracked = wholeDays(trackingSince, now);
      let window = age;
      if (untracked) {
        window =
          tracked !== undefined && age !== undefined
            ? Math.min(age, tracked)
            : undefined;
      }
      if (window !== undefined && window >= 1) {
        lastUsed = { notWithinDays: window };
      }
    }

    // Owner: the account's own labels, else its workloads' (when they
    // agree), else its namespace's.
    let owner = lookup(sa.meta, options.ownerKeys);
    if (!owner) {
      const found = used
        .map(u => lookup(u.meta, options.ownerKeys))
        .filter((o): o is { value: string; via: string } => !!o);
      const values = new Set(found.map(o => o.value));
      if (values.size === 1) {
        owner = { value: found[0].value, via: `workload ${found[0].via}` };
      }
    }
    if (!owner) {
      const fromNamespace = lookup(namespaceMeta, options.ownerKeys);
      if (fromNamespace) {
        owner = {
          value: fromNamespace.value,
          via: `namespace ${fromNamespace.via}`,
        };
      }
    }

    const usedBy = [
      ...new Set(
        used
          .map(u => lookup(u.meta, options.componentKeys)?.value)
          .filter((v): v is string => !!v),
      ),
    ].sort();

    const federation: NhiFederation[] = FEDERATION_ANNOTATIONS.map(a =>
      sa.meta.annotations[a]?.trim(),
    )
      .filter((t): t is string => !!t)
      .map(target => ({ kind: 'workload-identity', target }));

    const permissions = permissionsOf(
      rbac,
      rbacUnknown,
      namespace,
      name,
      automount && running,
    );

    yield {
      externalId: `k8s:${cluster}:${namespace}:${name}`,
      name: key,
      description: describe({
        cluster,
        key,
        used,
        usageUnknown,
        automount,
        tokensUnknown,
        hasTokens: !!credentials?.length,
      }),
      type: 'kubernetes-service-account',
      category: 'service-account',
      provider: 'kubernetes',
      account: cluster,
      scope: cluster,
      tags: ['kubernetes', 'service-account'],
      ...(owner ? { owner } : {}),
      ...(usedBy.length ? { usedBy } : {}),
      ...(options.environment ? { environments: [options.environment] } : {}),
      createdBy: creationOf(sa.meta, options),
      ...(lastUsed ? { lastUsed } : {}),
      ...(credentials ? { credentials } : {}),
      permissions,
      ...(federation.length ? { federation } : {}),
    };
  }
}

function finishedAt(p: PodInfo): string | undefined {
  if (p.phase !== 'Succeeded' && p.phase !== 'Failed') return undefined;
  return p.finishedAt ?? p.startedAt;
}

function permissionsOf(
  rbac: RbacAnalyzer | undefined,
  unknown: string | undefined,
  namespace: string,
  name: string,
  mountedInRunningPods: boolean,
): NhiPermissionSummary {
  if (!rbac) {
    return {
      summary: `Permissions unknown: ${unknown}`,
    };
  }
  const a = rbac.analyze(namespace, name);
  const p: NhiPermissionSummary = { admin: a.admin };
  if (a.escalation.length) p.escalation = a.escalation;
  if (a.serviceWildcards.length) p.serviceWildcards = a.serviceWildcards;
  if (a.dataExfiltration.length) p.dataExfiltration = a.dataExfiltration;
  if (a.scopes.length) p.scopes = a.scopes;
  const effective = a.grants.filter(g => !g.missing);
  if (a.admin) {
    p.summary = `Cluster administrator: ${a.adminReason}${
      mountedInRunningPods
        ? '; its token is mounted into the pods that run as it'
        : ''
    }`;
  } else if (!effective.length) {
    p.summary = 'No RBAC grants';
  } else {
    const clusterWide = effective.filter(g => !g.namespace);
    const namespaces = [
      ...new Set(effective.map(g => g.namespace).filter(Boolean)),
    ] as string[];
    p.summary = clusterWide.length
      ? `Cluster-wide: ${shortList(
          [...new Set(clusterWide.map(g => `${g.role.kind} ${g.role.name}`))],
          4,
        )}${
          namespaces.length ? `; namespaced in ${shortList(namespaces, 4)}` : ''
        }`
      : `Namespace-scoped only, not cluster-wide: ${shortList(
          [
            ...new Set(
              effective.map(
                g => `${g.role.kind} ${g.role.name} in ${g.namespace}`,
              ),
            ),
          ],
          4,
        )}`;
  }
  return p;
}

function creationOf(meta: ObjectMeta, options: NormalizeOptions): NhiCreation {
  const k = options.agentKeys;
  const a = meta.annotations;
  const at = meta.createdAt;
  let createdBy: NhiCreation;
  if (a[k.agentId]) {
    const expiresAt = a[k.expiresAt];
    createdBy = {
      type: 'agent',
      agent: {
        id: a[k.agentId],
        ...(a[k.onBehalfOf] ? { onBehalfOf: a[k.onBehalfOf] } : {}),
        ...(a[k.reason] ? { reason: a[k.reason] } : {}),
        ...(expiresAt && ISO_DATE.test(expiresAt) ? { expiresAt } : {}),
      },
    };
  } else if (a[options.createdByKey]) {
    createdBy = { type: 'person', name: a[options.createdByKey] };
  } else if (meta.labels[MANAGED_BY]) {
    createdBy = { type: 'pipeline', name: meta.labels[MANAGED_BY] };
  } else {
    createdBy = { type: 'unknown' };
  }
  if (at) createdBy.at = at;
  return createdBy;
}

function describe(d: {
  cluster: string;
  key: string;
  used: Use[];
  usageUnknown?: string;
  automount: boolean;
  tokensUnknown?: string;
  hasTokens: boolean;
}): string {
  const parts = [
    `Kubernetes service account ${d.key} in cluster ${d.cluster}.`,
  ];
  if (d.usageUnknown) {
    parts.push(`Workloads unknown: ${d.usageUnknown}.`);
  } else if (!d.used.length) {
    parts.push('No pod or workload runs as it.');
  } else {
    const running = d.used.filter(u => u.running || u.active);
    const idle = d.used.filter(u => !u.running && !u.active);
    if (running.length) {
      parts.push(
        `Runs: ${shortList(
          running.map(u => `${u.kind} ${u.name}`),
          4,
        )}.`,
      );
    }
    if (idle.length) {
      parts.push(
        `Set on, not running: ${shortList(
          idle.map(u => `${u.kind} ${u.name}`),
          4,
        )}.`,
      );
    }
  }
  parts.push(
    d.automount
      ? 'Its token is mounted into its pods automatically.'
      : 'Its token is not mounted automatically (automountServiceAccountToken: false).',
  );
  parts.push(
    d.tokensUnknown
      ? `Legacy token Secrets unknown: ${d.tokensUnknown}.`
      : `Bound (projected) tokens are short-lived and cannot be listed; ${
          d.hasTokens
            ? 'its credentials are its legacy token Secrets'
            : 'it has no legacy token Secret'
        }.`,
  );
  return parts.join(' ');
}
