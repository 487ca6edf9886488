import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { NhiCampaignDecision } from '@backstage-nhi/plugin-nhi-common';
import { Box, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { nhiCampaignsApiRef } from '../../api';
import { day } from '../shared';
import { OUTCOME_LABEL, shortRef } from './format';
import { campaignPath } from './WaitingReviews';

/**
 * The identity's last certification: who decided what, when, in which
 * campaign (with the note), and whether a campaign reviews it now. From the
 * identity's campaign history (`GET /campaigns/history`).
 */
export function LastCertification(props: { entityRef: string }) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const history = useAsync(async () => {
    const [decided, newest] = await Promise.all([
      // its reviewers' last decision (GET /campaigns/history?decided=true)
      campaignsApi.listIdentityCertifications({
        entityRef: props.entityRef,
        decided: true,
        limit: 1,
      }),
      // the newest campaign it is in: a review in progress, if active
      campaignsApi.listIdentityCertifications({
        entityRef: props.entityRef,
        limit: 1,
      }),
    ]);
    return {
      decided: decided.items[0],
      inReview: newest.items.find(
        i => i.campaignStatus === 'active' && !i.decision,
      ),
    };
  }, [campaignsApi, props.entityRef]);
  if (history.loading) return <>…</>;
  if (history.error) {
    return <>not available: {history.error.message}</>;
  }
  const { decided, inReview } = history.value ?? {};
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
