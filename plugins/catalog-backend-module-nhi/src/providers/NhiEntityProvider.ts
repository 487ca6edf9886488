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
  isNonHumanIdentityEntity,
  NHI_KIND,
  nhiEntityName,
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
import { ExternalIdRegistry } from '../lib/duplicates';
import { DEFAULT_MAX_REMOVAL_PERCENT, planRemovals } from '../lib/removals';
import { EnrichmentCounts, hasUnresolvedReferences } from '../lib/reresolution';
import { NhiSecretScanner } from '../lib/secrets/SecretScanner';
import {
  evaluateWithRedactions,
  redactErrors,
  ScreenedRecord,
  screenRecords,
} from '../lib/secrets/screenRecords';
import {
  EmittedEntity,
  NhiPipelineStore,
  NhiSourceRun,
} from '../database/NhiPipelineStore';

/** Counts of one run, recorded with it. */
export interface NhiRunCounts {
  read: number;
  invalid: number;
  duplicate: number;
  /** Identities whose entity or detail changed (their summary was written). */
  changed: number;
  unchanged: number;
  /** Identities sent to the catalog: those whose lean entity changed. */
  emitted: number;
  removed: number;
  entities: number;
}

const MAX_RECORDED_ERRORS = 100;
/** Unresolved owner names kept per run, most frequent first. */
const MAX_UNRESOLVED_OWNERS = 50;

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
  /** Ownership events received since the claims feed was last read. */
  private readonly recentClaims = new Map<
    string,
    { claim: NhiApprovedClaim | null; at: number }
  >();

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
    },
  ) {}

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
    const {
      source,
      store,
      logger: rootLogger,
      batchSize,
      evaluate,
    } = this.options;
    const key = this.sourceKey;
    const logger = rootLogger.child({ source: key });
    const connection = this.connection;
    const startedAt = new Date();
    const counts: NhiRunCounts = {
      read: 0,
      invalid: 0,
      duplicate: 0,
      changed: 0,
      unchanged: 0,
      emitted: 0,
      removed: 0,
      entities: 0,
    };
    const errors: NhiSourceError[] = [];
    // owner names nobody in the catalog answers to, for the Sources card
    const unresolvedOwners = new Map<string, number>();
    const addError = (error: NhiSourceError) => {
      if (errors.length < MAX_RECORDED_ERRORS) errors.push(error);
    };
    const scanner = this.options.scanner ?? sharedScanner;
    const finish = async (
      status: NhiSourceRun['status'],
      stats?: Record<string, number>,
    ): Promise<NhiSourceRun> => {
      const run: NhiSourceRun = {
        sourceKey: key,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        counts: { ...counts },
        // a problem may quote what the source read
        errors: await redactErrors(errors, scanner),
        stats,
        unresolvedOwners: [...unresolvedOwners]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, MAX_UNRESOLVED_OWNERS)
          .map(([value, count]) => ({ value, count })),
      };
      await store.finishRun(run);
      const secs = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
      const line = `NHI source ${key} ${status} in ${secs}s: read ${counts.read}, changed ${counts.changed}, unchanged ${counts.unchanged}, removed ${counts.removed}, invalid ${counts.invalid}, errors ${errors.length}`;
      if (status === 'succeeded') logger.info(line);
      else {
        logger.warn(line);
        for (const e of run.errors.slice(0, 5)) {
          logger.warn(
            `NHI source ${key}: ${[e.location, e.scope]
              .filter(Boolean)
              .join(' ')}${e.location || e.scope ? ': ' : ''}${e.message}`,
          );
        }
      }
      return run;
    };

    await store.startRun(key, startedAt);
    if (!connection) {
      addError({ message: 'the catalog has not connected this provider yet' });
      return finish('failed');
    }

    const abort = signal ?? new AbortController().signal;
    let context: EnrichmentContext;
    let contextStats: ContextStats;
    const contextLoadedAt = Date.now();
    try {
      const loaded = await this.options.loadContext();
      ({ context, stats: contextStats } = loaded);
      for (const warning of loaded.warnings ?? []) addError(warning);
      if (loaded.counts) await store.recordEnrichment(key, loaded.counts);
    } catch (e) {
      addError({
        message: `enrichment data could not be read, nothing was changed: ${errorMessage(
          e,
        )}`,
      });
      return finish('failed');
    }
    // Ownership events from before the feed was read are in the feed.
    for (const [ref, entry] of this.recentClaims) {
      if (entry.at < contextLoadedAt) this.recentClaims.delete(ref);
    }
    const claims = context.claims;
    const enrichment: EnrichmentContext = {
      ...context,
      claims: {
        get: (ref: string) => {
          const recent = this.recentClaims.get(ref);
          return recent ? recent.claim ?? undefined : claims.get(ref);
        },
      },
    };

    const previous = await store.loadEmitted(key);
    const resync = !this.resyncDone;
    const { locationKey } = sourceLocation(key);
    const seen = new Set<string>();
    // Invalid records whose entity we can still name keep their old entity.
    const kept = new Set<string>();
    const incompleteScopes = new Set<string>();
    let unscopedInvalid = false;
    let pending: BuiltIdentity[] = [];

    const others = (this.options.sourceKeys ?? []).filter(k => k !== key);
    const flush = async () => {
      if (!pending.length) return;
      let batch = pending;
      pending = [];
      // new to this source and already emitted by another: reported, not sent
      const held = await store.emittedByOthers(
        batch.filter(b => !previous.has(b.entityRef)).map(b => b.entityRef),
        others,
      );
      if (held.size) {
        batch = batch.filter(b => {
          const other = held.get(b.entityRef);
          if (!other) return true;
          seen.delete(b.entityRef);
          counts.duplicate++;
          addError({
            message: `${b.entity.spec.externalId}: source ${other} emits the same identity (${b.entityRef}) and keeps it; list it in one source only`,
            scope: b.scope,
          });
          return false;
        });
        if (!batch.length) return;
      }
      // The catalog gets what changed in its lean entity; a change of the
      // detail only (a credential's last use, evidence) is the summary's.
      const toCatalog = batch.filter(b => {
        const before = previous.get(b.entityRef);
        return (
          resync ||
          !before ||
          before.hash !== b.hash ||
          before.scope !== b.scope
        );
      });
      if (toCatalog.length) {
        await connection.applyMutation({
          type: 'delta',
          added: toCatalog.map(b => ({ entity: b.entity, locationKey })),
          removed: [],
        });
      }
      // The summary before the hashes: if it fails, the next run sends
      // these identities again instead of taking them for unchanged.
      await store.inventory.upsert(
        key,
        batch.map(b => b.full),
      );
      await store.upsertEmitted(
        key,
        batch.map(
          (b): EmittedEntity => ({
            entityRef: b.entityRef,
            scope: b.scope,
            hash: b.hash,
            detailHash: b.detailHash,
            fallback: b.fallback,
          }),
        ),
      );
      counts.emitted += toCatalog.length;
      for (const b of batch) {
        const before = previous.get(b.entityRef);
        if (
          before &&
          before.hash === b.hash &&
          before.detailHash === b.detailHash
        ) {
          counts.unchanged++;
        } else counts.changed++;
      }
    };

    // within the source, an identity is its externalId
    const externalIds = new ExternalIdRegistry();
    // what enrichment could not resolve, for resolving again (see NhiReresolver)
    const left = { unresolved: 0, unowned: 0 };
    const handle = ({ record, redactedSecrets, refused }: ScreenedRecord) => {
      counts.read++;
      if (refused) {
        // Not kept: an entity ingested before would hold the secret.
        counts.invalid++;
        addError({ message: refused, scope: record?.scope ?? record?.account });
        return;
      }
      const problem = validateNhiRecord(record);
      if (problem) {
        counts.invalid++;
        const scope = record?.scope ?? record?.account;
        addError({
          message: `${
            record?.externalId ?? 'an identity without externalId'
          }: ${problem}`,
          scope,
        });
        const ref = safeEntityRef(record);
        if (ref) {
          kept.add(ref);
          externalIds.register(record);
        } else if (scope !== undefined) incompleteScopes.add(scope);
        else unscopedInvalid = true;
        return;
      }
      const duplicate = externalIds.register(record);
      if (duplicate) {
        counts.duplicate++;
        addError({ message: duplicate, scope: record.scope ?? record.account });
        return;
      }
      let built: BuiltIdentity;
      try {
        built = buildEntity(
          record,
          key,
          enrichment,
          evaluateWithRedactions(evaluate, redactedSecrets),
        );
      } catch (e) {
        counts.invalid++;
        addError({
          message: `${
            record.externalId
          }: could not be processed: ${errorMessage(e)}`,
          scope: record.scope ?? record.account,
        });
        const ref = safeEntityRef(record);
        if (ref) kept.add(ref);
        return;
      }
      if (seen.has(built.entityRef)) {
        counts.duplicate++;
        addError({
          message: `${record.externalId}: listed twice; the first one was kept`,
          scope: built.scope,
        });
        return;
      }
      seen.add(built.entityRef);
      if (hasUnresolvedReferences(record, built.full)) left.unresolved++;
      if (built.full.spec.ownership?.status === 'unowned') left.unowned++;
      const unresolved = built.full.spec.ownership?.unresolvedOwner;
      if (unresolved) {
        unresolvedOwners.set(
          unresolved,
          (unresolvedOwners.get(unresolved) ?? 0) + 1,
        );
      }
      const before = previous.get(built.entityRef);
      if (
        !resync &&
        before &&
        before.hash === built.hash &&
        before.detailHash === built.detailHash &&
        before.scope === built.scope
      ) {
        counts.unchanged++;
        return;
      }
      pending.push(built);
    };

    let summary;
    try {
      summary = await source.read({
        logger,
        signal: abort,
        emit: async records => {
          if (abort.aborted) {
            throw new Error('the run was aborted');
          }
          // normalize: secrets out before anything is validated or kept
          for (const screened of await screenRecords(records, scanner)) {
            handle(screened);
            if (pending.length >= batchSize) await flush();
          }
        },
      });
      await flush();
    } catch (e) {
      try {
        await flush();
      } catch {
        // the run failed already; what was not written is written next run
      }
      addError({
        message: `the read failed, nothing was removed: ${errorMessage(e)}`,
      });
      return finish('failed');
    }
    for (const e of summary.errors) addError(e);
    // items the source could not make records of, reported in its errors
    counts.read += summary.invalid ?? 0;
    counts.invalid += summary.invalid ?? 0;
    await store.recordEnrichment(key, left);

    // Removal, only where the read was complete.
    const allComplete =
      summary.complete && !unscopedInvalid && incompleteScopes.size === 0;
    const completeScopes = new Set(
      summary.complete ? [] : summary.completeScopes ?? [],
    );
    for (const s of incompleteScopes) completeScopes.delete(s);
    const removable = (ref: string, scope: string) =>
      !seen.has(ref) &&
      !kept.has(ref) &&
      !unscopedInvalid &&
      (allComplete || completeScopes.has(scope));
    const candidates = [...previous.values()]
      .filter(e => removable(e.entityRef, e.scope))
      .map(e => e.entityRef);

    let removedKnown = 0;
    let held: string[] = [];
    try {
      if (allComplete && resync) {
        // Once per process: also remove what the catalog has from this
        // source but the pipeline's own state does not know (e.g. after the
        // state was reset).
        for (const ref of await this.catalogRefsOfSource()) {
          if (!seen.has(ref) && !kept.has(ref) && !previous.has(ref)) {
            candidates.push(ref);
          }
        }
      }
      const toRemove = await this.guardRemovals({
        candidates,
        total:
          previous.size + candidates.filter(ref => !previous.has(ref)).length,
        listed: ref => seen.has(ref) || kept.has(ref),
        now: startedAt,
        addError,
      });
      held = toRemove.held;
      for (let i = 0; i < toRemove.remove.length; i += batchSize) {
        const chunk = toRemove.remove.slice(i, i + batchSize);
        await connection.applyMutation({
          type: 'delta',
          added: [],
          removed: chunk.map(entityRef => ({ entityRef, locationKey })),
        });
        await store.inventory.delete(key, chunk);
        await store.deleteEmitted(key, chunk);
        counts.removed += chunk.length;
        removedKnown += chunk.filter(ref => previous.has(ref)).length;
      }
    } catch (e) {
      addError({ message: `removing identities failed: ${errorMessage(e)}` });
      return finish('partial', summary.stats);
    }
    if (allComplete && resync) {
      // Every identity of the source was written to the inventory summary:
      // drop rows it no longer has, then let the NHI page read it.
      try {
        // Identities kept from an earlier run (their record is invalid now)
        // are summarised from the catalog's copy.
        await this.summariseFromCatalog([...kept]);
        const present = new Set(
          [...seen, ...kept, ...held].map(ref => ref.toLowerCase()),
        );
        const stale = (await store.inventory.refsOf(key)).filter(
          ref => !present.has(ref),
        );
        await store.inventory.delete(key, stale);
        await store.markInventorySynced(key, new Date());
      } catch (e) {
        addError({
          message: `the inventory summary could not be brought up to date, the NHI page keeps asking the catalog: ${errorMessage(
            e,
          )}`,
        });
        return finish('partial', summary.stats);
      }
    }
    if (allComplete) this.resyncDone = true;

    let added = 0;
    for (const ref of seen) if (!previous.has(ref)) added++;
    counts.entities = previous.size + added - removedKnown;
    logger.debug(
      `NHI source ${key}: enrichment read ${contextStats.directoryEntities} groups and users, ${contextStats.declarations} declaring entities, ${contextStats.agents} agents, ${contextStats.claims} claims`,
    );
    let status: NhiSourceRun['status'] = 'partial';
    if (held.length) status = 'held';
    else if (allComplete && errors.length === 0) status = 'succeeded';
    return finish(status, summary.stats);
  }

  /**
   * The removal guard (see `planRemovals`): what of `candidates` to remove
   * now, given the removal held before, if any; holds the rest and records
   * why as a run problem. `total` is the source's identities before the run.
   */
  private async guardRemovals(options: {
    candidates: string[];
    total: number;
    listed(entityRef: string): boolean;
    now: Date;
    addError(e: NhiSourceError): void;
  }): Promise<{ remove: string[]; held: string[] }> {
    const { candidates, total, listed, now, addError } = options;
    const { store, logger } = this.options;
    const key = this.sourceKey;
    const before = await store.loadHeldRemoval(key);
    const plan = planRemovals({
      candidates,
      total,
      held: before,
      listed,
      maxPercent: this.options.maxRemovalPercent ?? DEFAULT_MAX_REMOVAL_PERCENT,
    });
    if (plan.applied) {
      logger.info(
        `NHI source ${key}: removing the ${
          plan.remove.length
        } identities held since ${before!.since}, ${
          plan.applied === 'confirmed'
            ? `confirmed by ${before!.confirmedBy}`
            : 'as this run would remove them again'
        }`,
      );
    }
    if (plan.hold.length) {
      const [type, ...id] = key.split(':');
      const reason = plan.keep ? before!.reason : plan.reason!;
      addError({
        message: `removal held${
          plan.keep ? ` since ${before!.since}` : ''
        }: ${reason}. Those identities stay; a person allowed to run sources confirms the removal on the NHI page (Sources) or with POST /api/catalog/nhi/sources/${type}/${id.join(
          ':',
        )}/removals/confirm, or the next run does if it would remove the same identities`,
      });
      if (!plan.keep) {
        await store.holdRemoval(key, plan.hold, {
          total,
          reason,
          since: now.toISOString(),
        });
      }
    } else if (before) {
      await store.clearHeldRemoval(key);
    }
    return { remove: plan.remove, held: plan.hold };
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
    this.recentClaims.set(entityRef, { claim, at: Date.now() });
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
    await connection.applyMutation({
      type: 'delta',
      added: built.map(b => ({
        entity: b.entity,
        locationKey: sourceLocation(key).locationKey,
      })),
      removed: [],
    });
    await store.inventory.upsert(
      key,
      built.map(b => b.full),
    );
    await store.upsertEmitted(
      key,
      built.map(
        (b): EmittedEntity => ({
          entityRef: b.entityRef,
          scope: b.scope,
          hash: b.hash,
          detailHash: b.detailHash,
          fallback: b.fallback,
        }),
      ),
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
    await store.inventory.upsert(this.sourceKey, [built.full]);
    await store.updateHash(this.sourceKey, entityRef, built);
    return true;
  }

  /**
   * Summarises identities kept from an earlier run (their record is invalid
   * now) that have no summary row with their detail: from the catalog's
   * (lean) copy, the best there is.
   */
  private async summariseFromCatalog(refs: string[]) {
    const { catalog, auth, store } = this.options;
    const known = await store.inventory.details(refs);
    const entityRefs = refs.filter(ref => !known.has(ref.toLowerCase()));
    for (let i = 0; i < entityRefs.length; i += 500) {
      const { items } = await catalog.getEntitiesByRefs(
        { entityRefs: entityRefs.slice(i, i + 500) },
        { credentials: await auth.getOwnServiceCredentials() },
      );
      await store.inventory.upsert(
        this.sourceKey,
        items.filter((e): e is NonHumanIdentityEntity =>
          isNonHumanIdentityEntity(e),
        ),
      );
    }
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

function safeEntityRef(record: NhiIdentityRecord): string | undefined {
  if (
    typeof record?.provider === 'string' &&
    typeof record?.name === 'string' &&
    typeof record?.externalId === 'string' &&
    record.provider &&
    record.name.trim() &&
    record.externalId
  ) {
    return stringifyEntityRef({
      kind: NHI_KIND,
      namespace: 'default',
      name: nhiEntityName(record.provider, record.name, record.externalId),
    });
  }
  return undefined;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
