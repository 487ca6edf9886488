import {
  AuthService,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CatalogService,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_NHI_SOURCE,
  NHI_KIND,
  NhiApprovedClaim,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  NhiIdentitySource,
  nhiSourceKey,
  NhiSourceError,
  validateNhiRecord,
} from '@backstage-nhi/plugin-nhi-node';
import {
  buildEntity,
  BuiltIdentity,
  EnrichmentContext,
  NhiEvaluator,
  sourceLocation,
  splitIdentity,
} from '../lib/buildEntity';
import { ContextStats } from '../lib/loadContext';
import { claimedOwnership } from '../lib/ownership';
import { EnrichmentCounts } from '../lib/reresolution';
import { NhiSecretScanner } from '../lib/secrets/SecretScanner';
import {
  evaluateWithRedactions,
  screenRecords,
} from '../lib/secrets/screenRecords';
import {
  EmittedEntity,
  NhiPipelineStore,
  NhiSourceRun,
} from '../database/NhiPipelineStore';
import { RecentClaims } from '../pipeline/claimOverlay';
import { NhiBatchEmitter, writeIdentities } from '../pipeline/emit';
import { NhiRunIntake } from '../pipeline/intake';
import { readSource } from '../pipeline/read';
import { removeMissing } from '../pipeline/remove';
import { errorMessage, NhiRunRecord } from '../pipeline/runRecord';
import { NhiInventorySummary } from '../pipeline/summary';

/** One scanner for every provider: it holds only its compiled rules. */
const sharedScanner = new NhiSecretScanner();

/** The task id under which a source's runs are scheduled. */
export function nhiSourceTaskId(sourceKey: string) {
  return `nhi-source:${sourceKey}`;
}

/**
 * Runs the pipeline for one source: read → normalize (the source) →
 * enrich in bulk → evaluate → emit. One provider per source, so that a failed
 * or partial read of one source never touches the entities of another.
 *
 * Emission is incremental: each entity is hashed and only new or changed
 * ones are sent to the catalog, in delta batches; an unchanged run writes
 * nothing. Identities that disappeared are removed only when the read was
 * complete for their scope (e.g. their AWS account).
 *
 * @public
 */
