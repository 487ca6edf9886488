import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  NhiSourceError,
  NhiSourceReadContext,
  NhiSourceReadSummary,
} from '@backstage-nhi/plugin-nhi-node';
import pLimit from 'p-limit';
import { KubernetesClusterConfig, KubernetesSourceConfig } from '../config';
import {
  clusterApis,
  groupResource,
  KubernetesCallCounter,
  listPermission,
  ListedResource,
  toRequestError,
} from './client';
import { toIdentityRecords } from './normalize';
import { ClusterReadError, readClusterSnapshot } from './readCluster';

const BATCH = 1000;

/**
 * Options of {@link KubernetesSource.fromConfig}.
 *
 * @public
 */
export interface KubernetesSourceOptions {
  /**
   * Base of the backoff between attempts in ms; when set it also replaces a
   * 429's `Retry-After` (tests and benchmarks shorten it).
   */
  retryBaseDelayMs?: number;
  /** "Now", for the day a running pod counts as use and for ages; the clock by default. */
  now?: () => Date;
}

/** What each part of a cluster's read is for, to say what is missing. */
const WHAT_FOR: Partial<Record<ListedResource, string>> = {
  roles: 'permissions of its service accounts are unknown',
  clusterroles: 'permissions of its service accounts are unknown',
  rolebindings: 'permissions of its service accounts are unknown',
  clusterrolebindings: 'permissions of its service accounts are unknown',
  secrets: 'legacy token Secrets (credentials) are unknown',
  pods: 'the workloads that run as its service accounts are unknown',
  replicasets: 'workloads are known only in part',
  deployments: 'workloads are known only in part',
  statefulsets: 'workloads are known only in part',
  daemonsets: 'workloads are known only in part',
  jobs: 'workloads are known only in part',
  cronjobs: 'workloads are known only in part',
  namespaces: 'owners named on namespaces are unknown',
};

/**
 * The Kubernetes identity source: every ServiceAccount of every configured
 * cluster, with its legacy token Secrets, what RBAC lets it do, the
 * workloads that run as it, its owner and its workload-identity federation,
 * read in bulk — one paginated list per resource type per cluster, never a
 * call per service account. Clusters are read concurrently; a cluster that
 * cannot be read (unreachable, 401, 403 on service accounts) is reported
 * with its name as scope and keeps its identities, and a resource type it
 * forbids leaves that part unknown, said on the identities and in the run.
 *
 * @public
 */
export class KubernetesSource implements NhiIdentitySource {
  readonly type = 'kubernetes';

  /** Builds a source from its config (see `readKubernetesSourceConfigs`). */
  static fromConfig(
    config: KubernetesSourceConfig,
    options: KubernetesSourceOptions = {},
  ): KubernetesSource {
    return new KubernetesSource(config, options);
  }

  private constructor(
    private readonly config: KubernetesSourceConfig,
    private readonly options: KubernetesSourceOptions,
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
    const counter = new KubernetesCallCounter();
    const errors: NhiSourceError[] = [];
    const completeScopes: string[] = [];
    let partial = false;

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

    let readMs = 0;
    let normalizeMs = 0;
    const readOne = async (cluster: KubernetesClusterConfig) => {
      if (stopped()) return;
      const origin =
        cluster.origin === 'kubernetes-plugin'
          ? ' (from kubernetes.clusterLocatorMethods)'
          : '';
      if (cluster.auth.type === 'unsupported') {
        errors.push({
          scope: cluster.name,
          message: `cluster ${cluster.name}${origin} uses authProvider ${cluster.auth.authProvider}, which this source cannot use: add it to nhi.sources.kubernetes.${this.config.id}.clusters with a service-account token or a client certificate, or list it in excludeClusters`,
        });
        return;
      }
      let snapshot;
      try {
        const readStarted = Date.now();
        const apis = await clusterApis(cluster);
        snapshot = await readClusterSnapshot(cluster.name, apis, {
          pageSize: this.config.pageSize,
          maxAttempts: this.config.maxAttempts,
          maxListRestarts: 3,
          requestTimeoutMs: this.config.requestTimeoutMs,
          retryBaseDelayMs: this.options.retryBaseDelayMs,
          signal,
          counter,
        });
        readMs += Date.now() - readStarted;
      } catch (e) {
        if (stopped()) return;
        const reason =
          e instanceof ClusterReadError ? e.reason : toRequestError(e);
        const missing =
          reason.status === 403
            ? `; the source needs ${listPermission('serviceaccounts')}`
            : '';
        const message = `cluster ${cluster.name}${origin} could not be read, its identities are kept as they were: listing serviceaccounts failed: ${reason.message}${missing}`;
        errors.push({ scope: cluster.name, message });
        logger.warn(message);
        return;
      }
      for (const [resource, e] of snapshot.unreadable) {
        partial = true;
        const missing =
          e.status === 403
            ? ` (the source needs ${listPermission(resource)})`
            : '';
        errors.push({
          scope: cluster.name,
          message: `cluster ${cluster.name}: ${
            WHAT_FOR[resource] ?? 'a part is unknown'
          }: listing ${groupResource(resource)} failed: ${e.message}${missing}`,
        });
      }

      const normalizeStarted = Date.now();
      let batch: NhiIdentityRecord[] = [];
      let count = 0;
      try {
        for (const record of toIdentityRecords(snapshot, {
          cluster: cluster.name,
          environment: cluster.environment,
          ownerKeys: this.config.ownerKeys,
          componentKeys: this.config.componentKeys,
          createdByKey: this.config.createdByKey,
          agentKeys: this.config.agentKeys,
          now: this.options.now?.() ?? new Date(),
        })) {
          batch.push(record);
          count++;
          if (batch.length >= BATCH) {
            await emit(batch);
            batch = [];
          }
          if (stopped()) return;
        }
      } catch (e) {
        // A bug or an unexpected object: this cluster is partial.
        errors.push({
          scope: cluster.name,
          message: `cluster ${cluster.name} could not be normalized: ${
            (e as Error).message
          }`,
        });
        if (batch.length) await emit(batch);
        return;
      }
      if (batch.length) await emit(batch);
      normalizeMs += Date.now() - normalizeStarted;
      completeScopes.push(cluster.name);
      logger.info(
        `Kubernetes cluster ${cluster.name}${origin}: ${count} service accounts`,
      );
    };

    const limit = pLimit(this.config.concurrency);
    await Promise.all(
      this.config.clusters.map(cluster => limit(() => readOne(cluster))),
    );
    await emitting.catch(() => undefined);
    if (emitFailed) {
      // The pipeline refused a batch: it reports why; nothing is complete.
      await emitting;
    }

    if (signal.aborted) errors.push({ message: 'the read was aborted' });
    const complete =
      !signal.aborted &&
      !partial &&
      completeScopes.length === this.config.clusters.length;
    return {
      complete,
      completeScopes: completeScopes.sort(),
      errors,
      stats: {
        clusters: this.config.clusters.length,
        clustersRead: completeScopes.length,
        identities,
        apiCalls: counter.total(),
        httpAttempts: counter.attempts,
        listRestarts: counter.restarts,
        throttled: counter.throttled,
        durationMs: Date.now() - started,
        readMs,
        normalizeMs,
      },
    };
  }
}
