/**
 * What Google Cloud IAM roles and members mean for a service account:
 * administrator-equivalent roles, roles that let one identity become
 * another, service-wide and data-reading roles, and the kinds of member a
 * policy binding names.
 */

/**
 * Roles that make their holder administrator-equivalent where they are
 * granted, with why.
 *
 * @public
 */
export const GCP_ADMIN_ROLES: Readonly<Record<string, string>> = {
  'roles/owner': 'full control, IAM included',
  'roles/editor':
    'changes nearly every resource, creates service-account keys and acts as any service account',
  'roles/iam.securityAdmin': 'can set any IAM policy',
  'roles/resourcemanager.projectIamAdmin': 'can set the IAM policy',
  'roles/resourcemanager.folderAdmin':
    'full control of the folder, IAM included',
  'roles/resourcemanager.folderIamAdmin': 'can set the IAM policy',
  'roles/resourcemanager.organizationAdmin':
    'full control of the organization, IAM included',
};

/**
 * Roles that let their holder become another service account (mint its
 * tokens, act as it, create its keys, grant itself any of those) or widen
 * its own roles: each is an escalation path, named `<role> on <where>`.
 *
 * @public
 */
export const GCP_ESCALATION_ROLES: Readonly<Record<string, string>> = {
  'roles/iam.serviceAccountTokenCreator': 'mints access tokens of',
  'roles/iam.serviceAccountUser': 'acts as (attaches to workloads)',
  'roles/iam.serviceAccountKeyAdmin': 'creates keys of',
  'roles/iam.serviceAccountAdmin': 'can grant itself access to',
  'roles/iam.workloadIdentityUser': 'impersonates',
  'roles/iam.roleAdmin': 'can add permissions to the custom roles it holds',
  'roles/iam.organizationRoleAdmin':
    'can add permissions to the custom roles it holds',
};

/** Roles whose holders can act as a service account when granted on it or its project. */
export const IMPERSONATION_ROLES = new Set([
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.serviceAccountUser',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.workloadIdentityUser',
]);

/** Roles whose holders can act as a service account when granted on the account itself. */
export const IMPERSONATION_ROLES_ON_ACCOUNT = new Set([
  ...IMPERSONATION_ROLES,
  'roles/owner',
  'roles/editor',
]);

/**
 * Predefined roles that read data on every resource of their scope, and
 * the permission that does it.
 *
 * @public
 */
export const GCP_DATA_ROLES: Readonly<Record<string, string>> = {
  'roles/storage.objectViewer': 'storage.objects.get',
  'roles/storage.objectUser': 'storage.objects.get',
  'roles/storage.legacyObjectReader': 'storage.objects.get',
  'roles/secretmanager.secretAccessor': 'secretmanager.versions.access',
  'roles/bigquery.dataViewer': 'bigquery.tables.getData',
  'roles/bigquery.dataEditor': 'bigquery.tables.getData',
  'roles/cloudkms.cryptoKeyDecrypter':
    'cloudkms.cryptoKeyVersions.useToDecrypt',
  'roles/cloudkms.cryptoKeyEncrypterDecrypter':
    'cloudkms.cryptoKeyVersions.useToDecrypt',
};

/** `roles/<service>.admin`: every permission of one service. */
const SERVICE_ADMIN = /^roles\/([a-z0-9]+)\.admin$/;

/** The service a predefined `roles/<service>.admin` role covers, if it is one. */
export function serviceOfAdminRole(role: string): string | undefined {
  const m = SERVICE_ADMIN.exec(role);
  return m && m[1] !== 'iam' ? m[1] : undefined;
}

/** A role as people say it: `roles/iam.serviceAccountUser` → `iam.serviceAccountUser`; custom roles keep their path. */
export function shortRole(role: string): string {
  return role.startsWith('roles/') ? role.slice('roles/'.length) : role;
}

/**
 * A member of a policy binding, parsed.
 *
 * @public
 */
export type GcpMember =
  | { kind: 'service-account'; email: string }
  | { kind: 'person'; value: string }
  | { kind: 'public'; value: 'allUsers' | 'allAuthenticatedUsers' }
  | {
      kind: 'workload-pool';
      /** `projects/<number>/locations/global/workloadIdentityPools/<pool>`. */
      pool: string;
      /** The subject or attribute (`subject/…`, `attribute.repository/acme/api`); absent for the whole pool. */
      subject?: string;
    }
  | {
      kind: 'gke-workload';
      /** `<project>.svc.id.goog`. */
      pool: string;
      namespace: string;
      serviceAccount: string;
    }
  | { kind: 'other'; value: string };

