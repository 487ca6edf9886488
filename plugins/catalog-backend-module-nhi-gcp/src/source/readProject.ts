import { iam_v1 } from '@googleapis/iam';
import pLimit from 'p-limit';
import { GcpActivity, GcpBinding, GcpClients, readAllPages } from './clients';
import { GcpApiError } from './errors';

/**
 * A project as the source reads it.
 *
 * @public
 */
export interface GcpProjectInfo {
  projectId: string;
  /** The project number (`projects/<number>`). */
  number: string;
  displayName?: string;
  labels: Record<string, string>;
  /** `organizations/<n>` or `folders/<n>`. */
  parent?: string;
}

/**
 * A user-managed service-account key, metadata only.
 *
 * @public
 */
export interface GcpKey {
  /** The key id (last segment of its name). */
  id: string;
  validAfterTime?: string;
  validBeforeTime?: string;
  disabled: boolean;
  /** `GOOGLE_PROVIDED` or `USER_PROVIDED` (an uploaded public key). */
  keyOrigin?: string;
  keyAlgorithm?: string;
  /** Google detected the private key in public (extendedStatus SERVICE_ACCOUNT_KEY_EXPOSED). */
  exposed: boolean;
}

/**
 * Everything read about one project's service accounts.
 *
 * @public
 */
export interface GcpProjectSnapshot {
  project: GcpProjectInfo;
  serviceAccounts: iam_v1.Schema$ServiceAccount[];
  /** User-managed keys by account e-mail (lower case). */
  keys: Map<string, GcpKey[]>;
  /** The accounts' own IAM policies (who may act as them), by e-mail. */
  accountPolicies: Map<string, GcpBinding[]>;
  /** Last authentication of accounts by e-mail, and of keys by key id; undefined when not read. */
  activity?: { accounts: Map<string, string>; keys: Map<string, string> };
  /** How keys and account policies were read. */
  via: 'asset-inventory' | 'per-account';
}

const KEY_ASSET = 'iam.googleapis.com/ServiceAccountKey';
const ACCOUNT_ASSET = 'iam.googleapis.com/ServiceAccount';

/** The last path segment of a resource name. */
const lastSegment = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/**
 * The account a key or account resource name names: `…/serviceAccounts/<email or unique id>[/keys/<id>]`.
 */
function accountOf(name: string | undefined): string | undefined {
  const m = /serviceAccounts\/([^/]+)/.exec(name ?? '');
  return m ? decodeURIComponent(m[1]).toLowerCase() : undefined;
}

/** Parses a key as IAM (keys.list) or Cloud Asset (resource.data) gives it; undefined unless user-managed. */
export function toKey(data: Record<string, unknown>): GcpKey | undefined {
  const keyType = data.keyType as string | undefined;
  if (keyType && keyType !== 'USER_MANAGED') return undefined;
  const name = data.name as string | undefined;
  if (!name) return undefined;
  const extended = (data.extendedStatus ?? []) as Array<{ key?: string }>;
  return {
    id: lastSegment(name),
    validAfterTime: (data.validAfterTime as string) || undefined,
    validBeforeTime: (data.validBeforeTime as string) || undefined,
    disabled: data.disabled === true,
    keyOrigin: (data.keyOrigin as string) || undefined,
    keyAlgorithm: (data.keyAlgorithm as string) || undefined,
    exposed:
      extended.some(x => x.key === 'SERVICE_ACCOUNT_KEY_EXPOSED') ||
      data.disableReason === 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED',
  };
}

/** A step of a project read failed: which, and why. */
export class ProjectReadError extends Error {
  constructor(readonly stage: string, readonly reason: unknown) {
    super(
      reason instanceof GcpApiError
        ? reason.message
        : `${stage}: ${(reason as Error)?.message ?? String(reason)}`,
    );
    this.name = 'ProjectReadError';
  }
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ProjectReadError) throw e;
    throw new ProjectReadError(name, e);
  }
}

