import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { NhiAuditEntry } from '@backstage-nhi/plugin-nhi-common';
import {
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useEffect, useState } from 'react';
import { nhiApiRef } from '../../api';
import { dateTime, day, PersonRef } from '../shared';

const ACTIONS: Record<string, string> = {
  'claim.created': 'claimed',
  'transfer.requested': 'requested a transfer',
  'claim.approved': 'approved a claim',
  'claim.rejected': 'rejected a claim',
  'claim.withdrawn': 'withdrew a claim',
  'claim.closed': 'closed a competing claim',
  'claim.superseded': 'ended the previous ownership',
  'ownership.released': 'released ownership',
  'exception.created': 'accepted a risk',
  'exception.requested': 'asked to accept a risk',
  'exception.approved': 'approved accepting a risk',
  'exception.rejected': 'rejected accepting a risk',
  'exception.withdrawn': 'withdrew a request to accept a risk',
  'exception.revoked': 'revoked an accepted risk',
};

function describe(e: NhiAuditEntry): string {
  const d = (e.details ?? {}) as Record<string, string>;
  return [
    d.from ? `${d.from} → ${d.group}` : d.group,
    d.consent === 'reviewer' ? 'without the owner’s consent' : undefined,
    d.ruleId,
    d.until ? `until ${day(d.until)}` : undefined,
    d.comment ? `“${d.comment}”` : undefined,
    d.justification ? `“${d.justification}”` : undefined,
    d.reason,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The identity's audit trail, newest first, paged. Nobody can edit it. */
export function AuditCard() {
  const { entity } = useEntity();
  const nhiApi = useApi(nhiApiRef);
  const entityRef = stringifyEntityRef(entity);
  const [items, setItems] = useState<NhiAuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error>();

  const load = async (next?: string) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await nhiApi.listAudit({
        entityRef,
        limit: 25,
        cursor: next,
      });
      setItems(prev => (next ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setTotal(page.totalCount);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [entityRef]);

  return (
    <InfoCard title={`Audit history${total ? ` (${total})` : ''}`}>
      {error && <ResponseErrorPanel error={error} />}
      {!error && !loading && items.length === 0 && (
        <Typography variant="body2">
          Nothing has happened to this identity in Backstage yet: claims,
          reviews and accepted risks are recorded here.
        </Typography>
      )}
      {items.length > 0 && (
        <Table size="small" aria-label="audit history">
          <TableHead>
            <TableRow>
              <TableCell>When</TableCell>
              <TableCell>Who</TableCell>
              <TableCell>What</TableCell>
              <TableCell>Details</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map(e => (
              <TableRow key={e.id}>
                <TableCell>
                  <time dateTime={e.at} title={e.at}>
                    {dateTime(e.at)}
                  </time>
                </TableCell>
                <TableCell>
                  <PersonRef entityRef={e.actor} />
                </TableCell>
                <TableCell>{ACTIONS[e.action] ?? e.action}</TableCell>
                <TableCell>{describe(e)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {loading && <Progress />}
      {cursor && !loading && (
        <Button onClick={() => load(cursor)}>Load more</Button>
      )}
    </InfoCard>
  );
}
