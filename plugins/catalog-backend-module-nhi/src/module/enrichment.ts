import { AuthService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NhiSourceError } from '@backstage-nhi/plugin-nhi-node';
import { EnrichmentContext } from '../lib/buildEntity';
import { AcceptedRisks, UnownedSince } from '../lib/feeds';
import { LeakReportReader } from '../lib/leaks';
import {
  ContextStats,
  loadEnrichmentContext,
  NhiOwnershipFeed,
} from '../lib/loadContext';
import { countEnrichmentSources, EnrichmentCounts } from '../lib/reresolution';
import { NhiEvaluation } from './evaluation';
import { NhiOwnershipConfig } from './ownershipConfig';

/** What a run enriches from, read in bulk once per run. */
export interface LoadedEnrichment {
  context: EnrichmentContext;
  stats: ContextStats;
  /** What could not be read and was replaced by the last good read. */
  warnings: NhiSourceError[];
  /** The counts the context was read at, recorded for re-resolution. */
  counts: EnrichmentCounts;
}

/** The claims backend's feeds a run reads (see `NhiBackendFeeds`). */
export interface NhiEnrichmentFeeds extends NhiOwnershipFeed {
  readAcceptedRisks(): Promise<AcceptedRisks>;
  readUnownedSince(): Promise<UnownedSince>;
}

/**
 * The enrich step's bulk reads, shared by every source's provider: the
 * catalog's people, declarations and agents with the approved claims (a
 * failure fails the run), and the leak reports, accepted risks and since
 * when identities are unowned, which feed the evaluation (a failure keeps
 * the last good read and is a warning of the run).
 */
export function createEnrichmentLoader(options: {
  catalog: CatalogService;
  auth: AuthService;
  declaringKinds: string[];
  feeds: NhiEnrichmentFeeds;
  leakReports: Pick<LeakReportReader, 'read'>;
  ownership: NhiOwnershipConfig;
  evaluation: NhiEvaluation;
}): {
  loadContext(): Promise<LoadedEnrichment>;
  countEnrichment(): Promise<EnrichmentCounts>;
} {
  const { catalog, auth, declaringKinds, feeds, leakReports, evaluation } =
    options;
  const countEnrichment = async () =>
    countEnrichmentSources({
      catalog,
      credentials: await auth.getOwnServiceCredentials(),
      declaringKinds,
    });
  const loadContext = async (): Promise<LoadedEnrichment> => {
    // counted first: what arrives during the reads is counted next time
    const counts = await countEnrichment();
    const [loaded, leaks, accepted, unowned] = await Promise.all([
      loadEnrichmentContext({
        catalog,
        credentials: await auth.getOwnServiceCredentials(),
        declaringKinds,
        ownershipFeed: feeds,
        ownership: options.ownership,
      }),
      leakReports.read(),
      settle(feeds.readAcceptedRisks()),
      settle(feeds.readUnownedSince()),
    ]);
    evaluation.update({
      leaks: leaks.index,
      accepted: accepted.value,
      unownedSince: unowned.value,
    });
    const warnings: NhiSourceError[] = [...leaks.warnings];
    if (accepted.error) {
      warnings.push({
        message: `accepted risks could not be read from the claims backend, the last ones read are used: ${accepted.error.message}`,
      });
    }
    if (unowned.error) {
      warnings.push({
        message: `since when identities are unowned could not be read from the claims backend, the last read is used: ${unowned.error.message}`,
      });
    }
    return {
      ...loaded,
      counts,
      stats: { ...loaded.stats, leaks: leaks.index.count },
      warnings,
    };
  };
  return { loadContext, countEnrichment };
}

function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: Error }> {
  return promise.then(
    value => ({ value }),
    error => ({ error: error as Error }),
  );
}