/**
 * Whether Cloud Asset Inventory cannot serve a project (permission missing
 * or API disabled), so the per-account reads are used instead.
 */
function assetInventoryUnavailable(e: unknown): boolean {
  return (
    e instanceof GcpApiError &&
    (e.permissionDenied || !!e.disabledService || e.httpStatus === 400)
  );
}

/** Options of the project reads. */
export interface ReadProjectOptions {
  assetInventory: boolean;
  lastAuthentication: boolean;
  signal?: AbortSignal;
  /** Per-account calls in flight at once (fallback reads). Default 8. */
  perAccountConcurrency?: number;
  /** Told when Cloud Asset Inventory could not serve a project. */
  onFallback?: (projectId: string, reason: GcpApiError) => void;
}

/**
 * A project's service accounts and who may act as each: what the first
 * phase of a read needs of every project before any is normalized.
 *
 * @public
 */
export interface GcpProjectAccounts {
  serviceAccounts: iam_v1.Schema$ServiceAccount[];
  /** The accounts' own IAM policies (who may act as them), by e-mail. */
  accountPolicies: Map<string, GcpBinding[]>;
  /** Whether Cloud Asset Inventory served the project (else per-account reads). */
  via: GcpProjectSnapshot['via'];
}

/**
 * Reads a project's service accounts (`serviceAccounts.list`, paged) and
 * their own IAM policies: one Cloud Asset `assets.list` (IAM_POLICY) for the
 * whole project, or `getIamPolicy` per account when Cloud Asset Inventory is
 * off or cannot serve the project.
 *
 * @public
 */
export async function readProjectAccounts(
  clients: GcpClients,
  projectId: string,
  options: ReadProjectOptions,
): Promise<GcpProjectAccounts> {
  const signal = options.signal;
  const serviceAccounts = await step('service accounts', () =>
    readAllPages(token =>
      clients.listServiceAccounts(projectId, token, signal),
    ),
  );
  const emailOf = emailResolver(serviceAccounts);
  const accountPolicies = new Map<string, GcpBinding[]>();
  if (options.assetInventory) {
    try {
      const assets = await readAllPages(token =>
        clients.listAssets(
          projectId,
          ACCOUNT_ASSET,
          'IAM_POLICY',
          token,
          signal,
        ),
      );
      for (const a of assets) {
        const account = emailOf(accountOf(a.name));
        const bindings = a.iamPolicy?.bindings ?? [];
        if (account && bindings.length) accountPolicies.set(account, bindings);
      }
      return { serviceAccounts, accountPolicies, via: 'asset-inventory' };
    } catch (e) {
      if (!assetInventoryUnavailable(e)) {
        throw new ProjectReadError('service-account IAM policies', e);
      }
      options.onFallback?.(projectId, e as GcpApiError);
    }
  }
  const limit = pLimit(options.perAccountConcurrency ?? 8);
  await step('service-account IAM policies', () =>
    Promise.all(
      serviceAccounts.map(sa =>
        limit(async () => {
          const email = sa.email!.toLowerCase();
          const policy = await clients.serviceAccountIamPolicy(
            projectId,
            email,
            signal,
          );
          if (policy.bindings?.length) {
            accountPolicies.set(email, policy.bindings);
          }
        }),
      ),
    ),
  );
  return { serviceAccounts, accountPolicies, via: 'per-account' };
}

/** Maps an account named by unique id or e-mail to its e-mail (lower case). */
function emailResolver(
  serviceAccounts: iam_v1.Schema$ServiceAccount[],
): (account: string | undefined) => string | undefined {
  const byUniqueId = new Map<string, string>();
  for (const sa of serviceAccounts) {
    if (sa.uniqueId && sa.email) {
      byUniqueId.set(sa.uniqueId, sa.email.toLowerCase());
    }
  }
  return account => (account ? byUniqueId.get(account) ?? account : undefined);
}

