import {
  DescribeOrganizationCommand,
  DescribeOrganizationCommandOutput,
  ListAccountsCommand,
  ListAccountsCommandOutput,
} from '@aws-sdk/client-organizations';
import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceError,
  NhiSourceReadContext,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import pLimit from 'p-limit';
import { AwsAccountConfig, AwsSourceConfig } from '../config';
import { PolicyAnalyzer } from '../policy/PolicyAnalyzer';
import { AwsOrganizationContext } from '../policy/trust';
import {
  AwsCallCounter,
  AwsClients,
  AwsCredentialIdentityProvider,
  sendCounted,
} from './clients';
import { toIdentityRecords } from './normalize';
import { partitionOfRegion } from './partition';
import { describeAwsError, readIamAccount } from './readAccount';
import { createAwsIamActions } from '../actions/AwsIamActions';
import { NhiSourceAction } from '@backstage-nhi/plugin-nhi-node';

const BATCH = 1000;

/**
 * Options of {@link AwsIamSource.fromConfig}.
 *
 * @public
 */
export interface AwsIamSourceOptions {
  /**
   * Where the base credentials come from (the ones that assume the
   * configured roles). The module passes `DefaultAwsCredentialsManager` from
   * `@backstage/integration-aws-node`, which reads `aws.mainAccount` and
   * falls back to the SDK's default chain.
   */
  credentialsManager?: AwsCredentialsManager;
  /** Base credentials given directly; wins over `credentialsManager` (tests, benchmarks). */
  credentials?: AwsCredentialIdentityProvider;
  /** Policy analysis with its cache; one per source by default, kept across reads. */
  analyzer?: PolicyAnalyzer;
  /** Base of the retry backoff in ms; the SDK's default when absent (tests shorten it). */
  retryBaseDelayMs?: number;
  /** "Now", for the role last-use window; the clock by default. */
  now?: () => Date;
}

interface ResolvedAccount extends AwsAccountConfig {
  /** The configured account, or the organization that listed it. */
  origin: 'account' | 'organization';
}

/**
 * The AWS IAM identity source: every IAM user, access key and role of one
 * account or a whole AWS Organization, with credentials, last use, owner
 * and provenance tags, permission summary and trust, read in bulk
 * (GetAccountAuthorizationDetails, the credential report, and ListAccessKeys
 * only for users with keys). Accounts are read concurrently with adaptive
 * retry; an account that fails is reported with its id as scope and the
 * others still count as complete.
 *
 * @public
 */
export class AwsIamSource implements NhiIdentitySource {
  readonly type = 'aws';

  /** Builds a source from its config (see `readAwsSourceConfigs`). */
  static fromConfig(
    config: AwsSourceConfig,
    options: AwsIamSourceOptions = {},
  ): AwsIamSource {
    return new AwsIamSource(
      config,
      options,
      options.analyzer ?? new PolicyAnalyzer(),
    );
  }