export class NhiEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private resyncDone = false;
  private readonly summary: NhiInventorySummary;
  /** Ownership events received since the claims feed was last read. */
  private readonly recentClaims = new RecentClaims();

  constructor(
    private readonly options: {
      source: NhiIdentitySource;
      store: NhiPipelineStore;
      logger: LoggerService;
      catalog: CatalogService;
      auth: AuthService;
      scheduler?: SchedulerService;
      schedule: SchedulerServiceTaskScheduleDefinition;
      batchSize: number;
      /**
       * The keys of every configured source: an identity one of them has
       * emitted already is not emitted by another (the catalog would keep
       * the first and log a conflict); the run reports it instead.
       */
      sourceKeys?: string[];
      evaluate: NhiEvaluator;
      loadContext(): Promise<{
        context: EnrichmentContext;
        stats: ContextStats;
        warnings?: NhiSourceError[];
        /** The counts the context was read at, recorded for re-resolution. */
        counts?: EnrichmentCounts;
      }>;
      /**
       * A run that would remove more than this percentage of the source's
       * identities, or all of them, holds the removal until it is confirmed.
       * Default 20.
       */
      maxRemovalPercent?: number;
      /** Redacts secrets from what sources read; one is shared by default. */
      scanner?: NhiSecretScanner;
      /** The inventory summary's owner; one over `store` by default. */
      summary?: NhiInventorySummary;
    },
  ) {
    this.summary =
      options.summary ??
      new NhiInventorySummary({
        store: options.store,
        catalog: options.catalog,
        auth: options.auth,
      });
  }

  get sourceKey(): string {
    return nhiSourceKey(this.options.source);
  }

  getProviderName(): string {
    return `nhi:${this.sourceKey}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    const { scheduler, schedule } = this.options;
    if (scheduler) {
      await scheduler.scheduleTask({
        id: nhiSourceTaskId(this.sourceKey),
        ...schedule,
        fn: async signal => {
          await this.run(signal);
        },
      });
    }
  }

  /**
   * One run of the pipeline for this source. Never throws: the outcome is
   * logged and recorded for the UI.
   */
  async run(signal?: AbortSignal): Promise<NhiSourceRun> {
    const { source, store, batchSize, evaluate } = this.options;
    const sourceKey = this.sourceKey;
    const logger = this.options.logger.child({ source: sourceKey });
    const connection = this.connection;
    const scanner = this.options.scanner ?? sharedScanner;
    const run = new NhiRunRecord({ sourceKey, store, logger, scanner });
    await run.start();
    if (!connection) {
      run.addError({
        message: 'the catalog has not connected this provider yet',
      });
      return run.finish('failed');
    }

    // enrich: the bulk reads, once per run
    const loaded = await this.loadEnrichment(run);
    if (!loaded) return run.finish('failed');

    // read → normalize → enrich and evaluate → emit, batch by batch
    const previous = await store.loadEmitted(sourceKey);
    const resync = !this.resyncDone;
    const intake = new NhiRunIntake({
      sourceKey,
      context: loaded.context,
      evaluate,
      run,
    });
    const emitter = new NhiBatchEmitter({
      sourceKey,
      connection,
      summary: this.summary,
      store,
      run,
      previous,
      resync,
      otherSources: (this.options.sourceKeys ?? []).filter(
        k => k !== sourceKey,
      ),
      batchSize,
      onTakenByOther: ref => intake.drop(ref),
    });
    const read = await readSource({
      source,
      logger,
      signal,
      scanner,
      run,
      take: async screened => {
        const built = intake.take(screened);
        if (built) await emitter.add(built);
      },
      flush: () => emitter.flush(),
    });
    if (!read) return run.finish('failed');
    await store.recordEnrichment(sourceKey, intake.left);

    // removal, only where the read was complete
    const removal = await removeMissing({
      sourceKey,
      connection,
      summary: this.summary,
      store,
      logger,
      run,
      intake,
      previous,
      read,
      resync,
      batchSize,
      maxRemovalPercent: this.options.maxRemovalPercent,
      catalogRefsOfSource: () => this.catalogRefsOfSource(),
    });
    if (!removal) return run.finish('partial', read.stats);
    if (removal.allComplete && resync) {
      // every identity of the source was written to the inventory summary
      try {
        await this.summary.resyncSource(sourceKey, {
          kept: [...intake.kept],
          present: [...intake.seen, ...intake.kept, ...removal.held],
        });
      } catch (e) {
        run.addError({
          message: `the inventory summary could not be brought up to date, the NHI page keeps asking the catalog: ${errorMessage(
            e,
          )}`,
        });
        return run.finish('partial', read.stats);
      }
    }
    if (removal.allComplete) this.resyncDone = true;

    let added = 0;
    for (const ref of intake.seen) if (!previous.has(ref)) added++;
    run.counts.entities = previous.size + added - removal.removedKnown;
    const { stats } = loaded;
    logger.debug(
      `NHI source ${sourceKey}: enrichment read ${stats.directoryEntities} groups and users, ${stats.declarations} declaring entities, ${stats.agents} agents, ${stats.claims} claims`,
    );
    let status: NhiSourceRun['status'] = 'partial';
    if (removal.held.length) status = 'held';
    else if (removal.allComplete && run.errorCount === 0) status = 'succeeded';
    return run.finish(status, read.stats);
  }

  /**
   * The enrichment context of a run, with the ownership events received
   * since its claims were read laid over them; undefined when it could not
   * be read (recorded: nothing is changed then).
   */
  private async loadEnrichment(
    run: NhiRunRecord,
  ): Promise<{ context: EnrichmentContext; stats: ContextStats } | undefined> {
    const loadedAt = Date.now();
    try {
      const loaded = await this.options.loadContext();
      for (const warning of loaded.warnings ?? []) run.addError(warning);
      if (loaded.counts) {
        await this.options.store.recordEnrichment(
          this.sourceKey,
          loaded.counts,
        );
      }
      return {
        context: this.recentClaims.overlay(loaded.context, loadedAt),
        stats: loaded.stats,
      };
    } catch (e) {
      run.addError({
        message: `enrichment data could not be read, nothing was changed: ${errorMessage(
          e,
        )}`,
      });
      return undefined;
    }
  }

  /**
   * Applies an ownership change (an approved or released claim) to one
   * identity now, as a delta mutation, without waiting for the next run.
   */
  async applyOwnershipChange(
    entityRef: string,
    claim: NhiApprovedClaim | null,
    emitted: EmittedEntity,
  ): Promise<boolean> {
    this.recentClaims.set(entityRef, claim);
    const resolved = claim
      ? claimedOwnership(claim)
      : emitted.fallback ?? {
          ownership: {
            status: 'unowned' as const,
            provenance: 'none' as const,
          },
        };
    const done = await this.reemit(entityRef, spec => {
      const next = { ...spec };
      delete next.owner;
      if (resolved.owner) next.owner = resolved.owner;
      next.ownership = resolved.ownership;
      return next;
    });
    if (done) {
      this.options.logger.info(
        `NHI ownership of ${entityRef} is now ${resolved.owner ?? 'none'} (${
          resolved.ownership.provenance
        })`,
      );
    }
    return done;
  }

  /**
   * Enriches, evaluates and emits identities now, as a delta mutation —
   * what a source's action returned (e.g. the role it just created) — so
   * that the catalog shows them before the source's next run reads them.
   * Removes nothing. Returns the entity refs emitted.
   */
  async applyRecords(records: NhiIdentityRecord[]): Promise<string[]> {
    const { store, evaluate, logger } = this.options;
    const connection = this.connection;
    if (!connection || !records.length) return [];
    const key = this.sourceKey;
    const { context } = await this.options.loadContext();
    const scanner = this.options.scanner ?? sharedScanner;
    const built: BuiltIdentity[] = [];
    for (const { record, redactedSecrets, refused } of await screenRecords(
      records,
      scanner,
    )) {
      const problem = refused ?? validateNhiRecord(record);
      if (problem) {
        logger.warn(
          `NHI source ${key}: ${
            record?.externalId ?? 'an identity'
          } not emitted now, the next run reads it: ${problem}`,
        );
        continue;
      }
      built.push(
        buildEntity(
          record,
          key,
          context,
          evaluateWithRedactions(evaluate, redactedSecrets),
        ),
      );
    }
    if (!built.length) return [];
    await writeIdentities(
      { sourceKey: key, connection, summary: this.summary, store },
      built,
    );
    return built.map(b => b.entityRef);
  }

  /**
   * Re-evaluates one identity now (its accepted risks changed) and emits it
   * as a delta mutation.
   */
  async reevaluate(entityRef: string): Promise<boolean> {
    return this.reemit(entityRef, spec => spec);
  }

  /**
   * Emits one identity again as a delta mutation: the catalog's copy with
   * `change` applied to its spec, evaluated afresh.
   */
  private async reemit(
    entityRef: string,
    change: (
      spec: NonHumanIdentityEntity['spec'],
    ) => NonHumanIdentityEntity['spec'],
  ): Promise<boolean> {
    const { catalog, auth, logger, store, evaluate } = this.options;
    const connection = this.connection;
    if (!connection) return false;
    const [current, details] = await Promise.all([
      catalog.getEntityByRef(entityRef, {
        credentials: await auth.getOwnServiceCredentials(),
      }),
      store.inventory.details([entityRef]),
    ]);
    // the catalog holds the lean entity: the whole spec is the summary's
    const detail = details.get(entityRef.toLowerCase());
    if (!current || !detail) {
      logger.info(
        `NHI change to ${entityRef} will apply on the next run of ${
          this.sourceKey
        }: ${
          current
            ? 'its detail is not in the summary yet'
            : 'the entity is not in the catalog yet'
        }`,
      );
      return false;
    }
    const {
      relations: _r,
      status: _s,
      ...rest
    } = current as typeof current & { status?: unknown };
    const {
      uid: _u,
      etag: _e,
      generation: _g,
      ...metadata
    } = rest.metadata as typeof rest.metadata & { generation?: number };
    const built = splitIdentity(
      evaluate({
        ...(rest as NonHumanIdentityEntity),
        metadata,
        spec: change({ ...detail }),
      }),
    );
    await connection.applyMutation({
      type: 'delta',
      added: [
        {
          entity: built.entity,
          locationKey: sourceLocation(this.sourceKey).locationKey,
        },
      ],
      removed: [],
    });
    await this.summary.write(this.sourceKey, [built.full]);
    await store.updateHash(this.sourceKey, entityRef, built);
    return true;
  }

  private async catalogRefsOfSource(): Promise<string[]> {
    const { catalog, auth } = this.options;
    const refs: string[] = [];
    for await (const page of catalog.streamEntities(
      {
        filter: {
          kind: NHI_KIND,
          [`metadata.annotations.${ANNOTATION_NHI_SOURCE}`]: this.sourceKey,
        },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
        pageSize: 1000,
      },
      { credentials: await auth.getOwnServiceCredentials() },
    )) {
      for (const e of page) refs.push(stringifyEntityRef(e));
    }
    return refs;
  }
}
