import type {
  BindingInfo,
  ClusterSnapshot,
  LabelSelector,
  RbacRule,
  RoleInfo,
} from '../source/readCluster';

/**
 * One role a service account holds: through which binding and subject, in
 * which namespace (undefined: cluster-wide), with the role's effective
 * rules (aggregation resolved).
 *
 * @public
 */
export interface RbacGrant {
  binding: { kind: BindingInfo['kind']; name: string; namespace?: string };
  role: { kind: string; name: string };
  /** The namespace the grant is limited to; undefined for a ClusterRoleBinding. */
  namespace?: string;
  /** The group the grant reaches the account through, if not the account itself. */
  viaGroup?: string;
  rules: RbacRule[];
  /** The role the binding names does not exist: the grant gives nothing. */
  missing?: boolean;
}

/**
 * What a service account can do, in the suite's three verdicts plus the
 * roles it holds.
 *
 * @public
 */
export interface RbacAnalysis {
  grants: RbacGrant[];
  /** Cluster administrator or equivalent. */
  admin: boolean;
  /** Why it is an administrator, e.g. `* on * in every API group, cluster-wide`. */
  adminReason?: string;
  /** Named escalation paths, e.g. `rbac:bind`, `create pods in payments`. */
  escalation: string[];
  /** Wildcards over a whole API group, e.g. `apps/* in payments`. */
  serviceWildcards: string[];
  /** Cluster-wide reads of Secrets, e.g. `secrets:list on *`. */
  dataExfiltration: string[];
  /** The roles held, e.g. `ClusterRole/edit in payments`. */
  scopes: string[];
}

