import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  nhiSourceRunPermission,
  NhiSourceStatus,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { useEffect, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiApiRef } from '../../api';
import { relative } from '../shared';

/** How often the card reloads while a run is starting or running. */
const POLL_MS = 3000;
/** How long a requested run may take to show up before the card stops waiting. */
const START_WAIT_MS = 120_000;

/** How many unresolved owner names the card names before "and N more". */
const OWNERS_SHOWN = 3;

/**
 * The owner names a run could not resolve, most frequent first, with where
 * to fix them: one alias each in `nhi.ownership.aliases`.
 */
function UnresolvedOwners(props: {
  owners: Array<{ value: string; count: number }>;
}) {
  const { owners } = props;
  const shown = owners.slice(0, OWNERS_SHOWN);
  const rest = owners.slice(OWNERS_SHOWN);
  return (
    <Tooltip
      title={`Owner names no team or person in the catalog matches: map each to its team in nhi.ownership.aliases (app-config.yaml). ${owners
        .map(o => `${o.value} (${o.count})`)
        .join(', ')}`}
    >
      <Typography variant="caption" display="block">
        Unknown owners:{' '}
        {shown
          .map(
            o =>
              `${o.value} (${o.count} ${
                o.count === 1 ? 'identity' : 'identities'
              })`,
          )
          .join(', ')}
        {rest.length ? ` and ${rest.length} more` : ''}
      </Typography>
    </Tooltip>
  );
}

/**
 * Each identity source's last run: status, counts, errors, the owner names
 * nobody in the catalog matches, "Run now", and a removal the run held for
 * confirmation with "Confirm removal".
 */