  private constructor(
    private readonly config: AwsSourceConfig,
    private readonly options: AwsIamSourceOptions,
    private readonly analyzer: PolicyAnalyzer,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get schedule(): SchedulerServiceTaskScheduleDefinition | undefined {
    return this.config.schedule;
  }

  private actionList?: NhiSourceAction<any>[];

  /**
   * The remediation actions, when `actions` is configured (see
   * `createAwsIamActions`): they write with `actions.roleName`, never with
   * the read-only role.
   */
  get actions(): NhiSourceAction<any>[] | undefined {
    if (!this.config.actions) return undefined;
    this.actionList ??= createAwsIamActions({
      config: this.config,
      baseCredentials: () => this.baseCredentials(),
      analyzer: this.analyzer,
      retryBaseDelayMs: this.options.retryBaseDelayMs,
    });
    return this.actionList;
  }

  private async baseCredentials(): Promise<AwsCredentialIdentityProvider> {
    if (this.options.credentials) return this.options.credentials;
    if (this.options.credentialsManager) {
      return (await this.options.credentialsManager.getCredentialProvider())
        .sdkCredentialProvider;
    }
    const { fromNodeProviderChain } = await import(
      '@aws-sdk/credential-providers'
    );
    return fromNodeProviderChain();
  }

  /**
   * The organization's accounts to read (active, not excluded), every
   * account it lists (members are not third parties, whatever their state),
   * and its id (DescribeOrganization; a failure there only leaves it
   * unknown).
   */
  private async organizationAccounts(
    clients: AwsClients,
    counter: AwsCallCounter,
    base: AwsCredentialIdentityProvider,
    signal: AbortSignal,
    logger: NhiSourceReadContext['logger'],
  ): Promise<{ toRead: ResolvedAccount[]; all: string[]; id?: string }> {
    const org = this.config.organization!;
    const partition = partitionOfRegion(this.config.region).id;
    const credentials = org.roleArn
      ? clients.assumeRole({
          base,
          roleArn: org.roleArn,
          externalId: org.externalId,
          signal,
        })
      : base;
    const client = clients.organizations(credentials);
    const accounts: ResolvedAccount[] = [];
    const all: string[] = [];
    let id: string | undefined;
    let token: string | undefined;
    try {
      try {
        const described = await sendCounted<DescribeOrganizationCommandOutput>(
          counter,
          'organizations',
          client,
          new DescribeOrganizationCommand({}),
          signal,
        );
        id = described.Organization?.Id;
      } catch (e) {
        if (signal.aborted) throw e;
        logger.warn(
          `AWS source ${
            this.config.id
          }: the organization's id could not be read (${describeAwsError(
            e,
          )}); trust in aws:PrincipalOrgID is not told apart from another organization's`,
        );
      }
      do {
        const page = await sendCounted<ListAccountsCommandOutput>(
          counter,
          'organizations',
          client,
          new ListAccountsCommand({ NextToken: token }),
          signal,
        );
        for (const a of page.Accounts ?? []) {
          if (a.Id) all.push(a.Id);
          if (!a.Id || a.Status !== 'ACTIVE' || org.exclude.includes(a.Id)) {
            continue;
          }
          accounts.push({
            accountId: a.Id,
            roleArn: `arn:${partition}:iam::${a.Id}:role/${org.accountRoleName}`,
            externalId: org.externalId,
            origin: 'organization',
          });
        }
        token = page.NextToken;
      } while (token);
    } finally {
      client.destroy();
    }
    return { toRead: accounts, all, id };
  }

  async read(context: NhiSourceReadContext): Promise<NhiSourceReadSummary> {
    const started = Date.now();
    const { logger, signal } = context;
    const counter = new AwsCallCounter();
    const analysesBefore = this.analyzer.analyses;
    const hitsBefore = this.analyzer.hits;
    const clients = new AwsClients(
      {
        region: this.config.region,
        endpoint: this.config.endpoint,
        maxAttempts: this.config.maxAttempts,
        retryBaseDelayMs: this.options.retryBaseDelayMs,
      },
      counter,
    );
    const errors: NhiSourceError[] = [];
    let complete = true;
    const base = await this.baseCredentials();

    // The accounts: configured ones first, then the organization's.
    const accounts = new Map<string, ResolvedAccount>();
    for (const a of this.config.accounts) {
      accounts.set(a.accountId, { ...a, origin: 'account' });
    }
    const organization: AwsOrganizationContext & { accounts: Set<string> } = {
      id: this.config.organizationId,
      accounts: new Set([
        ...accounts.keys(),
        ...this.config.organizationAccounts,
      ]),
    };
    if (this.config.organization) {
      try {
        const listed = await this.organizationAccounts(
          clients,
          counter,
          base,
          signal,
          logger,
        );
        for (const a of listed.toRead) {
          if (!accounts.has(a.accountId)) accounts.set(a.accountId, a);
        }
        for (const a of listed.all) organization.accounts.add(a);
        organization.id ??= listed.id;
      } catch (e) {
        complete = false;
        errors.push({
          scope: 'organization',
          message: `could not list the organization's accounts: ${describeAwsError(
            e,
          )}`,
        });
      }
    }

    // One emit at a time, in order, whatever the account concurrency. When
    // the pipeline refuses a batch, the read stops: no account starts after.
    let identities = 0;
    let emitFailed = false;
    let emitting: Promise<void> = Promise.resolve();
    const emit = (records: NhiIdentityRecord[]) => {
      emitting = emitting.then(() => context.emit(records));
      emitting.then(
        () => {
          identities += records.length;
        },
        () => {
          emitFailed = true;
        },
      );
      return emitting;
    };
    const stopped = () => signal.aborted || emitFailed;

    const completeScopes: string[] = [];
    let readMs = 0;
    let normalizeMs = 0;
    const limit = pLimit(this.config.concurrency);
    try {
      await Promise.all(
        [...accounts.values()].map(account =>
          limit(async () => {
            if (stopped()) return;
            const accountId = account.accountId;
            const region = account.region ?? this.config.region;
            const iam = clients.iam(
              account.roleArn
                ? clients.assumeRole({
                    base,
                    roleArn: account.roleArn,
                    externalId: account.externalId,
                    region,
                    signal,
                  })
                : base,
              region,
            );
            let snapshot;
            try {
              const readStarted = Date.now();
              snapshot = await readIamAccount(iam, {
                counter,
                pageSize: this.config.pageSize,
                reportPollIntervalMs: this.config.reportPollIntervalMs,
                reportTimeoutMs: this.config.reportTimeoutMs,
                signal,
              });
              readMs += Date.now() - readStarted;
            } catch (e) {
              // An abort is reported once for the whole read, below.
              if (stopped()) return;
              const message = describeAwsError(e);
              errors.push({
                scope: accountId,
                message: `account ${accountId} could not be read: ${message}`,
              });
              logger.warn(
                `AWS account ${accountId} could not be read: ${message}`,
              );
              return;
            } finally {
              iam.destroy();
            }
            const normalizeStarted = Date.now();
            let batch: NhiIdentityRecord[] = [];
            let count = 0;
            const records = toIdentityRecords(
              snapshot,
              {
                accountId,
                partition: partitionOfRegion(region),
                region,
                includeServiceLinkedRoles:
                  this.config.includeServiceLinkedRoles,
                ownerTagKeys: this.config.ownerTagKeys,
                environmentTagKeys: this.config.environmentTagKeys,
                createdByTagKey: this.config.createdByTagKey,
                agentTagKeys: this.config.agentTagKeys,
                organization,
                now: this.options.now?.() ?? new Date(),
              },
              this.analyzer,
            );
            for (;;) {
              let next: IteratorResult<NhiIdentityRecord>;
              try {
                next = await records.next();
              } catch (e) {
                // A bug or an unexpected document: this account is partial.
                errors.push({
                  scope: accountId,
                  message: `account ${accountId} could not be normalized: ${
                    (e as Error).message
                  }`,
                });
                if (batch.length) await emit(batch);
                return;
              }
              if (next.done) break;
              batch.push(next.value);
              count++;
              if (batch.length >= BATCH) {
                await emit(batch);
                batch = [];
              }
              if (stopped()) return;
            }
            if (batch.length) await emit(batch);
            normalizeMs += Date.now() - normalizeStarted;
            completeScopes.push(accountId);
            logger.info(
              `AWS account ${accountId}: ${count} identities (${
                account.origin === 'organization'
                  ? 'organization'
                  : 'configured'
              })`,
            );
          }),
        ),
      );
      await emitting;
    } finally {
      clients.destroy();
    }

    if (signal.aborted) {
      errors.push({ message: 'the read was aborted' });
    }
    complete =
      complete && !signal.aborted && completeScopes.length === accounts.size;
    return {
      complete,
      completeScopes: completeScopes.sort(),
      errors,
      stats: {
        accounts: accounts.size,
        accountsRead: completeScopes.length,
        identities,
        apiCalls: counter.total(),
        iamApiCalls: counter.total('iam'),
        stsApiCalls: counter.total('sts'),
        organizationsApiCalls: counter.total('organizations'),
        httpAttempts: counter.attempts,
        policySetsAnalysed: this.analyzer.analyses - analysesBefore,
        policySetsFromCache: this.analyzer.hits - hitsBefore,
        durationMs: Date.now() - started,
        readMs,
        normalizeMs,
      },
    };
  }
}
