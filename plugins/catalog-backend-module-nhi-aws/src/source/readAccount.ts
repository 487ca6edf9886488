import {
  AccessKeyMetadata,
  GenerateCredentialReportCommand,
  GenerateCredentialReportCommandOutput,
  GetAccountAuthorizationDetailsCommand,
  GetAccountAuthorizationDetailsCommandOutput,
  GetCredentialReportCommand,
  GetCredentialReportCommandOutput,
  GroupDetail,
  IAMClient,
  ListAccessKeysCommand,
  ListAccessKeysCommandOutput,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { AwsCallCounter, sendCounted } from './clients';
import { CredentialReportRow, parseCredentialReport } from './credentialReport';

/**
 * Everything one account's bulk reads returned.
 *
 * @public
 */
export interface IamAccountSnapshot {
  users: UserDetail[];
  roles: RoleDetail[];
  groups: GroupDetail[];
  policies: ManagedPolicyDetail[];
  /** Credential report rows by user name (`<root_account>` for root). */
  report: Map<string, CredentialReportRow>;
  /** Access keys of the users that have any, by user name. */
  accessKeys: Map<string, AccessKeyMetadata[]>;
}

/**
 * Options of {@link readIamAccount}.
 *
 * @public
 */
export interface ReadIamAccountOptions {
  counter: AwsCallCounter;
  /** `MaxItems` per GetAccountAuthorizationDetails page (1–1000). */
  pageSize: number;
  reportPollIntervalMs: number;
  reportTimeoutMs: number;
  signal?: AbortSignal;
  /** ListAccessKeys calls in flight at once. Default 8. */
  keyListConcurrency?: number;
  /** For tests: how to wait between report polls. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** `Code: message` for an AWS SDK error, the message otherwise. */
export function describeAwsError(e: unknown): string {
  const own = (e as { name?: string })?.name;
  if (own === 'AccountReadError' || own === 'AssumeRoleError') {
    return (e as Error).message;
  }
  const err = e as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err?.name && err.name !== 'Error' ? err.name : err?.code;
  const message = err?.message || String(e);
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/** An account read failed at a named step. */
export class AccountReadError extends Error {
  constructor(readonly stage: string, readonly reason: unknown) {
    super(`${stage}: ${describeAwsError(reason)}`);
    this.name = 'AccountReadError';
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('aborted'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    function onAbort() {
      clearTimeout(timer);
      reject(new Error('aborted'));
    }
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Errors of GetCredentialReport that mean "generate and wait again". */
const REPORT_NOT_READY = new Set([
  'CredentialReportNotReadyException',
  'CredentialReportExpiredException',
  'CredentialReportNotPresentException',
  'ReportInProgress',
  'ReportExpired',
  'ReportNotPresent',
]);

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // Not being able to assume the role is the whole story, whatever step met it.
    const own = (e as { name?: string })?.name;
    if (own === 'AccountReadError' || own === 'AssumeRoleError') throw e;
    throw new AccountReadError(name, e);
  }
}

/**
 * Reads users, groups, roles and managed policies with
 * GetAccountAuthorizationDetails, following `Marker` while `IsTruncated`.
 *
 * @public
 */
export async function readAuthorizationDetails(
  iam: IAMClient,
  options: Pick<ReadIamAccountOptions, 'counter' | 'pageSize' | 'signal'>,
): Promise<
  Pick<IamAccountSnapshot, 'users' | 'roles' | 'groups' | 'policies'>
> {
  const out = {
    users: [] as UserDetail[],
    roles: [] as RoleDetail[],
    groups: [] as GroupDetail[],
    policies: [] as ManagedPolicyDetail[],
  };
  let marker: string | undefined;
  const markers = new Set<string>();
  do {
    const page = await sendCounted<GetAccountAuthorizationDetailsCommandOutput>(
      options.counter,
      'iam',
      iam,
      new GetAccountAuthorizationDetailsCommand({
        Filter: [
          'User',
          'Role',
          'Group',
          'LocalManagedPolicy',
          'AWSManagedPolicy',
        ],
        MaxItems: options.pageSize,
        Marker: marker,
      }),
      options.signal,
    );
    out.users.push(...(page.UserDetailList ?? []));
    out.roles.push(...(page.RoleDetailList ?? []));
    out.groups.push(...(page.GroupDetailList ?? []));
    out.policies.push(...(page.Policies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
    if (page.IsTruncated && !marker) {
      throw new Error('a truncated page came without a Marker');
    }
    if (marker) {
      if (markers.has(marker)) {
        throw new Error(`the Marker ${marker.slice(0, 16)}… came twice`);
      }
      markers.add(marker);
    }
  } while (marker);
  return out;
}

/**
 * Gets the credential report: asks IAM to generate it (a no-op when a
 * report under four hours old exists), polls until it is COMPLETE, then
 * downloads and parses it.
 *
 * @public
 */
export async function readCredentialReport(
  iam: IAMClient,
  options: Pick<
    ReadIamAccountOptions,
    'counter' | 'reportPollIntervalMs' | 'reportTimeoutMs' | 'signal' | 'sleep'
  >,
): Promise<CredentialReportRow[]> {
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + options.reportTimeoutMs;
  for (;;) {
    const generated = await sendCounted<GenerateCredentialReportCommandOutput>(
      options.counter,
      'iam',
      iam,
      new GenerateCredentialReportCommand({}),
      options.signal,
    );
    if (generated.State === 'COMPLETE') {
      try {
        const report = await sendCounted<GetCredentialReportCommandOutput>(
          options.counter,
          'iam',
          iam,
          new GetCredentialReportCommand({}),
          options.signal,
        );
        if (!report.Content) throw new Error('the report has no content');
        return parseCredentialReport(
          Buffer.from(report.Content).toString('utf8'),
        );
      } catch (e) {
        // Expired or regenerated between the two calls: generate again.
        if (!REPORT_NOT_READY.has((e as { name?: string }).name ?? '')) {
          throw e;
        }
      }
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the credential report was not ready after ${Math.round(
          options.reportTimeoutMs / 1000,
        )} s`,
      );
    }
    await sleep(options.reportPollIntervalMs, options.signal);
  }
}

/**
 * Reads one account in bulk: GetAccountAuthorizationDetails (paged), the
 * credential report, and ListAccessKeys only for the users the report says
 * have keys (or that the report does not list yet). Key ids are not in the
 * report; the pipeline matches them to report slots by creation date.
 *
 * @public
 */
export async function readIamAccount(
  iam: IAMClient,
  options: ReadIamAccountOptions,
): Promise<IamAccountSnapshot> {
  const details = await step('GetAccountAuthorizationDetails', () =>
    readAuthorizationDetails(iam, options),
  );
  const rows = await step('credential report', () =>
    readCredentialReport(iam, options),
  );
  const report = new Map(rows.map(r => [r.user, r]));
  const needKeys = details.users
    .map(u => u.UserName!)
    .filter(name => {
      const row = report.get(name);
      return !row || row.keys.length > 0;
    });
  const limit = pLimit(options.keyListConcurrency ?? 8);
  const accessKeys = new Map<string, AccessKeyMetadata[]>();
  await step('ListAccessKeys', () =>
    Promise.all(
      needKeys.map(userName =>
        limit(async () => {
          const keys: AccessKeyMetadata[] = [];
          let marker: string | undefined;
          do {
            const page = await sendCounted<ListAccessKeysCommandOutput>(
              options.counter,
              'iam',
              iam,
              new ListAccessKeysCommand({ UserName: userName, Marker: marker }),
              options.signal,
            );
            keys.push(...(page.AccessKeyMetadata ?? []));
            marker = page.IsTruncated ? page.Marker : undefined;
          } while (marker);
          if (keys.length) accessKeys.set(userName, keys);
        }).catch(e => {
          // A user deleted between the two reads has no keys any more.
          const name = (e as { name?: string }).name;
          if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') {
            return;
          }
          throw e;
        }),
      ),
    ),
  );
  return { ...details, report, accessKeys };
}
