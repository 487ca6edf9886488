import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  NhiCampaignCounts,
  NhiCampaignDetail,
  NhiCampaignExportFile,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  Grid,
  LinearProgress,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiCampaignsApiRef } from '../../api';
import { day, relative } from '../shared';
import {
  decidedCount,
  progressText,
  recurrenceText,
  scopeText,
  shortRef,
} from './format';
import { FormDialog } from './FormDialog';
import { ReviewTable } from './ReviewTable';

/** A labelled progress bar: decided of total. */
export function ProgressBar(props: {
  label: string;
  counts: NhiCampaignCounts;
}) {
  const { counts } = props;
  const value = counts.total ? (100 * decidedCount(counts)) / counts.total : 0;
  return (
    <Box display="flex" alignItems="center" role="listitem" mb={0.5}>
      <Typography variant="body2" style={{ width: 160, flexShrink: 0 }}>
        {props.label}
      </Typography>
      <Box flexGrow={1} mx={1}>
        <LinearProgress
          variant="determinate"
          value={value}
          aria-label={`${props.label}: ${progressText(counts)}`}
        />
      </Box>
      <Typography variant="body2" style={{ width: 220, textAlign: 'right' }}>
        {progressText(counts)}
      </Typography>
    </Box>
  );
}

const EXPORTS: Array<{ file: NhiCampaignExportFile; label: string }> = [
  { file: 'items.csv', label: 'CSV' },
  { file: 'items.json', label: 'JSON' },
  { file: 'manifest.json', label: 'Manifest' },
  { file: 'evidence.zip', label: 'Evidence (zip)' },
];

/** Downloads one evidence file through the authenticated client. */
function ExportButtons(props: { campaignId: string }) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const alertApi = useApi(alertApiRef);
  const download = async (file: NhiCampaignExportFile) => {
    try {
      const blob = await campaignsApi.downloadCampaignExport(
        props.campaignId,
        file,
      );
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `campaign-${props.campaignId}-${file}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      // the browser reads the blob after the click returns: free it later
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      alertApi.post({
        message: `Could not export ${file}: ${(e as Error).message}`,
        severity: 'error',
      });
    }
  };
  return (
    <Box display="flex" alignItems="center" flexWrap="wrap">
      <Typography variant="body2" style={{ marginRight: 8 }}>
        Export:
      </Typography>
      {EXPORTS.map(e => (
        <Button key={e.file} size="small" onClick={() => download(e.file)}>
          {e.label}
        </Button>
      ))}
    </Box>
  );
}

function CloseDialog(props: {
  campaign: NhiCampaignDetail;
  onClose(closed: boolean): void;
}) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { campaign } = props;
  const close = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await campaignsApi.closeCampaign(campaign.id);
      props.onClose(true);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <FormDialog
      id="nhi-close-campaign-title"
      title={`Close ${campaign.name}?`}
      submitLabel="Close campaign"
      ready={!busy}
      error={error}
      onCancel={() => props.onClose(false)}
      onSubmit={close}
    >
      <Typography variant="body2" paragraph>
        Its decisions become final and nothing in it changes any more.{' '}
        {campaign.counts.pending.toLocaleString()} undecided{' '}
        {campaign.counts.pending === 1 ? 'item' : 'items'}{' '}
        {campaign.endAction === 'revoke'
          ? 'will be marked for revocation.'
          : 'will stay not reviewed.'}
      </Typography>
    </FormDialog>
  );
}

/**
 * One campaign: its settings and scope, progress overall and per owner
 * team, export of the evidence, closing (for managers), and its review table.
 */
export function CampaignView(props: { id: string; onBack(): void }) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const alertApi = useApi(alertApiRef);
  const [closing, setClosing] = useState(false);
  const detail = useAsyncRetry(
    () => campaignsApi.getCampaign(props.id),
    [campaignsApi, props.id],
  );
  const c = detail.value;

  if (detail.error) {
    return (
      <>
        <Button onClick={props.onBack}>All campaigns</Button>
        <ResponseErrorPanel error={detail.error} />
      </>
    );
  }
  if (!c) return <Progress />;

  const teams = [...c.teams].sort((a, b) => b.counts.total - a.counts.total);
  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <Button onClick={props.onBack}>All campaigns</Button>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard
          title={c.name}
          subheader={
            c.status === 'closed'
              ? `Closed ${day(c.closedAt)}: its decisions are final`
              : `Active, due ${day(c.dueAt)} (${relative(c.dueAt)})${
                  c.overdue ? ' — overdue' : ''
                }`
          }
        >
          {c.description && (
            <Typography variant="body2" paragraph>
              {c.description}
            </Typography>
          )}
          <StructuredMetadataTable
            metadata={{
              scope: scopeText(c),
              snapshot: `${day(c.snapshotAt)}${
                c.snapshotNote ? ` (${c.snapshotNote})` : ''
              }`,
              reviewers:
                c.reviewerRule === 'leads'
                  ? "the owner team's leads"
                  : "the owner team's members",
              'fallback group': (
                <EntityRefLink
                  entityRef={c.fallbackGroup}
                  defaultKind="group"
                />
              ),
              reminders: c.reminderEveryDays
                ? `every ${c.reminderEveryDays} days, and ${c.dueSoonDays} days before due`
                : 'none',
              'at the end':
                c.endAction === 'revoke'
                  ? 'undecided items are marked for revocation'
                  : 'undecided items stay not reviewed',
              recurrence: `${recurrenceText(c.recurrenceMonths)}${
                c.nextStartAt ? `, next ${day(c.nextStartAt)}` : ''
              }`,
              'started by': `${shortRef(c.createdBy)}, ${day(c.createdAt)}`,
            }}
          />
          <Box mt={2}>
            <ExportButtons campaignId={c.id} />
          </Box>
          {c.manage && c.status === 'active' && (
            <Box mt={1}>
              <Button
                variant="outlined"
                color="secondary"
                onClick={() => setClosing(true)}
              >
                Close campaign
              </Button>
            </Box>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Progress">
          <Box role="list" aria-label="progress">
            <ProgressBar label="All" counts={c.counts} />
          </Box>
          <Typography variant="body2" paragraph>
            {c.counts.certify} certified · {c.counts.revoke} to revoke ·{' '}
            {c.counts.reduce} to reduce · {c.counts['not-reviewed']} not
            reviewed · {c.counts.remediationOpen} remediations open
          </Typography>
          <Typography variant="subtitle2">By owner</Typography>
          <Box role="list" aria-label="progress by owner">
            {teams.map(t => (
              <ProgressBar
                key={t.owner ?? 'unowned'}
                label={t.owner ? shortRef(t.owner) : 'unowned'}
                counts={t.counts}
              />
            ))}
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Items">
          <ReviewTable
            campaignId={c.id}
            active={c.status === 'active'}
            onChange={detail.retry}
          />
        </InfoCard>
      </Grid>
      {closing && (
        <CloseDialog
          campaign={c}
          onClose={closed => {
            setClosing(false);
            if (closed) {
              alertApi.post({
                message: `Campaign "${c.name}" closed: its decisions are final.`,
                severity: 'success',
                display: 'transient',
              });
              detail.retry();
            }
          }}
        />
      )}
    </Grid>
  );
}
