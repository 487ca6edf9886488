import {
  NhiClaim,
  NhiClaimsQuery,
  NhiPage,
} from '@backstage-nhi/plugin-nhi-common';
import { useApi } from '@backstage/core-plugin-api';
import { Box, Button, Typography } from '@material-ui/core';
import { useEffect, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiApiRef } from '../../api';
import { ClaimList } from './ClaimList';

/**
 * A list of claims read page by page: the first page on mount (and on
 * `retry`, e.g. after a review), further pages when the user asks, so that
 * no claim beyond the first page is silently left out.
 */
export function useClaimPages(query: NhiClaimsQuery, deps: unknown[]) {
  const nhiApi = useApi(nhiApiRef);
  const first = useAsyncRetry(() => nhiApi.listClaims(query), deps);
  const [more, setMore] = useState<NhiPage<NhiClaim>>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  // a reload starts over from the first page
  useEffect(() => {
    setMore(undefined);
    setMoreError(undefined);
  }, [first.value]);

  const nextCursor = more ? more.nextCursor : first.value?.nextCursor;
  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const next = await nhiApi.listClaims({ ...query, cursor: nextCursor });
      setMore(m => ({
        items: [...(m?.items ?? []), ...next.items],
        totalCount: next.totalCount,
        nextCursor: next.nextCursor,
      }));
    } catch (e) {
      setMoreError(e as Error);
    } finally {
      setLoadingMore(false);
    }
  };
  return {
    loading: first.loading,
    error: first.error,
    retry: first.retry,
    items: first.value
      ? [...first.value.items, ...(more?.items ?? [])]
      : undefined,
    totalCount: first.value?.totalCount,
    nextCursor,
    loadMore,
    loadingMore,
    moreError,
  };
}

/** "Show more" under a paged claim list, with how many are shown. */
export function MoreClaims(props: { pages: ReturnType<typeof useClaimPages> }) {
  const { items, totalCount, nextCursor, loadMore, loadingMore, moreError } =
    props.pages;
  if (!nextCursor || !items) return null;
  return (
    <Box display="flex" alignItems="center" style={{ gap: 8 }} mt={1}>
      <Button size="small" onClick={loadMore} disabled={loadingMore}>
        Show more
      </Button>
      <Typography variant="caption" color="textSecondary">
        {items.length} of {totalCount} shown
      </Typography>
      {moreError && (
        <Typography variant="caption" color="error" role="alert">
          Could not load more claims: {moreError.message}
        </Typography>
      )}
    </Box>
  );
}

/**
 * A paged list of claims to review, with their identities, reloaded after
 * each review, and "Show more" under it. Nothing when there is none.
 */
export function PagedClaimList(props: {
  pages: ReturnType<typeof useClaimPages>;
  currentUser?: string;
}) {
  const { pages } = props;
  if (!pages.items?.length) return null;
  return (
    <>
      <ClaimList
        claims={pages.items}
        currentUser={props.currentUser}
        showIdentity
        onChange={pages.retry}
      />
      <MoreClaims pages={pages} />
    </>
  );
}
