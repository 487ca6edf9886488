import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { GithubCredentialsProvider } from '@backstage/integration';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceError,
  NhiSourceReadContext,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import { GithubSourceConfig } from '../config';
import {
  createGithubClient,
  GithubApiAccounting,
  GithubConditionalCache,
} from './client';
import { toIdentityRecords } from './normalize';
import { readOrganization } from './readOrganization';

const BATCH = 500;

/**
 * Options of {@link GithubSource.fromConfig}.
 *
 * @public
 */
export interface GithubSourceOptions {
  /** The REST API base URL of the host, from its `integrations.github` entry. */
  apiBaseUrl: string;
  /**
   * Credentials per organization, the way Backstage's GitHub integrations
   * give them (`DefaultGithubCredentialsProvider`): a GitHub App's
   * installation token, or the configured token.
   */
  credentialsProvider: GithubCredentialsProvider;
  /** Milliseconds per second of `retry-after` (tests and benchmarks shorten it). */
  retryAfterBaseMs?: number;
  /** Least time between two GraphQL queries in ms; the throttling plugin's 1000 by default. */
  graphqlMinTimeMs?: number;
}

/**
 * The GitHub identity source: for each configured organization, its GitHub
 * App installations, deploy keys, fine-grained personal access tokens
 * granted to it (and pending requests), Actions secrets of the
 * organization, its repositories and their environments (metadata only),
 * and its Actions OIDC subject template — read with Octokit within GitHub's
 * rate limits (GraphQL pages for what GraphQL has, conditional REST for the
 * rest), credentials from `integrations.github`.
 *
 * ETags (and the data they stand for) are kept in memory across runs, so an
 * unchanged repository costs no rate-limit point on the next run; a restart
 * starts afresh. A run that reaches the budget's reserve (or finds it
 * spent) ends partial: what it did not re-read keeps its identities, and
 * the next run reads it first.
 *
 * @public
 */
export class GithubSource implements NhiIdentitySource {
  readonly type = 'github';
  private readonly cache = new GithubConditionalCache();
  /** Per organization: repositories whose REST data the last run did not finish. */
  private readonly pending = new Map<string, Set<string>>();

  /** Builds a source from its config (see `readGithubSourceConfigs`). */
  static fromConfig(
    config: GithubSourceConfig,
    options: GithubSourceOptions,
  ): GithubSource {
    return new GithubSource(config, options);
  }

  private constructor(
    private readonly config: GithubSourceConfig,
    private readonly options: GithubSourceOptions,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get schedule(): SchedulerServiceTaskScheduleDefinition | undefined {
    return this.config.schedule;
  }

  async read(context: NhiSourceReadContext): Promise<NhiSourceReadSummary> {
    const started = Date.now();
    const { logger, signal } = context;
    const accounting = new GithubApiAccounting();
    const errors: NhiSourceError[] = [];
    const completeScopes: string[] = [];
    let identities = 0;
    let budgetStops = 0;
    let organizationsRead = 0;
    this.cache.startRun();

    for (const org of this.config.organizations) {
      if (signal.aborted) break;
      const orgUrl = `https://${this.config.host}/${org}`;
      const octokit = createGithubClient({
        apiBaseUrl: this.options.apiBaseUrl,
        token: async () =>
          (
            await this.options.credentialsProvider.getCredentials({
              url: orgUrl,
            })
          ).token,
        maxRetries: this.config.maxRetries,
        maxWaitSeconds: this.config.maxWaitSeconds,
        retryAfterBaseMs: this.options.retryAfterBaseMs,
        graphqlMinTimeMs: this.options.graphqlMinTimeMs,
        signal,
        accounting,
        log: { warn: m => logger.warn(m) },
      });
      let result;
      try {
        result = await readOrganization({
          org,
          octokit,
          apiBaseUrl: this.options.apiBaseUrl,
          cache: this.cache,
          accounting,
          concurrency: this.config.concurrency,
          reservePercent: this.config.reservePercent,
          ownerProperties: this.config.ownerProperties,
          codeowners: this.config.codeowners,
          catalogPath: this.config.catalogPath,
          includeArchived: this.config.includeArchived,
          pending: this.pending.get(org) ?? new Set(),
          signal,
          warn: m => logger.warn(`GitHub ${org}: ${m}`),
        });
      } catch (e) {
        if (signal.aborted) break;
        errors.push({
          scope: org,
          message: `${org} could not be read: ${(e as Error).message}`,
        });
        continue;
      }
      this.pending.set(org, new Set(result.unfinished));
      errors.push(...result.errors);
      completeScopes.push(...result.completeScopes);
      if (result.stoppedByBudget) budgetStops++;
      let records: NhiIdentityRecord[];
      try {
        records = toIdentityRecords(result.snapshot, {
          host: this.config.host,
          ownerProperties: this.config.ownerProperties,
          repositoryNameAsComponent: this.config.repositoryNameAsComponent,
        });
      } catch (e) {
        errors.push({
          scope: org,
          message: `${org} could not be normalized: ${(e as Error).message}`,
        });
        // Nothing of it counts as complete.
        const prefix = [`${org}:`, `${org}/`];
        for (let i = completeScopes.length - 1; i >= 0; i--) {
          if (prefix.some(p => completeScopes[i].startsWith(p))) {
            completeScopes.splice(i, 1);
          }
        }
        continue;
      }
      for (let i = 0; i < records.length; i += BATCH) {
        if (signal.aborted) break;
        await context.emit(records.slice(i, i + BATCH));
        identities += Math.min(BATCH, records.length - i);
      }
      organizationsRead++;
      logger.info(
        `GitHub organization ${org}: ${records.length} identities from ${result.snapshot.repositories.length} repositories`,
      );
    }

    if (signal.aborted) errors.push({ message: 'the read was aborted' });
    const complete = !signal.aborted && errors.length === 0;
    if (complete) this.cache.prune();
    const kinds = Object.fromEntries(
      [...accounting.byKind].map(([kind, n]) => [
        `calls.${kind.replace(/[:]/g, '.')}`,
        n,
      ]),
    );
    const core = accounting.budgets.get('core');
    const graphql = accounting.budgets.get('graphql');
    return {
      complete,
      completeScopes: complete ? undefined : completeScopes.sort(),
      errors,
      stats: {
        organizations: this.config.organizations.length,
        organizationsRead,
        identities,
        httpRequests: accounting.requests,
        notModified: accounting.notModified,
        restPoints: accounting.restPoints,
        graphqlQueries: accounting.graphqlQueries,
        graphqlPoints: accounting.graphqlPoints,
        secondaryRateLimits: accounting.secondaryLimited,
        budgetStops,
        ...(core ? { restPointsLeft: core.remaining } : {}),
        ...(graphql ? { graphqlPointsLeft: graphql.remaining } : {}),
        etagsKept: this.cache.size,
        durationMs: Date.now() - started,
        ...kinds,
      },
    };
  }
}
