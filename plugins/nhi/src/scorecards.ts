import { parseEntityRef } from '@backstage/catalog-model';
import {
  createApiRef,
  DiscoveryApi,
  IdentityApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  BulkCheckResponse,
  CheckResult,
} from '@backstage-community/plugin-tech-insights-common';
import { TechInsightsClient } from '@backstage-community/plugin-tech-insights-common/client';

/**
 * Runs the NHI hygiene checks of Tech Insights (the checks whose ids start
 * with `nhi-`).
 *
 * @public
 */
export interface NhiScorecardsApi {
  /** The NHI checks of one entity. */
  run(entityRef: string): Promise<CheckResult[]>;
  /** The NHI checks of many entities at once. */
  runMany(
    entityRefs: string[],
    checkPrefix: string,
  ): Promise<BulkCheckResponse>;
}

/** @public */
export const nhiScorecardsApiRef = createApiRef<NhiScorecardsApi>({
  id: 'plugin.nhi.scorecards',
});

/** The message the backend gave for a refusal, rather than only its status. */
async function withBackendMessage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (ResponseError.is(e)) {
      const message = (e.body as { error?: { message?: string } })?.error
        ?.message;
      if (message) e.message = message;
    }
    throw e;
  }
}

/**
 * Entities per bulk run. The upstream client splits a run into requests of
 * 750 entities, plus one with none — which the backend reads as every
 * entity it knows — when their number is a multiple of 750; given fewer
 * than 750 at a time it sends exactly one request for them.
 */
const BULK_SIZE = 500;

/**
 * {@link NhiScorecardsApi} over the Tech Insights backend, through the
 * upstream Tech Insights client: it picks the NHI checks among all checks
 * and runs only those.
 *
 * @public
 */
export class NhiScorecardsClient implements NhiScorecardsApi {
  private readonly client: TechInsightsClient;

  constructor(options: {
    discoveryApi: DiscoveryApi;
    identityApi: IdentityApi;
  }) {
    this.client = new TechInsightsClient(options);
  }

  private async checks(prefix: string) {
    const checks = await this.client.getAllChecks();
    return checks.filter(c => c.id.startsWith(prefix));
  }

  async run(entityRef: string): Promise<CheckResult[]> {
    const entity = parseEntityRef(entityRef);
    const checks = await this.checks(`nhi-${entity.kind.toLowerCase()}-`);
    if (!checks.length) return [];
    return withBackendMessage(() =>
      this.client.runChecks(
        entity,
        checks.map(c => c.id),
      ),
    );
  }

  async runMany(
    entityRefs: string[],
    checkPrefix: string,
  ): Promise<BulkCheckResponse> {
    const checks = await this.checks(checkPrefix);
    if (!checks.length || !entityRefs.length) return [];
    const entities = entityRefs.map(ref => parseEntityRef(ref));
    const results: BulkCheckResponse = [];
    for (let i = 0; i < entities.length; i += BULK_SIZE) {
      const chunk = entities.slice(i, i + BULK_SIZE);
      results.push(
        ...(await withBackendMessage(() =>
          this.client.runBulkChecks(chunk, checks),
        )),
      );
    }
    return results;
  }
}
