import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  Chip,
  List,
  ListItem,
  ListItemText,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { nhiCampaignsApiRef } from '../../api';
import { day, relative } from '../shared';

/** The campaign's page on the NHI page. */
export function campaignPath(campaignId: string) {
  return `/nhi?${new URLSearchParams({
    tab: 'campaigns',
    campaign: campaignId,
  }).toString()}`;
}

/**
 * Active campaigns with items waiting for a decision: those the signed-in
 * user may decide (no `group`), or a team's identities not decided yet.
 */
export function WaitingReviews(props: { group?: string; title?: string }) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const { group } = props;
  const waiting = useAsync(
    () => campaignsApi.listWaitingReviews(group ? { group } : {}),
    [campaignsApi, group],
  );
  const items = waiting.value?.items;
  const total = items?.reduce((n, i) => n + i.count, 0);
  return (
    <InfoCard
      title={`${props.title ?? 'Reviews waiting for you'}${
        total !== undefined ? ` (${total.toLocaleString()})` : ''
      }`}
    >
      {waiting.loading && <Progress />}
      {waiting.error && <ResponseErrorPanel error={waiting.error} />}
      {items?.length === 0 && (
        <Typography variant="body2">
          {group
            ? 'No identity of this team is waiting for a decision.'
            : 'Nothing is waiting for your decision.'}
        </Typography>
      )}
      {!!items?.length && (
        <List dense aria-label="campaigns waiting">
          {items.map(w => (
            <ListItem key={w.campaignId} divider>
              <ListItemText
                primary={
                  <Link to={campaignPath(w.campaignId)}>{w.campaignName}</Link>
                }
                secondary={`${w.count.toLocaleString()} ${
                  w.count === 1 ? 'identity' : 'identities'
                } to decide · due ${day(w.dueAt)} (${relative(w.dueAt)})`}
              />
              {w.overdue && (
                <Chip size="small" color="secondary" label="overdue" />
              )}
            </ListItem>
          ))}
        </List>
      )}
    </InfoCard>
  );
}

/** For a Group: access reviews waiting for a decision on the team's identities. */
export function TeamWaitingReviewsCard() {
  const { entity } = useEntity();
  return (
    <WaitingReviews
      group={stringifyEntityRef(entity)}
      title="Access reviews waiting for this team"
    />
  );
}
