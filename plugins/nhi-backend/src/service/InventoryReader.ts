import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  InputError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  NhiInventoryAnswer,
  NhiInventoryFilters,
  NhiInventoryItem,
  NhiInventoryPage,
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
 * with the NHI page's filters, a page of 500 at a time, a few pages at once.
 * Several filter sets are read one after the other and their identities
 * merged once each.
 */
export class InventoryReader {
  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
      fetch?: typeof fetch;
      /** Pages read at the same time (default 4). */
      concurrency?: number;
    },
  ) {}

  private async page(
    base: string,
    token: string,
    filters: NhiInventoryFilters,
    offset: number,
  ): Promise<NhiInventoryPage & { pending?: string }> {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined || value === '' || value === false) continue;
      q.set(key, String(value));
    }
    q.set('offset', String(offset));
    q.set('limit', String(PAGE));
    // a stable order over the name index, whatever the route's default
    q.set('sort', 'name:asc');
    const response = await (this.options.fetch ?? fetch)(
      `${base}/nhi/inventory?${q}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      throw new ServiceUnavailableError(
        `the inventory (GET /api/catalog/nhi/inventory of the catalog module @backstage-nhi/plugin-catalog-backend-module-nhi) did not answer: ${error.message}`,
      );
    }
    const answer =
      (await response.json()) as NhiInventoryAnswer<NhiInventoryPage>;
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
    const concurrency = this.options.concurrency ?? 4;
    for (const filters of filterSets) {
      const first = await this.page(base, token, filters, 0);
      if (first.pending) notes.add(first.pending);
      const total = first.totalCount;
      if (total > max) {
        throw new InputError(
          `the scope holds ${total} identities, more than the ${max} a campaign may hold (nhi.campaigns.maxItems); narrow it`,
        );
      }
      const pages: Array<NhiInventoryItem[]> = [first.items];
      const offsets: number[] = [];
      for (let offset = PAGE; offset < total; offset += PAGE) {
        offsets.push(offset);
      }
      let last = total;
      for (let i = 0; i < offsets.length; i += concurrency) {
        const batch = await Promise.all(
          offsets
            .slice(i, i + concurrency)
            .map(offset => this.page(base, token, filters, offset)),
        );
        for (const p of batch) {
          pages.push(p.items);
          last = p.totalCount;
        }
      }
      if (last !== total) {
        notes.add(
          `the inventory changed while it was read (${total} identities at first, ${last} at the end)`,
        );
      }
      for (const page of pages) {
        for (const item of page) {
          const entityRef =
            `nonhumanidentity:${item.metadata.namespace}/${item.metadata.name}`.toLowerCase();
          if (!seen.has(entityRef)) seen.set(entityRef, { ...item, entityRef });
        }
      }
      if (seen.size > max) {
        throw new InputError(
          `the scope holds more than the ${max} identities a campaign may hold (nhi.campaigns.maxItems); narrow it`,
        );
      }
    }
    return {
      items: [...seen.values()],
      ...(notes.size ? { note: [...notes].join('; ') } : {}),
    };
  }
}
