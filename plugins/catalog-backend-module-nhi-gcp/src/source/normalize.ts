import { iam_v1 } from '@googleapis/iam';
import {
  DAY,
  NhiCredential,
  NhiFederation,
  NhiLastUse,
  NhiPermissionSummary,
  NhiTrust,
  shortList,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { GcpBinding } from './clients';
import { describeScope, GcpGrant, GcpGrantIndex } from './grants';
import { GcpKey, GcpProjectSnapshot } from './readProject';
import {
  GCP_ADMIN_ROLES,
  GCP_DATA_ROLES,
  GCP_ESCALATION_ROLES,
  IMPERSONATION_ROLES,
  IMPERSONATION_ROLES_ON_ACCOUNT,
  isDefaultServiceAccount,
  isGoogleManagedServiceAccount,
  parseMember,
  projectOfServiceAccount,
  serviceOfAdminRole,
  shortRole,
} from './roles';

/**
 * What normalizing one project needs besides its snapshot.
 *
 * @public
 */
export interface GcpNormalizeContext {
  /** Roles granted to every service account, from every policy read. */
  grants: GcpGrantIndex;
  /** The project's own IAM policy (who may act as all its accounts). */
  projectBindings: GcpBinding[];
  /** Projects known to belong to the organization (read or listed). */
  organizationProjects: ReadonlySet<string>;
  /** Project ids by number, for `<number>-compute@developer…` accounts. */
  projectIdsByNumber: ReadonlyMap<string, string>;
  /** Whether the organization is known (then projects outside it are third parties). */
  organizationKnown: boolean;
  includeGoogleManaged: boolean;
  ownerLabelKeys: string[];
  environmentLabelKeys: string[];
  projectOwners: Record<string, string>;
  activityWindowDays: number;
  now: Date;
}

type Credential = Omit<NhiCredential, 'rotation'>;

/** Keys Google gives no end are valid until 9999-12-31. */
const NO_EXPIRY_YEAR = 9999;

const ACT_AS_ROLES_FOR_FEDERATION = new Set([
  'roles/iam.workloadIdentityUser',
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.serviceAccountOpenIdTokenCreator',
]);

/**
 * Last use from Policy Analyzer's last authentication: the time; or, when
 * none was recorded, "never" for something created inside the activity
 * window, "not within the window" for an identity older or of unknown age
 * (Google does not say when a service account was created), and unknown
 * for a key created before the window (a credential's last use has no
 * "not within" in the kind).
 */
function lastUseOf(
  at: string | undefined,
  activityRead: boolean,
  createdAt: string | undefined,
  ctx: GcpNormalizeContext,
  what: 'identity' | 'credential',
): NhiLastUse | undefined {
  const time = toIsoTime(at);
  if (time) return { at: time };
  if (!activityRead) return undefined;
  const created = createdAt ? Date.parse(createdAt) : NaN;
  const window = ctx.activityWindowDays;
  // Created inside the window and no authentication since: never used.
  if (!Number.isNaN(created) && ctx.now.getTime() - created < window * DAY) {
    return { never: true };
  }
  return what === 'identity' ? { notWithinDays: window } : undefined;
}

function keyCredential(
  key: GcpKey,
  activity: GcpProjectSnapshot['activity'],
  ctx: GcpNormalizeContext,
): Credential {
  const createdAt = toIsoTime(key.validAfterTime);
  const before = key.validBeforeTime ? new Date(key.validBeforeTime) : null;
  const expiresAt =
    before && before.getUTCFullYear() < NO_EXPIRY_YEAR
      ? toIsoTime(before)
      : undefined;
  const expired =
    expiresAt !== undefined && Date.parse(expiresAt) <= ctx.now.getTime();
  let status: Credential['status'] = 'active';
  if (key.disabled) status = 'inactive';
  else if (expired) status = 'expired';
  const lastUsed = lastUseOf(
    activity?.keys.get(key.id),
    !!activity,
    createdAt,
    ctx,
    'credential',
  );
  return {
    id: key.id,
    kind: 'access-key',
    status,
    ...(createdAt ? { createdAt, lastRotatedAt: createdAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(lastUsed ? { lastUsed } : {}),
  };
}

const label = (grant: GcpGrant) =>
  `${shortRole(grant.role)} ${
    grant.on.kind === 'service-account' ? 'on' : 'in'
  } ${describeScope(grant.on)}${grant.condition ? ' (conditional)' : ''}`;

const scopeKey = (g: GcpGrant) => `${g.on.kind}:${g.on.id}`;

/**
 * The permission summary of one account from the roles granted to it: the
 * three verdicts (administrator-equivalent, escalation paths, trust) plus
 * service-wide and data-reading roles, and a one-line summary naming roles
 * and scopes.
 */
export function permissionsOf(
  email: string,
  grants: GcpGrant[],
  trust: NhiTrust,
  notes: string[],
): NhiPermissionSummary {
  const own = grants.filter(
    g => !(g.on.kind === 'service-account' && g.on.id === email),
  );
  const admin = own.filter(
    g => GCP_ADMIN_ROLES[g.role] && g.on.kind !== 'service-account',
  );
  const adminScopes = new Set(admin.map(scopeKey));
  const escalation = own.filter(
    g =>
      !adminScopes.has(scopeKey(g)) &&
      (GCP_ESCALATION_ROLES[g.role] ||
        (g.on.kind === 'service-account' && GCP_ADMIN_ROLES[g.role])),
  );
  const wildcards = own.filter(
    g => !adminScopes.has(scopeKey(g)) && serviceOfAdminRole(g.role),
  );
  const data = own.filter(
    g => !adminScopes.has(scopeKey(g)) && GCP_DATA_ROLES[g.role],
  );
  const custom = own.filter(g => !g.role.startsWith('roles/'));

  const p: NhiPermissionSummary = { admin: admin.length > 0 };
  const unique = (xs: string[]) => [...new Set(xs)].sort();
  if (escalation.length) p.escalation = unique(escalation.map(label));
  if (wildcards.length) {
    p.serviceWildcards = unique(
      wildcards.map(
        g => `${serviceOfAdminRole(g.role)}.* in ${describeScope(g.on)}`,
      ),
    );
  }
  if (data.length) {
    p.dataExfiltration = unique(
      data.map(g => `${GCP_DATA_ROLES[g.role]} in ${describeScope(g.on)}`),
    );
  }
  if (Object.keys(trust).length) p.trust = trust;

  const parts: string[] = [];
  if (admin.length) {
    parts.push(
      `Administrator-equivalent: ${shortList(
        unique(admin.map(g => `${label(g)} (${GCP_ADMIN_ROLES[g.role]})`)),
        2,
      )}`,
    );
  }
  if (escalation.length) {
    parts.push(
      `can become other identities: ${shortList(
        unique(escalation.map(label)),
        3,
      )}`,
    );
  }
  const rest = own.filter(
    g =>
      !admin.includes(g) &&
      !escalation.includes(g) &&
      g.role.startsWith('roles/'),
  );
  if (rest.length)
    parts.push(`roles: ${shortList(unique(rest.map(label)), 4)}`);
  if (custom.length) {
    parts.push(
      `custom roles not analysed: ${shortList(unique(custom.map(label)), 2)}`,
    );
  }
  if (!own.length) parts.push('no roles granted in the IAM policies read');
  if (own.some(g => g.condition)) {
    parts.push('conditional grants count as granted');
  }
  parts.push(...notes);
  p.summary = parts.join('; ');
  return p;
}

/**
 * Who may act as an account (its own policy, and impersonation roles on
 * its project), sorted into the kind's trust, its federation (workload
 * identity pools and GKE workloads) and the workloads that use it.
 */
export function trustOf(
  email: string,
  projectId: string,
  accountBindings: GcpBinding[],
  projectBindings: GcpBinding[],
  ctx: Pick<
    GcpNormalizeContext,
    'organizationProjects' | 'projectIdsByNumber' | 'organizationKnown'
  >,
): {
  trust: NhiTrust;
  federation: NhiFederation[];
  usedBy: string[];
  notes: string[];
} {
  const trust: NhiTrust = {};
  const federation = new Map<string, NhiFederation>();
  const usedBy = new Set<string>();
  const services = new Set<string>();
  const organizationAccounts = new Set<string>();
  const external = new Set<string>();
  const unknown = new Set<string>();
  const people = new Set<string>();
  const visit = (bindings: GcpBinding[], roles: ReadonlySet<string>) => {
    for (const b of bindings) {
      if (!b.role || !roles.has(b.role)) continue;
      for (const raw of b.members ?? []) {
        const m = parseMember(raw);
        switch (m.kind) {
          case 'public':
            trust.public = true;
            break;
          case 'person':
            people.add(m.value);
            break;
          case 'service-account': {
            if (m.email === email) break;
            if (isGoogleManagedServiceAccount(m.email)) {
              services.add(m.email.slice(m.email.indexOf('@') + 1));
              break;
            }
            const project = projectOfServiceAccount(
              m.email,
              ctx.projectIdsByNumber,
            );
            if (!project || project === projectId) break;
            if (ctx.organizationProjects.has(project)) {
              organizationAccounts.add(project);
            } else if (ctx.organizationKnown) external.add(project);
            else unknown.add(project);
            break;
          }
          case 'workload-pool': {
            if (!ACT_AS_ROLES_FOR_FEDERATION.has(b.role)) break;
            const f: NhiFederation = {
              kind: 'federated-credential',
              issuer: `//iam.googleapis.com/${m.pool}`,
              ...(m.subject ? { subject: m.subject } : {}),
            };
            federation.set(`${f.issuer}|${f.subject ?? ''}`, f);
            const repo = /^attribute\.repository\/(?:[^/]+\/)?([^/]+)$/.exec(
              m.subject ?? '',
            );
            if (repo) usedBy.add(repo[1]);
            break;
          }
          case 'gke-workload': {
            if (!ACT_AS_ROLES_FOR_FEDERATION.has(b.role)) break;
            const f: NhiFederation = {
              kind: 'workload-identity',
              issuer: m.pool,
              subject: `system:serviceaccount:${m.namespace}:${m.serviceAccount}`,
            };
            federation.set(`${f.issuer}|${f.subject}`, f);
            usedBy.add(m.serviceAccount);
            break;
          }
          default:
            break;
        }
      }
    }
  };
  visit(accountBindings, IMPERSONATION_ROLES_ON_ACCOUNT);
  visit(projectBindings, IMPERSONATION_ROLES);
  if (services.size) trust.services = [...services].sort();
  if (organizationAccounts.size) {
    trust.organizationAccounts = [...organizationAccounts].sort();
  }
  if (external.size) trust.externalAccounts = [...external].sort();
  const notes: string[] = [];
  if (people.size) {
    notes.push(`people who can act as it: ${shortList([...people].sort(), 3)}`);
  }
  if (unknown.size) {
    notes.push(
      `accounts of projects not read can act as it: ${shortList(
        [...unknown].sort(),
        3,
      )}`,
    );
  }
  return {
    trust,
    federation: [...federation.values()],
    usedBy: [...usedBy].sort(),
    notes,
  };
}

function labelOf(
  labels: Record<string, string>,
  keys: string[],
): { key: string; value: string } | undefined {
  const lower = new Map(
    Object.entries(labels).map(([k, v]) => [k.toLowerCase(), v]),
  );
  for (const key of keys) {
    const value = lower.get(key.toLowerCase())?.trim();
    if (value) return { key, value };
  }
  return undefined;
}

/**
 * Turns one project's snapshot into identity records: one per service
 * account (Google-managed service agents only when configured), its
 * user-managed keys as `access-key` credentials, last authentication, the
 * permission verdicts from every grant the read saw, trust and federation,
 * owner and environment from the project.
 *
 * @public
 */
export function toIdentityRecords(
  snapshot: GcpProjectSnapshot,
  ctx: GcpNormalizeContext,
  policyNotes: string[] = [],
): NhiIdentityRecord[] {
  const { project } = snapshot;
  const projectId = project.projectId;
  const configured = ctx.projectOwners[projectId];
  const ownerLabel = labelOf(project.labels, ctx.ownerLabelKeys);
  let owner: NhiIdentityRecord['owner'];
  if (configured) owner = { value: configured, via: 'config:projectOwners' };
  else if (ownerLabel) {
    owner = { value: ownerLabel.value, via: `label:${ownerLabel.key}` };
  }
  const environment = labelOf(project.labels, ctx.environmentLabelKeys);
  const records: NhiIdentityRecord[] = [];
  for (const sa of snapshot.serviceAccounts) {
    const email = sa.email?.toLowerCase();
    if (!email) continue;
    const managed = isGoogleManagedServiceAccount(email);
    if (managed && !ctx.includeGoogleManaged) continue;
    records.push(
      toRecord(sa, email, managed, snapshot, ctx, {
        owner,
        environment: environment?.value,
        notes: policyNotes,
      }),
    );
  }
  return records;
}

function toRecord(
  sa: iam_v1.Schema$ServiceAccount,
  email: string,
  managed: boolean,
  snapshot: GcpProjectSnapshot,
  ctx: GcpNormalizeContext,
  extra: {
    owner?: NhiIdentityRecord['owner'];
    environment?: string;
    notes: string[];
  },
): NhiIdentityRecord {
  const projectId = snapshot.project.projectId;
  const keys = snapshot.keys.get(email) ?? [];
  const credentials = keys
    .slice()
    .sort((a, b) =>
      (a.validAfterTime ?? '').localeCompare(b.validAfterTime ?? ''),
    )
    .map(k => keyCredential(k, snapshot.activity, ctx));
  const { trust, federation, usedBy, notes } = trustOf(
    email,
    projectId,
    snapshot.accountPolicies.get(email) ?? [],
    ctx.projectBindings,
    ctx,
  );
  const exposed = keys.filter(k => k.exposed).map(k => k.id);
  const permissions = permissionsOf(email, ctx.grants.of(email), trust, [
    ...notes,
    ...extra.notes,
  ]);
  const keyUses = credentials
    .map(c => c.lastUsed?.at)
    .filter((x): x is string => !!x);
  const accountUse = toIsoTime(snapshot.activity?.accounts.get(email));
  const latest = [accountUse, ...keyUses]
    .filter((x): x is string => !!x)
    .sort()
    .pop();
  const lastUsed = lastUseOf(
    latest,
    !!snapshot.activity,
    undefined,
    ctx,
    'identity',
  );
  const tags = ['gcp', 'service-account'];
  if (isDefaultServiceAccount(email)) tags.push('default-service-account');
  if (managed) tags.push('google-managed');
  if (sa.disabled) tags.push('disabled');
  if (keys.some(k => k.keyOrigin === 'USER_PROVIDED'))
    tags.push('uploaded-key');
  const description = [
    sa.displayName?.trim(),
    sa.description?.trim(),
    sa.disabled ? 'Disabled: nothing can authenticate as it.' : undefined,
    exposed.length
      ? `Google detected key ${exposed.join(', ')} exposed in public.`
      : undefined,
  ]
    .filter(Boolean)
    .join(' — ');
  return {
    externalId: email,
    name: email,
    ...(description ? { description } : {}),
    type: 'cloud-service-account',
    category: 'service-account',
    provider: 'gcp',
    account: projectId,
    scope: projectId,
    tags,
    ...(extra.owner ? { owner: extra.owner } : {}),
    ...(extra.environment ? { environments: [extra.environment] } : {}),
    ...(usedBy.length ? { usedBy } : {}),
    ...(lastUsed ? { lastUsed } : {}),
    credentials,
    permissions,
    ...(federation.length ? { federation } : {}),
    links: [
      {
        url: `https://console.cloud.google.com/iam-admin/serviceaccounts/details/${encodeURIComponent(
          sa.uniqueId ?? email,
        )}?project=${encodeURIComponent(projectId)}`,
        title: 'Google Cloud console',
      },
    ],
  };
}
