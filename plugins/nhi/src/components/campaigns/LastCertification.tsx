import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  NhiCampaignDecision,
  NhiCampaignItemHistory,
} from '@backstage-nhi/plugin-nhi-common';
import { Box, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { nhiCampaignsApiRef } from '../../api';
import { day } from '../shared';
import { OUTCOME_LABEL, shortRef } from './format';
import { campaignPath } from './WaitingReviews';

/** How many of the identity's campaigns are read to find its last decision. */
const HISTORY = 20;

const DECISIONS: ReadonlyArray<string> = ['certify', 'revoke', 'reduce'];

/** The identity's last decision by a reviewer, and a review in progress. */
export function lastDecision(items: NhiCampaignItemHistory[]): {
  decided?: NhiCampaignItemHistory;
  inReview?: NhiCampaignItemHistory;
} {
  const decided = items
    .filter(i => i.decision && DECISIONS.includes(i.decision) && i.decidedAt)
    .sort((a, b) => b.decidedAt!.localeCompare(a.decidedAt!))[0];
  const inReview = items.find(
    i => i.campaignStatus === 'active' && !i.decision,
  );
  return { decided, inReview };
}

/**
 * The identity's last certification: who decided what, when, in which
 * campaign (with the note), and whether a campaign reviews it now. From the
 * identity's campaign history (`GET /campaigns/history`).
 */
export function LastCertification(props: { entityRef: string }) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const history = useAsync(
    () =>
      campaignsApi.listIdentityCertifications({
        entityRef: props.entityRef,
        limit: HISTORY,
      }),
    [campaignsApi, props.entityRef],
  );
  if (history.loading) return <>…</>;
  if (history.error) {
    return <>not available: {history.error.message}</>;
  }
  const { decided, inReview } = lastDecision(history.value?.items ?? []);
  return (
    <Box aria-label="last certification">
      {decided ? (
        <Typography variant="body2" component="div">
          {OUTCOME_LABEL[decided.decision as NhiCampaignDecision]} by{' '}
          {shortRef(decided.decidedBy ?? 'unknown')} on {day(decided.decidedAt)}{' '}
          in{' '}
          <Link to={campaignPath(decided.campaignId)}>
            {decided.campaignName}
          </Link>
          {decided.note ? ` · “${decided.note}”` : ''}
        </Typography>
      ) : (
        <Typography variant="body2" component="div">
          never certified in an access review
        </Typography>
      )}
      {inReview && (
        <Typography variant="body2" color="textSecondary" component="div">
          in review now:{' '}
          <Link to={campaignPath(inReview.campaignId)}>
            {inReview.campaignName}
          </Link>
          , due {day(inReview.campaignDueAt)}
        </Typography>
      )}
    </Box>
  );
}
