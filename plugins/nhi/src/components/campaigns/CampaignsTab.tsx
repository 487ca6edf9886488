import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  nhiCampaignManagePermission,
  NhiInventoryFilters,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  Chip,
  Link as MuiLink,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiCampaignsApiRef } from '../../api';
import { day, relative } from '../shared';
import { CampaignView, ProgressBar } from './CampaignView';
import { recurrenceText, scopeText } from './format';
import { NewCampaignDialog } from './NewCampaignDialog';

function CampaignList(props: {
  onOpen(id: string): void;
  initialScope?: NhiInventoryFilters;
}) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const canManage = usePermission({ permission: nhiCampaignManagePermission });
  const [creating, setCreating] = useState(false);
  const campaigns = useAsyncRetry(
    () => campaignsApi.listCampaigns({ limit: 100 }),
    [campaignsApi],
  );
  return (
    <InfoCard
      title={`Access reviews${
        campaigns.value ? ` (${campaigns.value.totalCount})` : ''
      }`}
      action={
        canManage.allowed && (
          <Box m={1}>
            <Button
              color="primary"
              variant="contained"
              onClick={() => setCreating(true)}
            >
              New campaign
            </Button>
          </Box>
        )
      }
    >
      <Typography variant="body2" paragraph>
        A campaign asks each identity's owner team whether it is still needed,
        with these permissions: certify, revoke or reduce. Its export is the
        evidence of the review.
      </Typography>
      {campaigns.loading && <Progress />}
      {campaigns.error && <ResponseErrorPanel error={campaigns.error} />}
      {campaigns.value?.items.length === 0 && (
        <Typography variant="body2">
          No campaign yet.
          {canManage.allowed
            ? ' Start one with New campaign.'
            : ' The security team starts them.'}
        </Typography>
      )}
      {!!campaigns.value?.items.length && (
        <Table size="small" aria-label="campaigns">
          <TableHead>
            <TableRow>
              <TableCell>Campaign</TableCell>
              <TableCell>Scope</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Due</TableCell>
              <TableCell style={{ width: '40%' }}>Progress</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {campaigns.value.items.map(c => (
              <TableRow key={c.id}>
                <TableCell>
                  <MuiLink
                    component="button"
                    variant="body2"
                    onClick={() => props.onOpen(c.id)}
                  >
                    {c.name}
                  </MuiLink>
                  <Typography variant="caption" display="block">
                    {recurrenceText(c.recurrenceMonths)}
                    {c.sequence > 1 ? ` · #${c.sequence}` : ''}
                  </Typography>
                </TableCell>
                <TableCell>{scopeText(c)}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    label={c.overdue ? 'overdue' : c.status}
                    color={c.overdue ? 'secondary' : 'default'}
                  />
                </TableCell>
                <TableCell>
                  {day(c.dueAt)}
                  <Typography variant="caption" display="block">
                    {relative(c.dueAt)}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Box role="list" aria-label={`progress of ${c.name}`}>
                    <ProgressBar label="decided" counts={c.counts} />
                  </Box>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {creating && (
        <NewCampaignDialog
          initialScope={props.initialScope}
          onClose={created => {
            setCreating(false);
            if (created) props.onOpen(created.id);
          }}
        />
      )}
    </InfoCard>
  );
}

/**
 * The Campaigns tab of the NHI page: the access reviews with their
 * progress, a New campaign dialog for managers, and one campaign (its
 * progress per team, export, close and review table) when the URL names it
 * (`?tab=campaigns&campaign=<id>`).
 */
export function CampaignsTab(props: { initialScope?: NhiInventoryFilters }) {
  const [params, setParams] = useSearchParams();
  const id = params.get('campaign');
  if (id) {
    return (
      <CampaignView
        id={id}
        onBack={() => setParams(new URLSearchParams({ tab: 'campaigns' }))}
      />
    );
  }
  return (
    <CampaignList
      initialScope={props.initialScope}
      onOpen={campaignId =>
        setParams(
          new URLSearchParams({ tab: 'campaigns', campaign: campaignId }),
        )
      }
    />
  );
}
