import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  NhiHeldRemoval,
  NhiOwnership,
  NhiSourceRun as NhiSourceRunStatus,
  toIsoTime,
} from '@backstage-nhi/plugin-nhi-common';
import { Knex } from 'knex';
import { NhiInventoryStore } from './NhiInventoryStore';
import { NhiTrendStore } from './NhiTrendStore';

const migrationsDir = resolvePackagePath(
  '@backstage-nhi/plugin-catalog-backend-module-nhi',
  'migrations',
);

/** What the pipeline remembers of one emitted entity. */
export interface EmittedEntity {
  entityRef: string;
  scope: string;
  /** Hash of the entity sent to the catalog. */
  hash: string;
  /** Hash of the whole evaluated spec kept in the summary (absent for rows written before it was kept). */
  detailHash?: string;
  /** Owner and ownership without any claim: what a released claim falls back to. */
  fallback?: { owner?: string; ownership: NhiOwnership };
}

/**
 * A removal a run held back instead of applying it: more than the
 * configured share of the source's identities, or all of them.
 */
/** A removal a run held instead of applying (see the common type). */
export type NhiHeldRemovalInfo = NhiHeldRemoval;

/** What a run enriched from, to tell when resolving again is worth it. */
export interface NhiEnrichmentSeen {
  /** Groups and users in the catalog when the run read them. */
  directoryEntities: number;
  /** Entities declaring identities when the run read them. */
  declarations: number;
  /** Identities whose owner or people named by the source did not resolve. */
  unresolved: number;
  /** Identities left without an owner. */
  unowned: number;
}

/** The record of a source's last run: the API's run, with its source. */
export type NhiSourceRun = NhiSourceRunStatus & { sourceKey: string };

const CHUNK = 500;

/**
 * The pipeline's own state in the catalog database: the entities each source
 * last emitted (for unchanged-run detection and scoped removal) and each
 * source's last run.
 */
