import { NhiApprovedClaim } from '../events';
import { NhiAcceptedRisk } from '../risk/evaluate';
import { NhiUnownedIdentity } from './campaigns';
import { nhiCall, NhiClientOptions, queryString } from './http';

/**
 * A page of a list the backends read whole: `items`, and `nextCursor` while
 * there is more (pass it back as `cursor`, as it is). Every list of the
 * Backstage NHI API pages this way; the lists people see also count their
 * items ({@link NhiPage}).
 *
 * @public
 */
export type NhiCursorPage<T> = {
  items: T[];
  nextCursor?: string;
};

/**
 * Which page of a list: at most `limit` items (1–500), after `cursor`.
 *
 * @public
 */
export type NhiPageQuery = {
  limit?: number;
  cursor?: string;
};

/**
 * An accepted risk in force, as the pipeline applies it to an identity.
 *
 * @public
 */
export type NhiActiveAcceptedRisk = NhiAcceptedRisk & {
  /** The identity, as `nonhumanidentity:<namespace>/<name>`. */
  entityRef: string;
};

/**
 * The claims backend's feeds that the catalog module reads once per
 * pipeline run, as the catalog's own service identity.
 *
 * @public
 */
export interface NhiFeedsApi {
  /** Every approved claim (`GET /ownership`), in claim order. */
  listApprovedClaims(
    page?: NhiPageQuery,
  ): Promise<NhiCursorPage<NhiApprovedClaim>>;
  /** Every accepted risk in force (`GET /exceptions/active`). */
  listActiveAcceptedRisks(
    page?: NhiPageQuery,
  ): Promise<NhiCursorPage<NhiActiveAcceptedRisk>>;
  /** Since when identities are unowned (`GET /unowned`). */
  listUnownedIdentities(
    page?: NhiPageQuery & { pastGrace?: boolean },
  ): Promise<NhiCursorPage<NhiUnownedIdentity>>;
}

/**
 * The HTTP client of {@link NhiFeedsApi}. Throws `ResponseError` (with the
 * backend's message) on any non-2xx answer.
 *
 * @public
 */
export class NhiFeedsClient implements NhiFeedsApi {
  constructor(private readonly options: NhiClientOptions) {}

  private list<T>(path: string, q: Record<string, unknown>) {
    return nhiCall<NhiCursorPage<T>>(
      this.options,
      'nhi',
      `${path}${queryString(q)}`,
    );
  }

  listApprovedClaims(page: NhiPageQuery = {}) {
    return this.list<NhiApprovedClaim>('/ownership', page);
  }

  listActiveAcceptedRisks(page: NhiPageQuery = {}) {
    return this.list<NhiActiveAcceptedRisk>('/exceptions/active', page);
  }

  listUnownedIdentities(page: NhiPageQuery & { pastGrace?: boolean } = {}) {
    return this.list<NhiUnownedIdentity>('/unowned', page);
  }
}

/**
 * Every item of a paged list, read a page at a time: `readPage` is called
 * with the previous page's `nextCursor` until a page has none. A cursor
 * answered twice (a backend that does not advance) is an error, not an
 * endless loop.
 *
 * @public
 */
export async function readAllPages<T>(
  readPage: (cursor: string | undefined) => Promise<NhiCursorPage<T>>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await readPage(cursor);
    items.push(...page.items);
    if (!page.nextCursor) return items;
    if (seen.has(page.nextCursor)) {
      throw new Error(
        `the list answered the cursor ${page.nextCursor} twice; stopped reading it`,
      );
    }
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}
