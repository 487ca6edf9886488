import {
  Link,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  NHI_TEXT_LIMITS,
  NhiCampaignBulkResult,
  NhiCampaignDecision,
  NhiCampaignItem,
  NhiRiskLevel,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  ButtonGroup,
  Checkbox,
  Chip,
  FormControlLabel,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { useCallback, useEffect, useState } from 'react';
import { nhiCampaignsApiRef } from '../../api';
import { day, identityPath, RiskLevelChip } from '../shared';
import { OUTCOME_LABEL, shortRef, statusOf } from './format';
import { FormDialog } from './FormDialog';

const PAGE = 100;

type Pending =
  | { kind: 'decide'; decision: NhiCampaignDecision; items: NhiCampaignItem[] }
  | { kind: 'reassign'; items: NhiCampaignItem[] };

const ACTION_LABEL: Record<NhiCampaignDecision, string> = {
  certify: 'Certify',
  revoke: 'Revoke',
  reduce: 'Reduce',
};

const DONE_LABEL: Record<NhiCampaignDecision, string> = {
  certify: 'Certified',
  revoke: 'Marked for revocation',
  reduce: 'Marked for reduction',
};

const NEEDS_NOTE: Record<NhiCampaignDecision, boolean> = {
  certify: false,
  revoke: true,
  reduce: true,
};

/** Whether the caller may decide the item now (the backend's verdict). */
const decidable = (i: NhiCampaignItem) => i.review?.allowed === true;
const reason = (i: NhiCampaignItem) =>
  i.review?.reason ?? 'You cannot decide this item';

function State({ item }: { item: NhiCampaignItem }) {
  const outcome = item.decision ?? 'pending';
  return (
    <Box>
      <Chip
        size="small"
        label={OUTCOME_LABEL[outcome]}
        color={outcome === 'pending' ? 'default' : 'primary'}
        variant={outcome === 'certify' ? 'default' : 'outlined'}
      />
      {item.decidedBy && (
        <Typography variant="caption" display="block">
          {shortRef(item.decidedBy)}, {day(item.decidedAt)}
        </Typography>
      )}
      {item.note && (
        <Typography variant="caption" display="block">
          “{item.note}”
        </Typography>
      )}
      {item.remediation && (
        <Typography variant="caption" display="block">
          remediation {item.remediation.status}
        </Typography>
      )}
    </Box>
  );
}

function Reviewer({ item }: { item: NhiCampaignItem }) {
  return (
    <Box>
      <EntityRefLink entityRef={item.reviewer} defaultKind="group" />
      {item.reviewerKind !== 'owner' && (
        <Typography variant="caption" display="block">
          {item.reviewerKind === 'fallback' ? 'fallback group' : 'delegate'}
        </Typography>
      )}
      {item.delegation && (
        <Typography variant="caption" display="block">
          from {shortRef(item.delegation.from)}: “{item.delegation.reason}”
        </Typography>
      )}
      {item.escalation > 0 && (
        <Typography variant="caption" display="block" color="error">
          escalated
        </Typography>
      )}
    </Box>
  );
}

/** A button that shows why it is disabled. */
function Action(props: {
  label: string;
  disabledReason?: string;
  onClick(): void;
}) {
  const button = (
    <Button
      size="small"
      disabled={!!props.disabledReason}
      onClick={props.onClick}
    >
      {props.label}
    </Button>
  );
  return props.disabledReason ? (
    <Tooltip title={props.disabledReason}>
      <span>{button}</span>
    </Tooltip>
  ) : (
    button
  );
}

/** The note (revoke, reduce: required) or the reason of a reassignment. */
function ConfirmDialog(props: {
  pending: Pending;
  busy: boolean;
  error?: string;
  onCancel(): void;
  onSubmit(text: string, to: string): void;
}) {
  const { pending } = props;
  const [text, setText] = useState('');
  const [to, setTo] = useState('');
  const n = pending.items.length;
  const what =
    n === 1 ? pending.items[0].title : `${n.toLocaleString()} identities`;
  const reassign = pending.kind === 'reassign';
  const required = reassign || NEEDS_NOTE[pending.decision];
  const min = reassign ? NHI_TEXT_LIMITS.reason.min : NHI_TEXT_LIMITS.note.min;
  const textOk = required ? text.trim().length >= min : true;
  const ready = textOk && (!reassign || !!to.trim()) && !props.busy;
  const title = reassign
    ? `Hand ${what} on`
    : `${ACTION_LABEL[pending.decision]} ${what}`;
  return (
    <FormDialog
      id="nhi-decision-title"
      title={title}
      submitLabel={reassign ? 'Hand on' : ACTION_LABEL[pending.decision]}
      ready={ready}
      error={props.error}
      onCancel={props.onCancel}
      onSubmit={() => props.onSubmit(text.trim(), to.trim())}
    >
      {!reassign && pending.decision === 'revoke' && (
        <Typography variant="body2" paragraph>
          No longer needed: a remediation stays open until its source shows the
          identity gone or unusable.
        </Typography>
      )}
      {!reassign && pending.decision === 'reduce' && (
        <Typography variant="body2" paragraph>
          Keep it with fewer permissions: a remediation stays open until its
          source shows fewer permissions.
        </Typography>
      )}
      {reassign && (
        <TextField
          id="nhi-decision-to"
          label="To (a user or a group)"
          placeholder="user:default/bob or group:default/platform"
          fullWidth
          required
          margin="dense"
          value={to}
          onChange={e => setTo(e.target.value)}
        />
      )}
      <TextField
        id="nhi-decision-text"
        label={reassign ? 'Reason' : 'Note'}
        helperText={
          required
            ? `Required, at least ${min} characters; it is part of the evidence.`
            : 'Optional; it is part of the evidence.'
        }
        fullWidth
        multiline
        minRows={2}
        required={required}
        margin="dense"
        value={text}
        onChange={e => setText(e.target.value)}
      />
    </FormDialog>
  );
}

/**
 * The items of one campaign, the riskiest first: identity, owner, risk,
 * reviewer and state. The caller decides items they may decide, one at a
 * time or the selected ones at once (revoke and reduce with a note), or
 * hands them on with a reason. A decision someone else made meanwhile (409)
 * is said and the list reloaded; the backend's refusals are shown as it
 * words them.
 */
export function ReviewTable(props: {
  campaignId: string;
  active: boolean;
  /** Called after a change, so that the campaign's progress can reload. */
  onChange?: () => void;
}) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const alertApi = useApi(alertApiRef);
  const { campaignId, onChange } = props;
  const [toReview, setToReview] = useState(props.active);
  const [q, setQ] = useState('');
  const [items, setItems] = useState<NhiCampaignItem[]>();
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending>();
  const [busy, setBusy] = useState(false);
  const dialogOpen = !!pending;
  const [dialogError, setDialogError] = useState<string>();
  const [refusals, setRefusals] = useState<NhiCampaignBulkResult['refused']>(
    [],
  );

  const load = useCallback(
    async (more?: string) => {
      setLoading(true);
      try {
        const result = await campaignsApi.listCampaignItems(campaignId, {
          toReview: toReview || undefined,
          q: q.trim() || undefined,
          limit: PAGE,
          cursor: more,
        });
        setItems(prev =>
          more ? [...(prev ?? []), ...result.items] : result.items,
        );
        setTotal(result.totalCount ?? result.items.length);
        setCursor(result.nextCursor);
        setError(undefined);
        if (!more) setSelected(new Set());
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [campaignsApi, campaignId, toReview, q],
  );

  useEffect(() => {
    load();
  }, [load]);

  const changed = () => {
    load();
    onChange?.();
  };

  const title = (id: string) =>
    items?.find(i => i.id === id)?.title ?? `item ${id}`;

  const run = async (job: Pending, text: string, to: string) => {
    setBusy(true);
    setDialogError(undefined);
    try {
      let result: NhiCampaignBulkResult;
      if (job.kind === 'reassign') {
        result = await campaignsApi.reassignCampaignItems(campaignId, {
          itemIds: job.items.map(i => i.id),
          to,
          reason: text,
        });
      } else if (job.items.length === 1) {
        const [item] = job.items;
        const done = await campaignsApi.decideCampaignItem(
          campaignId,
          item.id,
          {
            decision: job.decision,
            note: text || undefined,
            replaces: item.decisionSeq > 0 ? item.decisionSeq : undefined,
          },
        );
        result = { done: [done], refused: [] };
      } else {
        result = await campaignsApi.decideCampaignItems(campaignId, {
          itemIds: job.items.map(i => i.id),
          decision: job.decision,
          note: text || undefined,
        });
      }
      const verb =
        job.kind === 'reassign' ? 'Handed on' : DONE_LABEL[job.decision];
      setPending(undefined);
      setRefusals(result.refused);
      if (result.done.length) {
        alertApi.post({
          message: `${verb}: ${
            result.done.length === 1
              ? result.done[0].title
              : `${result.done.length} identities`
          }.`,
          severity: 'success',
          display: 'transient',
        });
      }
      changed();
    } catch (e) {
      if (statusOf(e) === 409) {
        setPending(undefined);
        alertApi.post({
          message: `Not saved: ${
            (e as Error).message
          }. The list shows the current decisions now.`,
          severity: 'warning',
        });
        changed();
      } else if (dialogOpen) {
        setDialogError((e as Error).message);
      } else {
        alertApi.post({ message: (e as Error).message, severity: 'error' });
      }
    } finally {
      setBusy(false);
    }
  };

  const decide = (decision: NhiCampaignDecision, list: NhiCampaignItem[]) => {
    setDialogError(undefined);
    const job: Pending = { kind: 'decide', decision, items: list };
    if (!NEEDS_NOTE[decision] && list.length === 1) {
      // certifying one needs no note: no dialog in a reviewer's routine
      run(job, '', '');
    } else {
      setPending(job);
    }
  };

  const selectable = (items ?? []).filter(
    i => decidable(i) && i.decisionSeq === 0,
  );
  const chosen = (items ?? []).filter(i => selected.has(i.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <Box>
      <Box display="flex" alignItems="center" flexWrap="wrap" mb={1}>
        {props.active && (
          <FormControlLabel
            control={
              <Switch
                checked={toReview}
                onChange={e => setToReview(e.target.checked)}
                color="primary"
              />
            }
            label="Only items waiting for me"
          />
        )}
        <TextField
          id="nhi-review-search"
          size="small"
          label="Search"
          placeholder="name or external id"
          value={q}
          onChange={e => setQ(e.target.value)}
          style={{ marginRight: 16 }}
        />
        <Typography variant="body2" style={{ flexGrow: 1 }}>
          {items ? `${items.length} of ${total.toLocaleString()} shown` : ''}
        </Typography>
        {props.active && (
          <ButtonGroup
            size="small"
            color="primary"
            aria-label="decide the selected items"
          >
            {(['certify', 'revoke', 'reduce'] as const).map(d => (
              <Button
                key={d}
                disabled={!chosen.length}
                onClick={() => decide(d, chosen)}
              >
                {ACTION_LABEL[d]} selected ({chosen.length})
              </Button>
            ))}
            <Button
              disabled={!chosen.length}
              onClick={() => {
                setDialogError(undefined);
                setPending({ kind: 'reassign', items: chosen });
              }}
            >
              Hand on selected ({chosen.length})
            </Button>
          </ButtonGroup>
        )}
      </Box>
      {refusals.length > 0 && (
        <Box mb={1} aria-label="refused">
          <WarningPanel
            severity="warning"
            title={`${refusals.length} not done`}
            defaultExpanded
          >
            <ul>
              {refusals.map(r => (
                <li key={r.itemId}>
                  {title(r.itemId)}: {r.reason}
                </li>
              ))}
            </ul>
            <Button size="small" onClick={() => setRefusals([])}>
              Dismiss
            </Button>
          </WarningPanel>
        </Box>
      )}
      {error && <ResponseErrorPanel error={error} />}
      {loading && !items && <Progress />}
      {items?.length === 0 && (
        <Typography variant="body2">
          {toReview
            ? 'Nothing waiting for you in this campaign.'
            : 'No items match.'}
        </Typography>
      )}
      {!!items?.length && (
        <Table size="small" aria-label="campaign items">
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox">
                {props.active && (
                  <Checkbox
                    inputProps={{ 'aria-label': 'select all' }}
                    disabled={!selectable.length}
                    checked={
                      !!selectable.length &&
                      selectable.every(i => selected.has(i.id))
                    }
                    onChange={e =>
                      setSelected(
                        new Set(
                          e.target.checked ? selectable.map(i => i.id) : [],
                        ),
                      )
                    }
                  />
                )}
              </TableCell>
              <TableCell>Identity</TableCell>
              <TableCell>Owner</TableCell>
              <TableCell>Risk</TableCell>
              <TableCell>Reviewer</TableCell>
              <TableCell>State</TableCell>
              {props.active && <TableCell>Decide</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map(item => {
              const refused = decidable(item) ? undefined : reason(item);
              return (
                <TableRow key={item.id} aria-label={item.title}>
                  <TableCell padding="checkbox">
                    {props.active && (
                      <Checkbox
                        inputProps={{ 'aria-label': `select ${item.title}` }}
                        disabled={!!refused || item.decisionSeq > 0}
                        checked={selected.has(item.id)}
                        onChange={() => toggle(item.id)}
                      />
                    )}
                  </TableCell>
                  <TableCell>
                    <Link to={identityPath(item.entityRef)}>{item.title}</Link>
                    <Typography variant="caption" display="block">
                      {item.type} · {item.provider}
                      {item.account ? ` · ${item.account}` : ''}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    {item.owner ? (
                      <EntityRefLink
                        entityRef={item.owner}
                        defaultKind="group"
                      />
                    ) : (
                      'unowned'
                    )}
                  </TableCell>
                  <TableCell>
                    <RiskLevelChip
                      level={item.riskLevel as NhiRiskLevel | undefined}
                      score={item.riskScore}
                    />
                    {item.ruleIds.length > 0 && (
                      <Typography variant="caption" display="block">
                        {item.ruleIds.join(', ')}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <Reviewer item={item} />
                  </TableCell>
                  <TableCell>
                    <State item={item} />
                  </TableCell>
                  {props.active && (
                    <TableCell style={{ whiteSpace: 'nowrap' }}>
                      {(['certify', 'revoke', 'reduce'] as const).map(d => (
                        <Action
                          key={d}
                          label={ACTION_LABEL[d]}
                          disabledReason={
                            refused ??
                            (item.decision === d
                              ? `Already ${OUTCOME_LABEL[d]}`
                              : undefined)
                          }
                          onClick={() => decide(d, [item])}
                        />
                      ))}
                      <Action
                        label="Hand on"
                        disabledReason={
                          item.decisionSeq > 0 ? 'Decided already' : undefined
                        }
                        onClick={() => {
                          setDialogError(undefined);
                          setPending({ kind: 'reassign', items: [item] });
                        }}
                      />
                    </TableCell>
                  )}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {cursor && (
        <Box mt={1}>
          <Button size="small" disabled={loading} onClick={() => load(cursor)}>
            Show more
          </Button>
        </Box>
      )}
      {pending && (
        <ConfirmDialog
          pending={pending}
          busy={busy}
          error={dialogError}
          onCancel={() => setPending(undefined)}
          onSubmit={(text, to) => run(pending, text, to)}
        />
      )}
    </Box>
  );
}
