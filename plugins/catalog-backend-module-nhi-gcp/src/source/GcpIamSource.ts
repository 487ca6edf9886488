import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import {
  NhiIdentitySource,
  NhiSourceError,
  NhiSourceReadContext,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import { GoogleAuth, OAuth2Client } from 'googleapis-common';
import pLimit from 'p-limit';
import { GcpSourceConfig } from '../config';
import {
  CLOUD_PLATFORM_SCOPE,
  GcpAuthClient,
  GcpBinding,
  GcpCallCounter,
  GcpClients,
  readAllPages,
} from './clients';
import { GcpApiError } from './errors';
import { GcpGrantIndex } from './grants';
import { toIdentityRecords } from './normalize';
import {
  GcpProjectAccounts,
  GcpProjectInfo,
  ProjectReadError,
  readProject,
  readProjectAccounts,
} from './readProject';

const BATCH = 1000;

/**
 * Options of {@link GcpIamSource.fromConfig}.
 *
 * @public
 */
export interface GcpIamSourceOptions {
  /**
   * The auth client; wins over `credentials` in config. Tests and demos
   * pass an `OAuth2Client` holding a fixed access token.
   */
  auth?: GcpAuthClient;
  /** Base of the retry backoff in ms (1000 by default; tests shorten it). */
  retryBaseDelayMs?: number;
  /** "Now", for key expiry and the activity window; the clock by default. */
  now?: () => Date;
}

/**
 * An auth client from the source's `credentials`: a fixed access token,
 * a key file, or Application Default Credentials.
 *
 * @public
 */
export function gcpAuthFromConfig(config: GcpSourceConfig): GcpAuthClient {
  const { accessToken, keyFile } = config.credentials;
  if (accessToken) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: accessToken });
    return client;
  }
  return new GoogleAuth({
    ...(keyFile ? { keyFile } : {}),
    scopes: [CLOUD_PLATFORM_SCOPE],
  });
}

/** Why a project failed, as a sentence naming the permission when one is missing. */
function describeFailure(e: unknown): string {
  const cause = e instanceof ProjectReadError ? e.reason : e;
  if (cause instanceof GcpApiError) {
    if (cause.disabledService) {
      return `${cause.operation}: the API ${cause.disabledService} is not enabled (${cause.detail})`;
    }
    if (cause.missingPermission) {
      return `${cause.operation} was refused: missing permission ${cause.missingPermission} (${cause.detail})`;
    }
    return cause.message;
  }
  return (e as Error)?.message ?? String(e);
}

/**
 * The Google Cloud identity source: every service account of an
 * organization's projects (or of listed projects), its user-managed keys,
 * last authentication of accounts and keys, the roles granted to it
 * anywhere the read can see (organization, folders, projects, other
 * accounts), who may act as it and the workload identity federation
 * bound to it. Reads in bulk, a few calls per project; projects are read
 * concurrently, and one that fails is reported with its id as scope while
 * the others stay complete.
 *
 * @public
 */
export class GcpIamSource implements NhiIdentitySource {
  readonly type = 'gcp';

  /** Builds a source from its config (see `readGcpSourceConfigs`). */
  static fromConfig(
    config: GcpSourceConfig,
    options: GcpIamSourceOptions = {},
  ): GcpIamSource {
    return new GcpIamSource(
      config,
      options,
      options.auth ?? gcpAuthFromConfig(config),
    );
  }

