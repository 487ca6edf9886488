import { InputError } from '@backstage/errors';
import { NhiPage } from '@backstage-nhi/plugin-nhi-common';
import { PageOfRows, PageRequest } from '../database/ClaimsStore';
import { isRowId } from '../lib/identifiers';

/**
 * Paging of the API, in one place and one scheme: every list takes `limit`
 * (1–500, 50 by default) and an opaque `cursor`, and answers `items` and a
 * `nextCursor` while there is more (a client passes it back as it is). Behind
 * the cursor:
 *
 * - the lists the UI shows (claims, exceptions, audit, active exceptions,
 *   unowned identities) page by position (the offset in base64url) and the
 *   answer has `totalCount`;
 * - the ownership feed, which the pipeline reads whole, pages by claim id
 *   (the last id of the previous page in base64url), so that approvals made
 *   while it reads do not shift its pages.
 */

/** The largest offset a cursor may carry (a 32-bit integer for any database). */
const MAX_OFFSET = 2_147_483_647;

const INVALID_CURSOR = 'pass the nextCursor of the previous page';

/** The page size asked for (at most `max`, 500 by default), or a 400. */
function readLimit(value: string | undefined, max = 500): number {
  const limit = value === undefined ? 50 : Number(value);
  if (!/^\d+$/.test(value ?? '50') || limit < 1 || limit > max) {
    throw new InputError(`limit must be a whole number from 1 to ${max}`);
  }
  return limit;
}

/**
 * The page of a list asked for by `limit` and `cursor`; a 400 for a cursor
 * this API did not give.
 */
export function readPage(
  query: {
    limit?: string;
    cursor?: string;
  },
  maxLimit = 500,
): PageRequest {
  const limit = readLimit(query.limit, maxLimit);
  const offset = query.cursor
    ? Number(
        decodeCursor(
          query.cursor,
          text => /^(0|[1-9]\d{0,9})$/.test(text) && Number(text) <= MAX_OFFSET,
        ),
      )
    : 0;
  return { limit, offset };
}

/** The answer for one page of a list, with the cursor of the next. */
export function pageOf<T>(rows: PageOfRows<T>, page: PageRequest): NhiPage<T> {
  const next = page.offset + page.limit;
  return {
    items: rows.items,
    totalCount: rows.totalCount,
    ...(next < rows.totalCount
      ? { nextCursor: Buffer.from(String(next), 'utf8').toString('base64url') }
      : {}),
  };
}

/** A cursor's text, or a 400 when this API did not give it. */
function decodeCursor(cursor: string, valid: (text: string) => boolean) {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (
    !valid(text) ||
    Buffer.from(text, 'utf8').toString('base64url') !==
      cursor.replace(/=+$/, '')
  ) {
    throw new InputError(`cursor is not valid: ${INVALID_CURSOR}`);
  }
  return text;
}

/**
 * The page of the ownership feed asked for by `limit` and `cursor` (after
 * which claim id), or a 400.
 */
export function readFeedPage(query: { limit?: string; cursor?: string }): {
  limit: number;
  after?: string;
} {
  const limit = readLimit(query.limit);
  if (!query.cursor) return { limit };
  return { limit, after: decodeCursor(query.cursor, isRowId) };
}

/**
 * The answer for one page of the ownership feed: a full page has a next
 * one, after the id of its last item.
 */
export function feedPageOf<T>(
  items: T[],
  page: { limit: number },
  idOf: (item: T) => string,
): { items: T[]; nextCursor?: string } {
  return {
    items,
    ...(items.length === page.limit
      ? {
          nextCursor: Buffer.from(
            idOf(items[items.length - 1]),
            'utf8',
          ).toString('base64url'),
        }
      : {}),
  };
}