export class NhiPipelineStore {
  static async create(database: DatabaseService): Promise<NhiPipelineStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await knex.migrate.latest({
        directory: migrationsDir,
        tableName: 'nhi_knex_migrations',
      });
    }
    return new NhiPipelineStore(knex);
  }

  /** The inventory summary the NHI page reads. */
  readonly inventory: NhiInventoryStore;

  /** Daily snapshots of the summary's headline figures. */
  readonly trends: NhiTrendStore;

  private constructor(private readonly knex: Knex) {
    this.inventory = new NhiInventoryStore(knex);
    this.trends = new NhiTrendStore(knex);
  }

  async loadEmitted(sourceKey: string): Promise<Map<string, EmittedEntity>> {
    const rows = await this.knex('nhi_emitted_entities')
      .where({ source_key: sourceKey })
      .select('entity_ref', 'scope', 'hash', 'detail_hash');
    const result = new Map<string, EmittedEntity>();
    for (const row of rows) {
      result.set(row.entity_ref, {
        entityRef: row.entity_ref,
        scope: row.scope,
        hash: row.hash,
        ...(row.detail_hash ? { detailHash: row.detail_hash } : {}),
      });
    }
    return result;
  }

  async getEmitted(
    entityRef: string,
  ): Promise<(EmittedEntity & { sourceKey: string }) | undefined> {
    const row = await this.knex('nhi_emitted_entities')
      .where({ entity_ref: entityRef })
      .first();
    if (!row) return undefined;
    return {
      sourceKey: row.source_key,
      entityRef: row.entity_ref,
      scope: row.scope,
      hash: row.hash,
      ...(row.detail_hash ? { detailHash: row.detail_hash } : {}),
      fallback: row.fallback_ownership
        ? JSON.parse(row.fallback_ownership)
        : undefined,
    };
  }

  /**
   * Which of some entities one of the given (other) sources has emitted:
   * entity ref → that source's key.
   */
  async emittedByOthers(
    entityRefs: string[],
    among: string[],
  ): Promise<Map<string, string>> {
    const held = new Map<string, string>();
    if (!among.length) return held;
    for (let i = 0; i < entityRefs.length; i += CHUNK) {
      const rows = await this.knex('nhi_emitted_entities')
        .whereIn('entity_ref', entityRefs.slice(i, i + CHUNK))
        .whereIn('source_key', among)
        .select('entity_ref', 'source_key');
      for (const row of rows) {
        if (!held.has(row.entity_ref)) held.set(row.entity_ref, row.source_key);
      }
    }
    return held;
  }

  async upsertEmitted(sourceKey: string, entities: EmittedEntity[]) {
    for (let i = 0; i < entities.length; i += CHUNK) {
      const rows = entities.slice(i, i + CHUNK).map(e => ({
        source_key: sourceKey,
        entity_ref: e.entityRef,
        scope: e.scope,
        hash: e.hash,
        detail_hash: e.detailHash ?? null,
        fallback_ownership: e.fallback ? JSON.stringify(e.fallback) : null,
      }));
      await this.knex('nhi_emitted_entities')
        .insert(rows)
        .onConflict(['source_key', 'entity_ref'])
        .merge();
    }
  }

  async updateHash(
    sourceKey: string,
    entityRef: string,
    hashes: { hash: string; detailHash: string },
  ) {
    await this.knex('nhi_emitted_entities')
      .where({ source_key: sourceKey, entity_ref: entityRef })
      .update({ hash: hashes.hash, detail_hash: hashes.detailHash });
  }

  async deleteEmitted(sourceKey: string, entityRefs: string[]) {
    for (let i = 0; i < entityRefs.length; i += CHUNK) {
      await this.knex('nhi_emitted_entities')
        .where({ source_key: sourceKey })
        .whereIn('entity_ref', entityRefs.slice(i, i + CHUNK))
        .delete();
    }
  }

  async startRun(sourceKey: string, startedAt: Date) {
    await this.knex('nhi_source_runs')
      .insert({
        source_key: sourceKey,
        status: 'running',
        started_at: startedAt,
        finished_at: null,
        counts: '{}',
        errors: '[]',
      })
      .onConflict('source_key')
      .merge(['status', 'started_at', 'finished_at']);
  }

  async finishRun(run: Omit<NhiSourceRun, 'lastSuccessAt' | 'held'>) {
    const complete = run.status === 'succeeded';
    await this.knex('nhi_source_runs')
      .where({ source_key: run.sourceKey })
      .update({
        status: run.status,
        finished_at: run.finishedAt ? new Date(run.finishedAt) : new Date(),
        counts: JSON.stringify(run.counts),
        errors: JSON.stringify(run.errors),
        stats: run.stats ? JSON.stringify(run.stats) : null,
        unresolved_owners: run.unresolvedOwners?.length
          ? JSON.stringify(run.unresolvedOwners)
          : null,
        ...(complete
          ? {
              last_success_at: run.finishedAt
                ? new Date(run.finishedAt)
                : new Date(),
            }
          : {}),
      });
  }

  /** Records that every identity of the source is in the inventory summary. */
  async markInventorySynced(sourceKey: string, at: Date) {
    const updated = await this.knex('nhi_source_runs')
      .where({ source_key: sourceKey })
      .update({ inventory_synced_at: at });
    if (!updated) {
      // hand-written identities have no runs: a row of their own
      await this.knex('nhi_source_runs')
        .insert({
          source_key: sourceKey,
          status: 'succeeded',
          started_at: at,
          finished_at: at,
          counts: '{}',
          errors: '[]',
          inventory_synced_at: at,
        })
        .onConflict('source_key')
        .merge(['inventory_synced_at']);
    }
  }

  /** The sources whose identities are all in the inventory summary. */
  async inventorySyncedSources(): Promise<Set<string>> {
    const rows = await this.knex('nhi_source_runs')
      .whereNotNull('inventory_synced_at')
      .select('source_key');
    return new Set(rows.map(r => r.source_key));
  }

  async listRuns(): Promise<NhiSourceRun[]> {
    const rows = await this.knex('nhi_source_runs').select();
    return rows.map(row => ({
      sourceKey: row.source_key,
      status: row.status,
      startedAt: toIso(row.started_at)!,
      finishedAt: toIso(row.finished_at),
      lastSuccessAt: toIso(row.last_success_at),
      counts: JSON.parse(row.counts),
      errors: JSON.parse(row.errors),
      stats: row.stats ? JSON.parse(row.stats) : undefined,
      held: row.held_removal ? JSON.parse(row.held_removal) : undefined,
      unresolvedOwners: row.unresolved_owners
        ? JSON.parse(row.unresolved_owners)
        : undefined,
    }));
  }

  /** The removal held for a source, with the identities it would remove. */
  async loadHeldRemoval(
    sourceKey: string,
  ): Promise<(NhiHeldRemovalInfo & { refs: Set<string> }) | undefined> {
    const run = await this.knex('nhi_source_runs')
      .where({ source_key: sourceKey })
      .first('held_removal');
    if (!run?.held_removal) return undefined;
    const rows = await this.knex('nhi_held_removals')
      .where({ source_key: sourceKey })
      .select('entity_ref');
    return {
      ...JSON.parse(run.held_removal),
      refs: new Set(rows.map(r => r.entity_ref)),
    };
  }

  /** Holds a removal for a source, replacing any held before. */
  async holdRemoval(
    sourceKey: string,
    entityRefs: string[],
    info: Pick<NhiHeldRemovalInfo, 'total' | 'reason' | 'since'>,
  ) {
    const held: NhiHeldRemovalInfo = { count: entityRefs.length, ...info };
    await this.knex.transaction(async tx => {
      await tx('nhi_held_removals').where({ source_key: sourceKey }).delete();
      for (let i = 0; i < entityRefs.length; i += CHUNK) {
        await tx('nhi_held_removals').insert(
          entityRefs
            .slice(i, i + CHUNK)
            .map(entity_ref => ({ source_key: sourceKey, entity_ref })),
        );
      }
      await tx('nhi_source_runs')
        .where({ source_key: sourceKey })
        .update({ held_removal: JSON.stringify(held) });
    });
  }

  /** Drops the removal held for a source (applied, or no longer wanted). */
  async clearHeldRemoval(sourceKey: string) {
    await this.knex.transaction(async tx => {
      await tx('nhi_held_removals').where({ source_key: sourceKey }).delete();
      await tx('nhi_source_runs')
        .where({ source_key: sourceKey })
        .update({ held_removal: null });
    });
  }

  /**
   * Records that a person confirmed the removal held for a source; the
   * source's next run applies it. `since`, when given, must be the held
   * removal's: a person confirms what they saw, not a removal held after.
   */
  async confirmHeldRemoval(
    sourceKey: string,
    by: string,
    at: Date,
    since?: string,
  ): Promise<'confirmed' | 'none' | 'changed'> {
    const run = await this.knex('nhi_source_runs')
      .where({ source_key: sourceKey })
      .first('held_removal');
    if (!run?.held_removal) return 'none';
    const held: NhiHeldRemovalInfo = JSON.parse(run.held_removal);
    if (since !== undefined && since !== held.since) return 'changed';
    // Only if no run replaced or applied the hold meanwhile.
    const updated = await this.knex('nhi_source_runs')
      .where({ source_key: sourceKey, held_removal: run.held_removal })
      .update({
        held_removal: JSON.stringify({
          ...held,
          confirmedBy: by,
          confirmedAt: at.toISOString(),
        }),
      });
    return updated ? 'confirmed' : 'changed';
  }

  /**
   * Records what a source's run enriched from: the counts when it read the
   * context, then what it left unresolved; each call updates what it names.
   */
  async recordEnrichment(sourceKey: string, seen: Partial<NhiEnrichmentSeen>) {
    const row = await this.knex('nhi_source_runs')
      .where({ source_key: sourceKey })
      .first('enrichment');
    const before = row?.enrichment ? JSON.parse(row.enrichment) : {};
    await this.knex('nhi_source_runs')
      .where({ source_key: sourceKey })
      .update({ enrichment: JSON.stringify({ ...before, ...seen }) });
  }

  /** What each source's last run enriched from, and whether one is running. */
  async listEnrichment(): Promise<
    Map<string, { running: boolean; seen?: NhiEnrichmentSeen }>
  > {
    const rows = await this.knex('nhi_source_runs').select(
      'source_key',
      'status',
      'enrichment',
    );
    const complete = (seen: Partial<NhiEnrichmentSeen>) =>
      (
        ['directoryEntities', 'declarations', 'unresolved', 'unowned'] as const
      ).every(k => typeof seen[k] === 'number');
    return new Map(
      rows.map(row => {
        const seen = row.enrichment ? JSON.parse(row.enrichment) : undefined;
        return [
          row.source_key,
          {
            running: row.status === 'running',
            seen: seen && complete(seen) ? seen : undefined,
          },
        ];
      }),
    );
  }
}

/** A stored time as ISO 8601; text that is not a time stays as it was. */
function toIso(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return toIsoTime(value) ?? String(value);
}