export function SourcesCard() {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const canRun = usePermission({ permission: nhiSourceRunPermission });
  const sources = useAsyncRetry(() => nhiApi.listSources(), [nhiApi]);
  // runs asked for: key → the start time the source's last run had then,
  // and when it was asked
  const [requested, setRequested] = useState<
    Record<string, { previousStart?: string; at: number }>
  >({});
  const { retry, loading, value } = sources;
  // the source whose held removal is being confirmed
  const [confirming, setConfirming] = useState<NhiSourceStatus>();

  // asked for and not seen starting yet (for at most START_WAIT_MS), or
  // running: judged on every reload
  const busy = (s: NhiSourceStatus) => {
    if (s.lastRun?.status === 'running') return true;
    const r = requested[s.key];
    return (
      !!r &&
      s.lastRun?.startedAt === r.previousStart &&
      Date.now() - r.at <= START_WAIT_MS
    );
  };
  // follow runs: reload while one is starting or running, until it is done
  const following = !!value?.items.some(busy);
  const runTitle = (s: NhiSourceStatus) => {
    if (!canRun.allowed) return 'You are not allowed to start source runs';
    return busy(s) ? 'A run of this source is in progress' : '';
  };
  /** Remembers a requested run, so the card follows it. */
  const follow = (s: NhiSourceStatus) =>
    setRequested(current => ({
      ...current,
      [s.key]: { previousStart: s.lastRun?.startedAt, at: Date.now() },
    }));
  const confirmRemoval = async (s: NhiSourceStatus) => {
    setConfirming(undefined);
    try {
      await nhiApi.confirmHeldRemoval(s.type, s.id, s.lastRun!.held!.since);
      alertApi.post({
        message: `${s.key}: removal confirmed, a run applies it`,
        severity: 'info',
        display: 'transient',
      });
      follow(s);
      retry();
    } catch (e) {
      alertApi.post({ message: (e as Error).message, severity: 'error' });
    }
  };
  useEffect(() => {
    if (!following || loading) return undefined;
    const timer = setTimeout(retry, POLL_MS);
    return () => clearTimeout(timer);
    // value: every reload arms the next one
  }, [following, loading, value, retry]);

  return (
    <InfoCard title="Sources">
      {sources.loading && !sources.value && <Progress />}
      {sources.error && <ResponseErrorPanel error={sources.error} />}
      {sources.value?.items.length === 0 && (
        <Typography variant="body2">
          No identity sources are configured (nhi.sources in app-config.yaml).
        </Typography>
      )}
      {!!sources.value?.items.length && (
        <Table size="small" aria-label="identity sources">
          <TableHead>
            <TableRow>
              <TableCell>Source</TableCell>
              <TableCell>Last run</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Identities</TableCell>
              <TableCell>Changed / removed</TableCell>
              <TableCell>Problems</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {sources.value.items.map(s => (
              <TableRow key={s.key}>
                <TableCell>{s.key}</TableCell>
                <TableCell>
                  {s.lastRun
                    ? relative(s.lastRun.finishedAt ?? s.lastRun.startedAt)
                    : 'never'}
                </TableCell>
                <TableCell>{s.lastRun?.status ?? '—'}</TableCell>
                <TableCell>{s.lastRun?.counts.entities ?? '—'}</TableCell>
                <TableCell>
                  {s.lastRun
                    ? `${s.lastRun.counts.changed ?? 0} / ${
                        s.lastRun.counts.removed ?? 0
                      }`
                    : '—'}
                </TableCell>
                <TableCell>
                  {s.lastRun?.errors.slice(0, 3).map((e, i) => (
                    <Typography
                      key={i}
                      variant="caption"
                      display="block"
                      color="error"
                    >
                      {[e.location, e.scope].filter(Boolean).join(' ')}
                      {e.location || e.scope ? ': ' : ''}
                      {e.message}
                    </Typography>
                  ))}
                  {s.lastRun && s.lastRun.errors.length > 3 && (
                    <Typography variant="caption">
                      and {s.lastRun.errors.length - 3} more
                    </Typography>
                  )}
                  {!!s.lastRun?.unresolvedOwners?.length && (
                    <UnresolvedOwners owners={s.lastRun.unresolvedOwners} />
                  )}
                  {s.lastRun?.errors.length === 0 &&
                    !s.lastRun.unresolvedOwners?.length &&
                    'none'}
                </TableCell>
                <TableCell>
                  <Tooltip title={runTitle(s)}>
                    <span>
                      <Button
                        size="small"
                        disabled={!canRun.allowed || busy(s)}
                        onClick={async () => {
                          try {
                            await nhiApi.runSource(s.type, s.id);
                            alertApi.post({
                              message: `${s.key}: run started`,
                              severity: 'info',
                              display: 'transient',
                            });
                            follow(s);
                          } catch (e) {
                            alertApi.post({
                              message: (e as Error).message,
                              severity: 'error',
                            });
                          }
                        }}
                      >
                        Run now
                      </Button>
                    </span>
                  </Tooltip>
                  {s.lastRun?.held && !s.lastRun.held.confirmedBy && (
                    <Tooltip
                      title={
                        canRun.allowed
                          ? ''
                          : 'You are not allowed to confirm removals'
                      }
                    >
                      <span>
                        <Button
                          size="small"
                          color="secondary"
                          disabled={!canRun.allowed || busy(s)}
                          onClick={() => setConfirming(s)}
                        >
                          Confirm removal
                        </Button>
                      </span>
                    </Tooltip>
                  )}
                  {s.lastRun?.held?.confirmedBy && (
                    <Typography variant="caption" display="block">
                      Removal confirmed by {s.lastRun.held.confirmedBy}; the
                      next run applies it
                    </Typography>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Dialog
        open={!!confirming}
        onClose={() => setConfirming(undefined)}
        aria-labelledby="nhi-confirm-removal-title"
      >
        <DialogTitle id="nhi-confirm-removal-title">
          Remove {confirming?.lastRun?.held?.count} identities of{' '}
          {confirming?.key}?
        </DialogTitle>
        <DialogContent>
          <DialogContentText>
            The run held this removal: {confirming?.lastRun?.held?.reason}. If
            the source really no longer has them, confirm; a run starts that
            removes those still missing from it.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
          <Button
            color="secondary"
            onClick={() => confirming && confirmRemoval(confirming)}
          >
            Remove them
          </Button>
        </DialogActions>
      </Dialog>
    </InfoCard>
  );
}
