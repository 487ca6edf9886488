import { AuthService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  isNonHumanIdentityEntity,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiPipelineStore } from '../database/NhiPipelineStore';

/**
 * After a complete run that wrote every identity of the source to the
 * inventory summary: summarises the identities kept from an earlier run
 * (their record is invalid now) from the catalog's copy when the summary
 * has no detail of them, drops the rows of identities the source no longer
 * has, and marks the source synced, so that the NHI page reads the summary.
 */
export async function resyncSourceSummary(options: {
  sourceKey: string;
  store: Pick<NhiPipelineStore, 'inventory' | 'markInventorySynced'>;
  catalog: Pick<CatalogService, 'getEntitiesByRefs'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  /** Identities kept from an earlier run. */
  kept: string[];
  /** Every identity the source has now: listed, kept or held. */
  present: Iterable<string>;
}) {
  const { sourceKey, store, catalog, auth } = options;
  const known = await store.inventory.details(options.kept);
  const missing = options.kept.filter(ref => !known.has(ref.toLowerCase()));
  for (let i = 0; i < missing.length; i += 500) {
    const { items } = await catalog.getEntitiesByRefs(
      { entityRefs: missing.slice(i, i + 500) },
      { credentials: await auth.getOwnServiceCredentials() },
    );
    await store.inventory.upsert(
      sourceKey,
      items.filter((e): e is NonHumanIdentityEntity =>
        isNonHumanIdentityEntity(e),
      ),
    );
  }
  const present = new Set([...options.present].map(ref => ref.toLowerCase()));
  const stale = (await store.inventory.refsOf(sourceKey)).filter(
    ref => !present.has(ref),
  );
  await store.inventory.delete(sourceKey, stale);
  await store.markInventorySynced(sourceKey, new Date());
}
