import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  BulkCheckResponse,
  CheckResult,
} from '@backstage-community/plugin-tech-insights-common';

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

/**
 * {@link NhiScorecardsApi} over the Tech Insights backend's REST API.
 *
 * @public
 */
export class NhiScorecardsClient implements NhiScorecardsApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async post<T>(path: string, body: unknown): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('tech-insights');
    const res = await this.options.fetchApi.fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const error = await ResponseError.fromResponse(res);
      const message = (error.body as { error?: { message?: string } })?.error
        ?.message;
      if (message) error.message = message;
      throw error;
    }
    return res.json();
  }

  private async checkIds(prefix: string): Promise<string[]> {
    const base = await this.options.discoveryApi.getBaseUrl('tech-insights');
    const res = await this.options.fetchApi.fetch(`${base}/checks`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    const checks: Array<{ id: string }> = await res.json();
    return checks.map(c => c.id).filter(id => id.startsWith(prefix));
  }

  async run(entityRef: string): Promise<CheckResult[]> {
    const [kind, rest] = entityRef.split(':');
    const [namespace, name] = rest.split('/');
    const checks = await this.checkIds(`nhi-${kind.toLowerCase()}-`);
    if (!checks.length) return [];
    return this.post<CheckResult[]>(
      `/checks/run/${encodeURIComponent(namespace)}/${encodeURIComponent(
        kind,
      )}/${encodeURIComponent(name)}`,
      { checks },
    );
  }

  async runMany(
    entityRefs: string[],
    checkPrefix: string,
  ): Promise<BulkCheckResponse> {
    const checks = await this.checkIds(checkPrefix);
    if (!checks.length || !entityRefs.length) return [];
    return this.post<BulkCheckResponse>('/checks/run', {
      entities: entityRefs,
      checks,
    });
  }
}