  private constructor(
    private readonly config: GcpSourceConfig,
    private readonly options: GcpIamSourceOptions,
    private readonly auth: GcpAuthClient,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get schedule(): SchedulerServiceTaskScheduleDefinition | undefined {
    return this.config.schedule;
  }

  /**
   * The projects to read and every project known to be the organization's:
   * configured ones (projects.get), and with `organizationId` every
   * active project whose parent chain (folders.search) reaches it.
   */
  private async discover(
    clients: GcpClients,
    signal: AbortSignal,
    errors: NhiSourceError[],
  ): Promise<{
    projects: GcpProjectInfo[];
    organizationProjects: Set<string>;
    ancestors: Map<string, string[]>;
    failed: string[];
  }> {
    const toInfo = (
      p: cloudresourcemanager_v3.Schema$Project,
    ): GcpProjectInfo => ({
      projectId: p.projectId!,
      number: (p.name ?? '').replace(/^projects\//, ''),
      ...(p.displayName ? { displayName: p.displayName } : {}),
      labels: (p.labels ?? {}) as Record<string, string>,
      ...(p.parent ? { parent: p.parent } : {}),
    });
    const projects = new Map<string, GcpProjectInfo>();
    const organizationProjects = new Set<string>();
    const ancestors = new Map<string, string[]>();
    const failed: string[] = [];
    const exclude = new Set(this.config.excludeProjects);
    const org = this.config.organizationId
      ? `organizations/${this.config.organizationId}`
      : undefined;

    const parents = new Map<string, string>();
    const chain = (parent: string | undefined): string[] => {
      const out: string[] = [];
      const seen = new Set<string>();
      for (let p = parent; p && !seen.has(p); p = parents.get(p)) {
        seen.add(p);
        out.push(p);
      }
      return out;
    };

    if (org) {
      try {
        const folders = await readAllPages(token =>
          clients.searchFolders(token, signal),
        );
        for (const f of folders) {
          if (f.name && f.parent) parents.set(f.name, f.parent);
        }
        const all = await readAllPages(token =>
          clients.searchProjects('state:ACTIVE', token, signal),
        );
        for (const p of all) {
          if (!p.projectId || (p.state && p.state !== 'ACTIVE')) continue;
          const up = chain(p.parent ?? undefined);
          if (!up.includes(org)) continue;
          organizationProjects.add(p.projectId);
          ancestors.set(p.projectId, up);
          if (!exclude.has(p.projectId)) {
            projects.set(p.projectId, toInfo(p));
          }
        }
      } catch (e) {
        errors.push({
          scope: 'organization',
          message: `could not list the projects of ${org}: ${describeFailure(
            e,
          )}`,
        });
      }
    }
    await Promise.all(
      this.config.projects
        .filter(id => !projects.has(id) && !exclude.has(id))
        .map(async id => {
          try {
            const p = await clients.getProject(id, signal);
            projects.set(id, toInfo({ ...p, projectId: p.projectId ?? id }));
            organizationProjects.add(id);
            ancestors.set(id, chain(p.parent ?? undefined));
          } catch (e) {
            failed.push(id);
            errors.push({
              scope: id,
              message: `project ${id} could not be read: ${describeFailure(e)}`,
            });
          }
        }),
    );
    return {
      projects: [...projects.values()].sort((a, b) =>
        a.projectId.localeCompare(b.projectId),
      ),
      organizationProjects,
      ancestors,
      failed,
    };
  }

  async read(context: NhiSourceReadContext): Promise<NhiSourceReadSummary> {
    const started = Date.now();
    const { logger, signal } = context;
    const counter = new GcpCallCounter();
    const clients = new GcpClients(
      {
        auth: this.auth,
        rootUrl: this.config.rootUrl,
        maxAttempts: this.config.maxAttempts,
        maxRetryDelayMs: this.config.maxRetryDelayMs,
        retryBaseDelayMs: this.options.retryBaseDelayMs,
      },
      counter,
    );
    const errors: NhiSourceError[] = [];
    const now = this.options.now?.() ?? new Date();
    const { projects, organizationProjects, ancestors, failed } =
      await this.discover(clients, signal, errors);
    const limit = pLimit(this.config.concurrency);
    const fallbacks = new Set<string>();
    const readOptions = {
      assetInventory: this.config.assetInventory,
      lastAuthentication: this.config.lastAuthentication,
      signal,
      onFallback: (projectId: string, reason: GcpApiError) => {
        if (fallbacks.has(projectId)) return;
        fallbacks.add(projectId);
        logger.warn(
          `GCP project ${projectId}: Cloud Asset Inventory cannot serve it (${describeFailure(
            reason,
          )}); reading keys and IAM policies one service account at a time`,
        );
      },
    };

    // Phase 1: every IAM policy that grants roles (organization, folders,
    // projects, service accounts) and every project's accounts, so that a
    // grant anywhere counts for the account it names, whichever project is
    // normalized first.
    const grants = new GcpGrantIndex();
    const projectBindings = new Map<string, GcpBinding[]>();
    const accounts = new Map<string, GcpProjectAccounts>();
    const failedProjects = new Map<string, string>();
    const containers = new Set<string>();
    for (const p of projects) {
      for (const a of ancestors.get(p.projectId) ?? []) containers.add(a);
    }
    await Promise.all(
      [...containers].sort().map(resource =>
        limit(async () => {
          const [kind, id] = resource.split('/');
          try {
            const policy = await clients.resourceIamPolicy(resource, signal);
            grants.add(
              {
                kind: kind === 'organizations' ? 'organization' : 'folder',
                id,
              },
              policy.bindings,
            );
          } catch (e) {
            if (signal.aborted) return;
            grants.unreadable.push(resource.replace(/s\//, ' '));
            logger.warn(
              `GCP: the IAM policy of ${resource} could not be read: ${describeFailure(
                e,
              )}`,
            );
          }
        }),
      ),
    );
    await Promise.all(
      projects.map(p =>
        limit(async () => {
          if (signal.aborted) return;
          try {
            const policy = await clients.resourceIamPolicy(
              `projects/${p.projectId}`,
              signal,
            );
            projectBindings.set(p.projectId, policy.bindings ?? []);
            grants.add({ kind: 'project', id: p.projectId }, policy.bindings);
            const read = await readProjectAccounts(
              clients,
              p.projectId,
              readOptions,
            );
            accounts.set(p.projectId, read);
            for (const [email, bindings] of read.accountPolicies) {
              grants.add({ kind: 'service-account', id: email }, bindings);
            }
          } catch (e) {
            if (signal.aborted) return;
            failedProjects.set(p.projectId, describeFailure(e));
            grants.unreadable.push(`project ${p.projectId}`);
          }
        }),
      ),
    );

    let identities = 0;
    let keys = 0;
    let emitFailed = false;
    let emitting: Promise<void> = Promise.resolve();
    let batch: Parameters<NhiSourceReadContext['emit']>[0] = [];
    const flush = () => {
      if (!batch.length) return emitting;
      const records = batch;
      batch = [];
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

    // Phase 2: each project's accounts, keys and activity, normalized and
    // emitted as soon as the project is read.
    await Promise.all(
      projects.map(p =>
        limit(async () => {
          if (stopped()) return;
          const projectId = p.projectId;
          const failure = failedProjects.get(projectId);
          if (failure) {
            errors.push({
              scope: projectId,
              message: `project ${projectId} could not be read: ${failure}`,
            });
            logger.warn(
              `GCP project ${projectId} could not be read: ${failure}`,
            );
            return;
          }
          let snapshot;
          try {
            snapshot = await readProject(
              clients,
              p,
              accounts.get(projectId)!,
              readOptions,
            );
          } catch (e) {
            accounts.delete(projectId);
            if (stopped()) return;
            const message = describeFailure(e);
            errors.push({
              scope: projectId,
              message: `project ${projectId} could not be read: ${message}`,
            });
            logger.warn(
              `GCP project ${projectId} could not be read: ${message}`,
            );
            return;
          }
          accounts.delete(projectId);
          const unreadable = grants.unreadable.filter(
            u => u !== `project ${projectId}`,
          );
          const records = toIdentityRecords(
            snapshot,
            {
              grants,
              projectBindings: projectBindings.get(projectId) ?? [],
              organizationProjects,
              projectIdsByNumber: new Map(
                projects.map(x => [x.number, x.projectId]),
              ),
              organizationKnown: !!this.config.organizationId,
              includeGoogleManaged: this.config.includeGoogleManaged,
              ownerLabelKeys: this.config.ownerLabelKeys,
              environmentLabelKeys: this.config.environmentLabelKeys,
              projectOwners: this.config.projectOwners,
              activityWindowDays: this.config.activityWindowDays,
              now,
            },
            unreadable.length
              ? [
                  `IAM policies not read, their grants not counted: ${unreadable
                    .sort()
                    .join(', ')}`,
                ]
              : [],
          );
          for (const r of records) {
            keys += r.credentials?.length ?? 0;
            batch.push(r);
            if (batch.length >= BATCH) await flush();
            if (stopped()) return;
          }
          completeScopes.push(projectId);
          logger.info(
            `GCP project ${projectId}: ${records.length} service accounts (${snapshot.via})`,
          );
        }),
      ),
    );
    await flush();
    try {
      await emitting;
    } catch (e) {
      errors.push({
        message: `the pipeline refused identities: ${(e as Error).message}`,
      });
    }
    if (signal.aborted) errors.push({ message: 'the read was aborted' });
    const expected = projects.length + failed.length;
    const complete =
      !signal.aborted &&
      !emitFailed &&
      !errors.some(e => e.scope === 'organization') &&
      completeScopes.length === expected;
    return {
      complete,
      completeScopes: completeScopes.sort(),
      errors,
      stats: {
        projects: expected,
        projectsRead: completeScopes.length,
        identities,
        keys,
        apiCalls: counter.total(),
        resourceManagerApiCalls: counter.total('cloudresourcemanager.'),
        iamApiCalls: counter.total('iam.'),
        cloudAssetApiCalls: counter.total('cloudasset.'),
        policyAnalyzerApiCalls: counter.total('policyanalyzer.'),
        httpAttempts: counter.attempts,
        throttled: counter.throttled,
        waitedMs: counter.waitedMs,
        assetInventoryFallbacks: fallbacks.size,
        durationMs: Date.now() - started,
      },
    };
  }
}
