import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { nhiSourceRunPermission } from '@backstage-nhi/nhi-common';
import {
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@material-ui/core';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiApiRef } from '../../api';
import { relative } from '../shared';

/** Each identity source's last run: status, counts, errors, and "Run now". */
export function SourcesCard() {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const canRun = usePermission({ permission: nhiSourceRunPermission });
  const sources = useAsyncRetry(() => nhiApi.listSources(), [nhiApi]);
  return (
    <InfoCard title="Sources">
      {sources.loading && <Progress />}
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
                  {s.lastRun?.errors.length === 0 && 'none'}
                </TableCell>
                <TableCell>
                  <Tooltip
                    title={
                      canRun.allowed
                        ? ''
                        : 'You are not allowed to start source runs'
                    }
                  >
                    <span>
                      <Button
                        size="small"
                        disabled={!canRun.allowed}
                        onClick={async () => {
                          try {
                            await nhiApi.runSource(s.type, s.id);
                            alertApi.post({
                              message: `${s.key}: run started`,
                              severity: 'info',
                              display: 'transient',
                            });
                            setTimeout(sources.retry, 3000);
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
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
}