/**
 * Reads the second half of a project: the user-managed keys of all its
 * accounts with one Cloud Asset `assets.list` (RESOURCE) — or `keys.list`
 * per account where Cloud Asset Inventory did not serve the project —, and
 * the last authentication of accounts and keys from Policy Analyzer (one
 * paged query per activity type).
 *
 * @public
 */
export async function readProject(
  clients: GcpClients,
  project: GcpProjectInfo,
  accounts: GcpProjectAccounts,
  options: ReadProjectOptions,
): Promise<GcpProjectSnapshot> {
  const { projectId } = project;
  const signal = options.signal;
  const { serviceAccounts } = accounts;
  const emailOf = emailResolver(serviceAccounts);

  let keys: Map<string, GcpKey[]> | undefined;
  let via = accounts.via;
  if (via === 'asset-inventory') {
    try {
      const assets = await readAllPages(token =>
        clients.listAssets(projectId, KEY_ASSET, 'RESOURCE', token, signal),
      );
      keys = new Map();
      for (const a of assets) {
        const data = a.resource?.data;
        const key = data ? toKey(data) : undefined;
        const account = emailOf(
          accountOf(data?.name as string) ?? accountOf(a.resource?.parent),
        );
        if (!key || !account) continue;
        const list = keys.get(account);
        if (list) list.push(key);
        else keys.set(account, [key]);
      }
    } catch (e) {
      if (!assetInventoryUnavailable(e)) {
        throw new ProjectReadError('service-account keys', e);
      }
      options.onFallback?.(projectId, e as GcpApiError);
      via = 'per-account';
    }
  }
  if (!keys) {
    const limit = pLimit(options.perAccountConcurrency ?? 8);
    const perAccount = new Map<string, GcpKey[]>();
    await step('service-account keys', () =>
      Promise.all(
        serviceAccounts.map(sa =>
          limit(async () => {
            const email = sa.email!.toLowerCase();
            const list = (
              await clients.listKeys(projectId, email, signal)
            ).flatMap(k => toKey(k as Record<string, unknown>) ?? []);
            if (list.length) perAccount.set(email, list);
          }),
        ),
      ),
    );
    keys = perAccount;
  }

  let activity: GcpProjectSnapshot['activity'];
  if (options.lastAuthentication) {
    const [accountActivities, keyActivities] = await step(
      'last authentication (Policy Analyzer)',
      () =>
        Promise.all([
          readAllPages(token =>
            clients.queryActivities(
              projectId,
              'serviceAccountLastAuthentication',
              token,
              signal,
            ),
          ),
          readAllPages(token =>
            clients.queryActivities(
              projectId,
              'serviceAccountKeyLastAuthentication',
              token,
              signal,
            ),
          ),
        ]),
    );
    activity = {
      accounts: latestBy(accountActivities, a =>
        emailOf(
          accountOf(
            a.activity?.serviceAccount?.fullResourceName ?? a.fullResourceName,
          ) ?? a.activity?.serviceAccount?.serviceAccountId,
        ),
      ),
      keys: latestBy(keyActivities, a => {
        const name =
          a.activity?.serviceAccountKey?.fullResourceName ?? a.fullResourceName;
        return name && /\/keys\/[^/]+$/.test(name)
          ? lastSegment(name)
          : undefined;
      }),
    };
  }
  return {
    project,
    serviceAccounts,
    keys,
    accountPolicies: accounts.accountPolicies,
    ...(activity ? { activity } : {}),
    via,
  };
}

/** The latest `lastAuthenticatedTime` per key the function gives. */
function latestBy(
  activities: GcpActivity[],
  keyOf: (a: GcpActivity) => string | undefined,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of activities) {
    const at = a.activity?.lastAuthenticatedTime;
    const key = keyOf(a);
    if (!at || !key || Number.isNaN(Date.parse(at))) continue;
    const before = out.get(key);
    if (!before || Date.parse(at) > Date.parse(before)) out.set(key, at);
  }
  return out;
}
