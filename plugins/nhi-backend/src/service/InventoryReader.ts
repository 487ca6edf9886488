import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  InputError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  NhiInventoryAnswer,
  NhiInventoryFacets,
  NhiInventoryFilters,
  NhiInventoryItem,
  NhiInventoryKeysetPage,
} from '@backstage-nhi/plugin-nhi-common';

/** An identity of the inventory with its entity ref (lower case). */
export type InventoryIdentity = NhiInventoryItem & { entityRef: string };

/** What a read of the inventory found. */
export interface InventoryRead {
  /** Every identity matching any filter set, once, in the order found. */
  items: InventoryIdentity[];
  /** What the inventory said it does not hold yet, or that changed during the read. */
  note?: string;
}

/** The largest page the inventory route gives. */
const PAGE = 500;

/**
 * Reads the catalog module's inventory summary
 * (`GET /api/catalog/nhi/inventory`) as this plugin — a backend service with
 * its own credentials, which the catalog's read permission lets through —
 * with the NHI page's filters: the count first (`/nhi/inventory/facets`),
 * then every page of 500 by keyset, one after the other, each as fast as the
 * first. Several filter sets are read one after the other and their
 * identities merged once each.
 */
export class InventoryReader {
  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
      fetch?: typeof fetch;
    },
  ) {}

  private async get<T>(
    base: string,
    token: string,
    path: string,
    filters: NhiInventoryFilters,
    params: Record<string, string>,
  ): Promise<T & { pending?: string }> {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined || value === '' || value === false) continue;
      q.set(key, String(value));
    }
    for (const [key, value] of Object.entries(params)) q.set(key, value);
    const response = await (this.options.fetch ?? fetch)(
      `${base}${path}?${q}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      throw new ServiceUnavailableError(
        `the inventory (GET /api/catalog${path} of the catalog module @backstage-nhi/plugin-catalog-backend-module-nhi) did not answer: ${error.message}`,
      );
    }
    const answer = (await response.json()) as NhiInventoryAnswer<T>;
    if (!answer.ready) {
      throw new ServiceUnavailableError(
        `the inventory summary cannot answer: ${answer.reason}`,
      );
    }
    return answer;
  }

  /**
   * Every identity matching any of the filter sets. At most `max`
   * identities: a scope larger than that is refused before it is read
   * further (an InputError naming the count).
   */
  async read(
    filterSets: NhiInventoryFilters[],
    max = Number.MAX_SAFE_INTEGER,
  ): Promise<InventoryRead> {
    const { discovery, auth } = this.options;
    const base = await discovery.getBaseUrl('catalog');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'catalog',
    });
    const seen = new Map<string, InventoryIdentity>();
    const notes = new Set<string>();
    for (const filters of filterSets) {
      // the count alone: one grouped query, every identity has a category
      const counted = await this.get<NhiInventoryFacets>(
        base,
        token,
        '/nhi/inventory/facets',
        filters,
        { facet: 'spec.category' },
      );
      if (counted.pending) notes.add(counted.pending);
      const total = counted.totalCount;
      if (total > max) {
        throw new InputError(
          `the scope holds ${total} identities, more than the ${max} a campaign may hold (nhi.campaigns.maxItems); narrow it`,
        );
      }
      let read = 0;
      let cursor: string | undefined;
      do {
        const page = await this.get<NhiInventoryKeysetPage>(
          base,
          token,
          '/nhi/inventory',
          filters,
          {
            limit: String(PAGE),
            ...(cursor ? { cursor } : { paging: 'keyset' }),
          },
        );
        for (const item of page.items) {
          const entityRef =
            `nonhumanidentity:${item.metadata.namespace}/${item.metadata.name}`.toLowerCase();
          if (!seen.has(entityRef)) seen.set(entityRef, { ...item, entityRef });
        }
        if (seen.size > max) {
          throw new InputError(
            `the scope holds more than the ${max} identities a campaign may hold (nhi.campaigns.maxItems); narrow it`,
          );
        }
        read += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      if (read !== total) {
        notes.add(
          `the inventory changed while it was read (${total} identities at first, ${read} read)`,
        );
      }
    }
    return {
      items: [...seen.values()],
      ...(notes.size ? { note: [...notes].join('; ') } : {}),
    };
  }
}
