import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { BuiltIdentity, sourceLocation } from '../lib/buildEntity';
import { EmittedEntity, NhiPipelineStore } from '../database/NhiPipelineStore';
import { NhiRunRecord } from './runRecord';
import { NhiSummaryWriter } from './summary';

/** Where the emit step writes: the catalog, the summary and its own state. */
export interface NhiEmitTarget {
  sourceKey: string;
  connection: Pick<EntityProviderConnection, 'applyMutation'>;
  summary: NhiSummaryWriter;
  store: Pick<NhiPipelineStore, 'upsertEmitted'>;
}

/** What the pipeline remembers of an identity it emitted. */
export function emittedState(b: BuiltIdentity): EmittedEntity {
  return {
    entityRef: b.entityRef,
    scope: b.scope,
    hash: b.hash,
    detailHash: b.detailHash,
    fallback: b.fallback,
  };
}

/**
 * Writes identities: `toCatalog` (those whose lean entity changed) to the
 * catalog as a delta, then every one of `identities` to the inventory
 * summary and the pipeline's hashes — the summary before the hashes: if it
 * fails, the next run sends these identities again instead of taking them
 * for unchanged.
 */
export async function writeIdentities(
  target: NhiEmitTarget,
  identities: BuiltIdentity[],
  toCatalog: BuiltIdentity[] = identities,
) {
  const { sourceKey, connection, summary, store } = target;
  if (toCatalog.length) {
    const { locationKey } = sourceLocation(sourceKey);
    await connection.applyMutation({
      type: 'delta',
      added: toCatalog.map(b => ({ entity: b.entity, locationKey })),
      removed: [],
    });
  }
  await summary.write(
    sourceKey,
    identities.map(b => b.full),
  );
  await store.upsertEmitted(sourceKey, identities.map(emittedState));
}

/**
 * The emit step of a run, batch by batch: an identity unchanged since the
 * last run (same entity, detail and scope) is only counted; the others are
 * written in batches of `batchSize`. Within a batch, an identity new to
 * this source that another source emits already is not sent (the catalog
 * would keep the first and log a conflict): it is reported instead.
 */
export class NhiBatchEmitter {
  private pending: BuiltIdentity[] = [];

  constructor(
    private readonly options: NhiEmitTarget & {
      store: Pick<NhiPipelineStore, 'emittedByOthers'>;
      run: NhiRunRecord;
      /** What this source emitted before, by entity ref. */
      previous: Map<string, EmittedEntity>;
      /** Send every identity to the catalog, changed or not (once per process). */
      resync: boolean;
      /** The keys of the other configured sources. */
      otherSources: string[];
      batchSize: number;
      /** Called for an identity another source emits: this run drops it. */
      onTakenByOther(entityRef: string): void;
    },
  ) {}

  /** Takes one identity; writes the batch once it is full. */
  async add(built: BuiltIdentity) {
    const { previous, resync, run, batchSize } = this.options;
    const before = previous.get(built.entityRef);
    if (
      !resync &&
      before &&
      before.hash === built.hash &&
      before.detailHash === built.detailHash &&
      before.scope === built.scope
    ) {
      run.counts.unchanged++;
      return;
    }
    this.pending.push(built);
    if (this.pending.length >= batchSize) await this.flush();
  }

  /** Writes what is pending. */
  async flush() {
    if (!this.pending.length) return;
    const { store, previous, resync, run, otherSources } = this.options;
    let batch = this.pending;
    this.pending = [];
    // new to this source and already emitted by another: reported, not sent
    const held = await store.emittedByOthers(
      batch.filter(b => !previous.has(b.entityRef)).map(b => b.entityRef),
      otherSources,
    );
    if (held.size) {
      batch = batch.filter(b => {
        const other = held.get(b.entityRef);
        if (!other) return true;
        this.options.onTakenByOther(b.entityRef);
        run.counts.duplicate++;
        run.addError({
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
        resync || !before || before.hash !== b.hash || before.scope !== b.scope
      );
    });
    await writeIdentities(this.options, batch, toCatalog);
    run.counts.emitted += toCatalog.length;
    for (const b of batch) {
      const before = previous.get(b.entityRef);
      if (
        before &&
        before.hash === b.hash &&
        before.detailHash === b.detailHash
      ) {
        run.counts.unchanged++;
      } else run.counts.changed++;
    }
  }
}
