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
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiApiRef } from '../../api';
import { ClaimList } from '../shared';

/** For a Group: open claims for this team, with approve and reject in place for reviewers. */
export function TeamReviewCard() {
  const { entity } = useEntity();
  const nhiApi = useApi(nhiApiRef);
  const identityApi = useApi(identityApiRef);
  const group = stringifyEntityRef(entity);
  const me = useAsync(() => identityApi.getBackstageIdentity(), [identityApi]);
  const claims = useAsyncRetry(
    () => nhiApi.listClaims({ group, status: 'open', limit: 50 }),
    [group],
  );
  return (
    <InfoCard
      title={`Claims waiting for review${
        claims.value ? ` (${claims.value.totalCount})` : ''
      }`}
    >
      {claims.loading && <Progress />}
      {claims.error && <ResponseErrorPanel error={claims.error} />}
      {claims.value?.items.length === 0 && (
        <Typography variant="body2">
          No claims for this team are waiting.
        </Typography>
      )}
      {!!claims.value?.items.length && (
        <ClaimList
          claims={claims.value.items}
          currentUser={me.value?.userEntityRef}
          showIdentity
          onChange={claims.retry}
        />
      )}
    </InfoCard>
  );
}