const POOL =
  /^principal(Set)?:\/\/iam\.googleapis\.com\/(projects\/[^/]+\/locations\/[^/]+\/workloadIdentityPools\/[^/]+)(?:\/(.+))?$/;
const GKE =
  /^serviceAccount:([a-z0-9.:-]+\.svc\.id\.goog)\[([^/\]]+)\/([^\]]+)\]$/;
const GKE_PRINCIPAL = /^ns\/([^/]+)\/sa\/([^/]+)$/;

/** Parses a binding member (`serviceAccount:…`, `user:…`, `principalSet://…`, `allUsers`…). */
export function parseMember(member: string): GcpMember {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
    return { kind: 'public', value: member };
  }
  const gke = GKE.exec(member);
  if (gke) {
    return {
      kind: 'gke-workload',
      pool: gke[1],
      namespace: gke[2],
      serviceAccount: gke[3],
    };
  }
  const pool = POOL.exec(member);
  if (pool) {
    const [, set, name, rest] = pool;
    const poolId = name.split('/').pop()!;
    // GKE's own pool in principal form: .../workloadIdentityPools/<p>.svc.id.goog/subject/ns/<ns>/sa/<ksa>
    if (poolId.endsWith('.svc.id.goog') && rest?.startsWith('subject/')) {
      const ksa = GKE_PRINCIPAL.exec(rest.slice('subject/'.length));
      if (ksa) {
        return {
          kind: 'gke-workload',
          pool: poolId,
          namespace: ksa[1],
          serviceAccount: ksa[2],
        };
      }
    }
    const wholePool = set && (rest === undefined || rest === '*');
    return {
      kind: 'workload-pool',
      pool: name,
      ...(wholePool ? {} : { subject: rest }),
    };
  }
  const colon = member.indexOf(':');
  const type = colon > 0 ? member.slice(0, colon) : '';
  const value = colon > 0 ? member.slice(colon + 1) : member;
  if (type === 'serviceAccount') {
    return { kind: 'service-account', email: value.toLowerCase() };
  }
  if (type === 'user' || type === 'group' || type === 'domain') {
    return { kind: 'person', value: member };
  }
  return { kind: 'other', value: member };
}

const KEPT_DOMAINS = new Set([
  'developer.gserviceaccount.com',
  'appspot.gserviceaccount.com',
]);
const ROBOT_DOMAINS = new Set([
  'container-engine-robot.iam.gserviceaccount.com',
  'compute-system.iam.gserviceaccount.com',
  'dataflow-service-producer-prod.iam.gserviceaccount.com',
]);

/**
 * Whether a service account is Google-managed (a service agent such as
 * `service-123@gcp-sa-pubsub.iam.gserviceaccount.com` or
 * `123@cloudservices.gserviceaccount.com`) rather than the project's own.
 * The Compute Engine and App Engine default service accounts are the
 * project's own: Google creates them, but the project manages their roles
 * and keys.
 *
 * @public
 */
export function isGoogleManagedServiceAccount(email: string): boolean {
  const domain = email.slice(email.indexOf('@') + 1).toLowerCase();
  if (KEPT_DOMAINS.has(domain)) return false;
  if (ROBOT_DOMAINS.has(domain)) return true;
  if (domain.endsWith('.iam.gserviceaccount.com')) {
    return domain.startsWith('gcp-sa-');
  }
  return domain.endsWith('gserviceaccount.com');
}

/** Whether an account is a project's Compute Engine or App Engine default service account. */
export function isDefaultServiceAccount(email: string): boolean {
  const domain = email.slice(email.indexOf('@') + 1).toLowerCase();
  return KEPT_DOMAINS.has(domain);
}

/**
 * The project a service account's e-mail names: the id for
 * `…@<project>.iam.gserviceaccount.com` and `<project>@appspot…`, the
 * number for `<number>-compute@developer…` (resolved with `byNumber`).
 */
export function projectOfServiceAccount(
  email: string,
  byNumber?: ReadonlyMap<string, string>,
): string | undefined {
  const [local, domain = ''] = email.toLowerCase().split('@');
  const iam = /^(.+)\.iam\.gserviceaccount\.com$/.exec(domain);
  if (iam && !iam[1].startsWith('gcp-sa-')) {
    // Domain-scoped projects (example.com:proj) appear as proj.example.com.
    const parts = iam[1].split('.');
    return parts.length > 1
      ? `${parts.slice(1).join('.')}:${parts[0]}`
      : parts[0];
  }
  if (domain === 'appspot.gserviceaccount.com') return local;
  const number = /^(\d+)-compute$/.exec(local)?.[1];
  if (domain === 'developer.gserviceaccount.com' && number) {
    return byNumber?.get(number) ?? number;
  }
  return undefined;
}
