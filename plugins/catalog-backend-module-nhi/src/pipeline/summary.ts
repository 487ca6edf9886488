import { AuthService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  isNonHumanIdentityEntity,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiPipelineStore } from '../database/NhiPipelineStore';
import {
  DECLARED_SOURCE,
  syncDeclaredInventory,
} from '../database/NhiInventoryStore';

/**
 * What writers of the inventory summary get: the emit step (identities
 * emitted, re-emitted or removed by a source) and the kind processor
 * (hand-written identities, under the source key `declared`).
 *
 * @public
 */
export interface NhiSummaryWriter {
  /** Writes the rows of identities as emitted: the whole evaluated entity. */
  write(sourceKey: string, entities: NonHumanIdentityEntity[]): Promise<void>;
  /** Drops the rows of identities removed. */
  remove(sourceKey: string, entityRefs: string[]): Promise<void>;
}

/**
 * The one owner of the inventory summary (`nhi_inventory`, what the NHI page
 * lists and counts): every write goes through it. The pipeline's emit step
 * feeds it what it sends to the catalog, and the removal step what it
 * removes; once per process it is made whole for a source after its first
 * complete run (`resyncSource`), and for hand-written identities by a task
 * (`syncDeclared`) beside the processor's writes.
 */
export class NhiInventorySummary implements NhiSummaryWriter {
  constructor(
    private readonly options: {
      store: Pick<
        NhiPipelineStore,
        'inventory' | 'markInventorySynced' | 'inventorySyncedSources'
      >;
      catalog: CatalogService;
      auth: Pick<AuthService, 'getOwnServiceCredentials'>;
    },
  ) {}

  async write(sourceKey: string, entities: NonHumanIdentityEntity[]) {
    await this.options.store.inventory.upsert(sourceKey, entities);
  }

  async remove(sourceKey: string, entityRefs: string[]) {
    await this.options.store.inventory.delete(sourceKey, entityRefs);
  }

  /**
   * After a complete run that wrote every identity of the source:
   * summarises the identities kept from an earlier run (their record is
   * invalid now) from the catalog's copy when the summary has no detail of
   * them, drops the rows of identities the source no longer has, and marks
   * the source synced, so that the NHI page reads the summary.
   */
  async resyncSource(
    sourceKey: string,
    listing: {
      /** Identities kept from an earlier run. */
      kept: string[];
      /** Every identity the source has now: listed, kept or held. */
      present: Iterable<string>;
    },
  ) {
    const { store, catalog, auth } = this.options;
    const known = await store.inventory.details(listing.kept);
    const missing = listing.kept.filter(ref => !known.has(ref.toLowerCase()));
    for (let i = 0; i < missing.length; i += 500) {
      const { items } = await catalog.getEntitiesByRefs(
        { entityRefs: missing.slice(i, i + 500) },
        { credentials: await auth.getOwnServiceCredentials() },
      );
      await this.write(
        sourceKey,
        items.filter((e): e is NonHumanIdentityEntity =>
          isNonHumanIdentityEntity(e),
        ),
      );
    }
    const present = new Set([...listing.present].map(ref => ref.toLowerCase()));
    const stale = (await store.inventory.refsOf(sourceKey)).filter(
      ref => !present.has(ref),
    );
    await this.remove(sourceKey, stale);
    await store.markInventorySynced(sourceKey, new Date());
  }

  /**
   * Hand-written identities are summarised by the processor when the
   * catalog processes them; this adds them all once per database and drops
   * the rows of those that left the catalog (see `syncDeclaredInventory`).
   */
  async syncDeclared(): Promise<{ added: number; removed: number }> {
    const { store, catalog, auth } = this.options;
    return syncDeclaredInventory({
      inventory: store.inventory,
      catalog,
      credentials: await auth.getOwnServiceCredentials(),
      synced: (await store.inventorySyncedSources()).has(DECLARED_SOURCE),
      markSynced: () => store.markInventorySynced(DECLARED_SOURCE, new Date()),
    });
  }
}
