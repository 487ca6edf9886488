import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { PagedClaimList, useClaimPages } from '../shared';

/** For a Group: open claims for this team, with approve and reject in place for reviewers. */
export function TeamReviewCard() {
  const { entity } = useEntity();
  const identityApi = useApi(identityApiRef);
  const group = stringifyEntityRef(entity);
  const me = useAsync(() => identityApi.getBackstageIdentity(), [identityApi]);
  const claims = useClaimPages({ group, status: 'open', limit: 50 }, [group]);
  return (
    <InfoCard
      title={`Claims waiting for review${
        claims.items ? ` (${claims.totalCount})` : ''
      }`}
    >
      {claims.loading && <Progress />}
      {claims.error && <ResponseErrorPanel error={claims.error} />}
      {claims.items?.length === 0 && (
        <Typography variant="body2">
          No claims for this team are waiting.
        </Typography>
      )}
      <PagedClaimList pages={claims} currentUser={me.value?.userEntityRef} />
    </InfoCard>
  );
}