const WORKLOAD_RESOURCES: Array<[string, string]> = [
  ['apps', 'deployments'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['apps', 'replicasets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['', 'replicationcontrollers'],
];
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';

const has = (list: string[], value: string) =>
  list.includes('*') || list.includes(value);

/** Whether a rule's resource list covers `resource`: itself, `*`, or a subresource wildcard (`pods/*` or `*` over a subresource name). */
function coversResource(list: string[], resource: string): boolean {
  if (list.includes('*') || list.includes(resource)) return true;
  const [main, sub] = resource.split('/');
  return list.some(
    r =>
      (sub !== undefined && r === `${main}/*`) ||
      (sub !== undefined && r === `*/${sub}`),
  );
}

/**
 * Whether the rules allow `verb` on `resource` of API group `group`.
 * `names`: `any` requires the rule to name no resource (any object); a
 * list accepts rules restricted to one of those names too.
 */
function allows(
  rules: RbacRule[],
  verb: string,
  group: string,
  resource: string,
  names: 'any' | string[] = 'any',
): boolean {
  return rules.some(
    r =>
      has(r.verbs, verb) &&
      has(r.apiGroups, group) &&
      coversResource(r.resources, resource) &&
      (r.resourceNames.length === 0 ||
        (names !== 'any' && r.resourceNames.some(n => names.includes(n)))),
  );
}

function matchesSelector(
  labels: Record<string, string>,
  s: LabelSelector,
): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of s.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `ClusterRole/edit in payments`, `ClusterRole/view (cluster-wide)`. */
function scopeOf(g: RbacGrant): string {
  const where = g.namespace ? ` in ${g.namespace}` : ' (cluster-wide)';
  const via = g.viaGroup ? ` via group ${g.viaGroup}` : '';
  const missing = g.missing ? ' (role not found)' : '';
  return `${g.role.kind}/${g.role.name}${where}${via}${missing}`;
}

interface Capabilities {
  adminReason?: string;
  /** Admin-equivalent because it can grant itself more, not `*` on `*`. */
  adminBySelfGrant?: boolean;
  escalation: string[];
  serviceWildcards: string[];
  dataExfiltration: string[];
}

/** What one role's rules allow within one scope (a namespace, or cluster-wide). */
function capabilities(rules: RbacRule[], namespace?: string): Capabilities {
  const where = namespace ? `in ${namespace}` : 'in any namespace';
  const c: Capabilities = {
    escalation: [],
    serviceWildcards: [],
    dataExfiltration: [],
  };
  const clusterWide = namespace === undefined;
  const full = rules.some(
    r =>
      r.verbs.includes('*') &&
      r.resources.includes('*') &&
      r.apiGroups.includes('*') &&
      r.resourceNames.length === 0,
  );
  if (full && clusterWide) {
    c.adminReason = '* on * in every API group, cluster-wide';
  } else if (full) {
    c.serviceWildcards.push(`* in ${namespace}`);
  }
  for (const r of rules) {
    if (
      r.verbs.includes('*') &&
      r.resources.includes('*') &&
      !r.apiGroups.includes('*') &&
      r.resourceNames.length === 0
    ) {
      for (const g of r.apiGroups) {
        c.serviceWildcards.push(
          `${g || 'core'}/* ${
            clusterWide ? '(cluster-wide)' : `in ${namespace}`
          }`,
        );
      }
    }
  }

  // What lets it grant itself everything, cluster-wide: admin-equivalent.
  const bindRoles =
    clusterWide &&
    allows(rules, 'bind', RBAC_GROUP, 'clusterroles', ['cluster-admin']) &&
    ['create', 'update', 'patch'].some(v =>
      allows(rules, v, RBAC_GROUP, 'clusterrolebindings'),
    );
  const escalateRoles =
    clusterWide &&
    allows(rules, 'escalate', RBAC_GROUP, 'clusterroles') &&
    ['update', 'patch'].some(v => allows(rules, v, RBAC_GROUP, 'clusterroles'));
  const impersonateMasters =
    clusterWide &&
    allows(rules, 'impersonate', '', 'groups', ['system:masters']);
  if (!c.adminReason) {
    const reasons = [
      bindRoles &&
        'can bind ClusterRole cluster-admin to itself (bind on clusterroles, create clusterrolebindings)',
      escalateRoles &&
        'can rewrite any ClusterRole beyond its own rights (escalate and update on clusterroles)',
      impersonateMasters &&
        'can impersonate group system:masters (impersonate on groups)',
    ].filter((x): x is string => !!x);
    if (reasons.length) {
      c.adminReason = reasons.join('; ');
      c.adminBySelfGrant = true;
    }
  }
  if (c.adminReason && !c.adminBySelfGrant) {
    // `*` on `*`: every path below holds; naming them adds nothing.
    c.dataExfiltration.push(
      'secrets:get on *',
      'secrets:list on *',
      'secrets:watch on *',
    );
    return c;
  }

  const suffix = namespace ? ` in ${namespace}` : '';
  const roleKinds = namespace
    ? ['roles', 'clusterroles']
    : ['clusterroles', 'roles'];
  const bindingKinds = namespace
    ? ['rolebindings']
    : ['clusterrolebindings', 'rolebindings'];
  if (
    roleKinds.some(k => allows(rules, 'escalate', RBAC_GROUP, k)) &&
    roleKinds.some(k =>
      ['create', 'update', 'patch'].some(v => allows(rules, v, RBAC_GROUP, k)),
    )
  ) {
    c.escalation.push(`rbac:escalate${suffix}`);
  }
  if (
    roleKinds.some(k => allows(rules, 'bind', RBAC_GROUP, k)) &&
    bindingKinds.some(k =>
      ['create', 'update', 'patch'].some(v => allows(rules, v, RBAC_GROUP, k)),
    )
  ) {
    c.escalation.push(`rbac:bind${suffix}`);
  }
  const impersonated = (
    clusterWide
      ? ['users', 'groups', 'serviceaccounts', 'uids']
      : ['serviceaccounts']
  ).filter(res =>
    allows(
      rules,
      'impersonate',
      res === 'uids' ? 'authentication.k8s.io' : '',
      res,
    ),
  );
  if (impersonated.length) {
    c.escalation.push(
      clusterWide
        ? `impersonate (${impersonated.join(', ')})`
        : `impersonate serviceaccounts${suffix}`,
    );
  }
  if (allows(rules, 'create', '', 'pods')) {
    c.escalation.push(`create pods ${where}`);
  }
  const workloads = WORKLOAD_RESOURCES.filter(([g, res]) =>
    ['create', 'update', 'patch'].some(v => allows(rules, v, g, res)),
  ).map(([, res]) => res);
  if (workloads.length) {
    c.escalation.push(`create workloads ${where} (${workloads.join(', ')})`);
  }
  if (
    ['create', 'get'].some(
      v =>
        allows(rules, v, '', 'pods/exec') ||
        allows(rules, v, '', 'pods/attach'),
    )
  ) {
    c.escalation.push(`pods/exec ${where}`);
  }
  if (
    clusterWide &&
    ['get', 'create'].some(v => allows(rules, v, '', 'nodes/proxy'))
  ) {
    c.escalation.push('nodes/proxy');
  }
  if (allows(rules, 'create', '', 'serviceaccounts/token')) {
    c.escalation.push(`serviceaccounts/token create ${where}`);
  }
  const secretVerbs = ['get', 'list', 'watch'].filter(v =>
    allows(rules, v, '', 'secrets'),
  );
  if (secretVerbs.length && clusterWide) {
    c.dataExfiltration.push(...secretVerbs.map(v => `secrets:${v} on *`));
  } else if (secretVerbs.length) {
    // Whoever reads the Secrets of a namespace holds its legacy tokens.
    c.escalation.push(
      `read secrets in ${namespace} (${secretVerbs.join('/')})`,
    );
  }
  return c;
}

const unique = (list: string[]) => [...new Set(list)];

/**
 * RBAC of one cluster, indexed once, analysed per service account: the
 * roles bound to it (directly, as the user
 * `system:serviceaccount:<ns>:<name>`, or through the groups
 * `system:serviceaccounts`, `system:serviceaccounts:<ns>` and
 * `system:authenticated`), ClusterRole aggregation resolved from the
 * aggregation rules' label selectors, and the verdicts: cluster
 * administrator or equivalent, named escalation paths, cluster-wide reads
 * of Secrets. Grants Kubernetes makes to every client by default (bootstrap
 * bindings, labelled `kubernetes.io/bootstrapping: rbac-defaults`, to
 * groups) are left out.
 *
 * @public
 */
export class RbacAnalyzer {
  private readonly roles = new Map<string, RoleInfo>();
  private readonly clusterRoles = new Map<string, RoleInfo>();
  private readonly effective = new Map<string, RbacRule[]>();
  private readonly bySubject = new Map<
    string,
    Array<{ binding: BindingInfo; viaGroup?: string }>
  >();
  private readonly capabilityCache = new Map<string, Capabilities>();
  /** Service accounts Kubernetes' own bootstrap bindings name: the control plane uses them. */
  private readonly controlPlane = new Set<string>();

  constructor(rbac: NonNullable<ClusterSnapshot['rbac']>) {
    for (const r of rbac.roles) {
      this.roles.set(`${r.meta.namespace}/${r.meta.name}`, r);
    }
    for (const r of rbac.clusterRoles) this.clusterRoles.set(r.meta.name, r);
    for (const b of [...rbac.roleBindings, ...rbac.clusterRoleBindings]) {
      const bootstrap = b.meta.labels[BOOTSTRAP_LABEL] === 'rbac-defaults';
      for (const s of b.subjects) {
        let key: string | undefined;
        let viaGroup: string | undefined;
        if (s.kind === 'ServiceAccount') {
          const ns = s.namespace || b.meta.namespace;
          if (ns) key = `sa:${ns}/${s.name}`;
          if (ns && bootstrap) this.controlPlane.add(`${ns}/${s.name}`);
        } else if (s.kind === 'User') {
          const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(s.name);
          if (m) key = `sa:${m[1]}/${m[2]}`;
        } else if (
          s.kind === 'Group' &&
          !bootstrap &&
          (s.name === 'system:serviceaccounts' ||
            s.name === 'system:authenticated' ||
            s.name.startsWith('system:serviceaccounts:'))
        ) {
          key = `group:${s.name}`;
          viaGroup = s.name;
        }
        if (!key) continue;
        const list = this.bySubject.get(key) ?? [];
        list.push({ binding: b, ...(viaGroup ? { viaGroup } : {}) });
        this.bySubject.set(key, list);
      }
    }
  }

  /** A ClusterRole's rules with those of the roles it aggregates, recursively. */
  private clusterRoleRules(name: string, seen = new Set<string>()): RbacRule[] {
    const cached = this.effective.get(name);
    if (cached) return cached;
    const role = this.clusterRoles.get(name);
    if (!role) return [];
    seen.add(name);
    let rules = role.rules;
    if (role.aggregation?.length) {
      const extra: RbacRule[] = [];
      for (const other of this.clusterRoles.values()) {
        if (seen.has(other.meta.name)) continue;
        if (role.aggregation.some(s => matchesSelector(other.meta.labels, s))) {
          extra.push(...this.clusterRoleRules(other.meta.name, seen));
        }
      }
      // The aggregation controller writes the same rules into the role;
      // both are counted once each way, duplicates are harmless.
      rules = [...rules, ...extra];
    }
    seen.delete(name);
    this.effective.set(name, rules);
    return rules;
  }

  /**
   * Whether a bootstrap binding of Kubernetes names the account: a
   * controller of the control plane, which uses it without pods.
   */
  isControlPlaneAccount(namespace: string, name: string): boolean {
    return this.controlPlane.has(`${namespace}/${name}`);
  }

  /** The roles a service account holds. */
  grantsOf(namespace: string, name: string): RbacGrant[] {
    const keys = [
      `sa:${namespace}/${name}`,
      'group:system:serviceaccounts',
      `group:system:serviceaccounts:${namespace}`,
      'group:system:authenticated',
    ];
    const grants: RbacGrant[] = [];
    for (const key of keys) {
      for (const { binding: b, viaGroup } of this.bySubject.get(key) ?? []) {
        const scopeNs = b.kind === 'RoleBinding' ? b.meta.namespace : undefined;
        let rules: RbacRule[] | undefined;
        if (b.roleRef.kind === 'Role') {
          rules = this.roles.get(
            `${b.meta.namespace}/${b.roleRef.name}`,
          )?.rules;
        } else if (this.clusterRoles.has(b.roleRef.name)) {
          rules = this.clusterRoleRules(b.roleRef.name);
        }
        grants.push({
          binding: {
            kind: b.kind,
            name: b.meta.name,
            ...(scopeNs ? { namespace: scopeNs } : {}),
          },
          role: b.roleRef,
          ...(scopeNs ? { namespace: scopeNs } : {}),
          ...(viaGroup ? { viaGroup } : {}),
          rules: rules ?? [],
          ...(rules ? {} : { missing: true }),
        });
      }
    }
    return grants;
  }

  /** The verdicts for one service account. */
  analyze(namespace: string, name: string): RbacAnalysis {
    const grants = this.grantsOf(namespace, name);
    const out: RbacAnalysis = {
      grants,
      admin: false,
      escalation: [],
      serviceWildcards: [],
      dataExfiltration: [],
      scopes: unique(grants.map(scopeOf)),
    };
    const reasons: string[] = [];
    let wildcardAdmin = false;
    for (const g of grants) {
      const key = `${g.role.kind}/${g.binding.namespace ?? ''}/${g.role.name}@${
        g.namespace ?? '*'
      }`;
      let c = this.capabilityCache.get(key);
      if (!c) {
        c = capabilities(g.rules, g.namespace);
        this.capabilityCache.set(key, c);
      }
      if (c.adminReason) {
        out.admin = true;
        if (!c.adminBySelfGrant) wildcardAdmin = true;
        reasons.push(
          `${c.adminReason} via ${g.binding.kind} ${g.binding.name} (${
            g.role.kind
          } ${g.role.name}${g.viaGroup ? `, group ${g.viaGroup}` : ''})`,
        );
      }
      out.escalation.push(...c.escalation);
      out.serviceWildcards.push(...c.serviceWildcards);
      out.dataExfiltration.push(...c.dataExfiltration);
    }
    if (out.admin) out.adminReason = unique(reasons).join('; ');
    // A cluster administrator by `*` on `*` can do everything: the paths
    // that other grants add are no news.
    out.escalation = wildcardAdmin ? [] : unique(out.escalation);
    out.serviceWildcards = unique(out.serviceWildcards);
    out.dataExfiltration = unique(out.dataExfiltration);
    return out;
  }
}
