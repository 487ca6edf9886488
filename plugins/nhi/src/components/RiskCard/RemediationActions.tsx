import { Progress } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import {
  NHI_ACTION_IDS,
  NhiActionDescriptor,
  NhiActionPlan,
  NhiActionRequest,
  NhiFinding,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import { ReactNode, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiApiRef } from '../../api';
import { day, PersonRef } from '../shared';

/** A button a finding offers: an action with its input. */
export type SuggestedAction = {
  key: string;
  label: string;
  action: NhiActionDescriptor;
  input: Record<string, unknown>;
  /** Asks for tags before the dry run. */
  askTags?: boolean;
};

/** Findings about an access key a deactivation (or deletion) clears. */
const KEY_RULES = new Set([
  'NHI-DORMANT-CREDENTIAL',
  'NHI-NEVER-USED-CREDENTIAL',
  'NHI-CREDENTIAL-NOT-ROTATED',
  'NHI-DORMANT-IDENTITY',
  'NHI-TWO-ACTIVE-KEYS',
  'NHI-LEAKED-CREDENTIAL',
  'NHI-STATIC-CI-CREDENTIAL',
]);
const PASSWORD_RULES = new Set(['NHI-PASSWORD-AUTH', 'NHI-INTERACTIVE-LOGIN']);
const TAG_RULES = new Set([
  'NHI-NO-OWNER',
  'NHI-UNKNOWN-OWNER',
  'NHI-AGENT-CREATED-UNTAGGED',
  'NHI-NO-EXPIRY',
]);
const DISABLE_RULES = new Set([
  'NHI-AGENT-CREATED-EXPIRED',
  'NHI-AGENT-EXPIRED',
  'NHI-UNOWNED-PAST-GRACE',
]);

/**
 * The actions a finding suggests, reversible first: deactivate the keys it
 * is about (or delete the ones already inactive), remove a console password,
 * tag the owner or expiry, disable an expired agent identity.
 */
export function suggestActions(
  finding: NhiFinding,
  spec: NonHumanIdentitySpec,
  offered: NhiActionDescriptor[],
): SuggestedAction[] {
  const byId = new Map(offered.map(a => [a.id, a]));
  const out: SuggestedAction[] = [];
  if (KEY_RULES.has(finding.ruleId)) {
    const keys = (spec.credentials ?? []).filter(c => c.kind === 'access-key');
    // the keys the evidence names, else every key of the identity
    const named = keys.filter(k => finding.evidence?.includes(k.id));
    for (const key of named.length ? named : keys) {
      const deactivate = byId.get(NHI_ACTION_IDS.accessKeyDeactivate);
      const remove = byId.get(NHI_ACTION_IDS.accessKeyDelete);
      if (key.status === 'active' && deactivate) {
        out.push({
          key: `${deactivate.id}:${key.id}`,
          label: `Deactivate key ${key.id}`,
          action: deactivate,
          input: { accessKeyId: key.id },
        });
      } else if (key.status === 'inactive' && remove) {
        out.push({
          key: `${remove.id}:${key.id}`,
          label: `Delete inactive key ${key.id}`,
          action: remove,
          input: { accessKeyId: key.id },
        });
      }
    }
  }
  const password = byId.get(NHI_ACTION_IDS.loginProfileDelete);
  if (
    PASSWORD_RULES.has(finding.ruleId) &&
    password &&
    (spec.credentials ?? []).some(
      c => c.kind === 'password' && c.status === 'active',
    )
  ) {
    out.push({
      key: password.id,
      label: 'Remove console password',
      action: password,
      input: {},
    });
  }
  const tag = byId.get(NHI_ACTION_IDS.identityTag);
  if (TAG_RULES.has(finding.ruleId) && tag) {
    out.push({
      key: tag.id,
      label: 'Tag owner and expiry',
      action: tag,
      input: {},
      askTags: true,
    });
  }
  const disable = byId.get(NHI_ACTION_IDS.identityDisable);
  if (DISABLE_RULES.has(finding.ruleId) && disable) {
    out.push({
      key: disable.id,
      label: 'Disable identity',
      action: disable,
      input: {},
    });
  }
  return out;
}

/** What a plan changes, as a table a reviewer reads before confirming. */
export function PlanTable(props: { plan: NhiActionPlan }) {
  const { plan } = props;
  if (!plan.changes.length) {
    return (
      <Typography variant="body2">
        Nothing to change: the identity is already as this action would leave
        it.
      </Typography>
    );
  }
  return (
    <>
      <Table size="small" aria-label="what would change">
        <TableHead>
          <TableRow>
            <TableCell>Change</TableCell>
            <TableCell>Before</TableCell>
            <TableCell>After</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {plan.changes.map((c, i) => (
            <TableRow key={i}>
              <TableCell>
                <Typography variant="body2">{c.description}</Typography>
                <Typography variant="caption" color="textSecondary">
                  {c.operation} on {c.target}
                </Typography>
              </TableCell>
              <TableCell>{c.before ?? '—'}</TableCell>
              <TableCell>{c.after ?? '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {plan.warnings?.map(w => (
        <Typography key={w} variant="body2" color="error">
          {w}
        </Typography>
      ))}
    </>
  );
}

/**
 * An action's confirmation: its dry run (exactly what would change), a
 * required reason, then the run. Tags are asked for first when the action
 * needs them.
 */
export function ActionDialog(props: {
  entityRef: string;
  suggestion: SuggestedAction;
  onClose(ran: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const { suggestion, entityRef } = props;
  const [owner, setOwner] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const input = (): Record<string, unknown> => {
    if (!suggestion.askTags) return suggestion.input;
    const tags: Record<string, string> = {};
    if (owner.trim()) tags.owner = owner.trim();
    if (expiresAt) tags['expires-at'] = `${expiresAt}T00:00:00Z`;
    return { tags };
  };
  const [asked, setAsked] = useState(!suggestion.askTags);
  const plan = useAsyncRetry(async () => {
    if (!asked) return undefined;
    return (
      await nhiApi.dryRunAction(suggestion.action.id, {
        entityRef,
        input: input(),
      })
    ).plan;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [asked]);

  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await nhiApi.runAction(suggestion.action.id, {
        entityRef,
        input: input(),
        reason: reason.trim(),
      });
      let message = `${suggestion.action.title}: nothing to change.`;
      if (result.status === 'pending') {
        message = `${suggestion.action.title} waits for a second person to confirm it.`;
      } else if (result.status === 'succeeded') {
        message = `${suggestion.action.title}: done. The identity shows it after its source's next read, which has started.`;
      }
      alertApi.post({ message, severity: 'success', display: 'transient' });
      props.onClose(true);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      fullWidth
      maxWidth="md"
      onClose={() => props.onClose(false)}
      aria-labelledby="nhi-action-title"
    >
      <DialogTitle id="nhi-action-title">{suggestion.label}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" paragraph>
          {suggestion.action.description}
          {suggestion.action.requiresConfirmation &&
            ' A second person confirms it before it runs (the two-person rule).'}
        </Typography>
        {!asked ? (
          <>
            <TextField
              id="nhi-action-owner"
              label="Owner (team)"
              fullWidth
              value={owner}
              onChange={e => setOwner(e.target.value)}
              margin="normal"
            />
            <TextField
              id="nhi-action-expires"
              label="Expires at"
              type="date"
              InputLabelProps={{ shrink: true }}
              value={expiresAt}
              onChange={e => setExpiresAt(e.target.value)}
              margin="normal"
            />
          </>
        ) : (
          <>
            <Typography variant="subtitle2">
              Dry run: what would change
            </Typography>
            {plan.loading && <Progress />}
            {plan.error && (
              <Typography color="error" role="alert">
                {plan.error.message}
              </Typography>
            )}
            {plan.value && <PlanTable plan={plan.value} />}
            {plan.value?.changes.length ? (
              <TextField
                id="nhi-action-reason"
                label="Why? (kept in the action log and told to the owner)"
                multiline
                minRows={2}
                fullWidth
                required
                value={reason}
                onChange={e => setReason(e.target.value)}
                margin="normal"
              />
            ) : null}
          </>
        )}
        {error && (
          <Typography color="error" role="alert">
            {error}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => props.onClose(false)}>Cancel</Button>
        {!asked ? (
          <Button
            color="primary"
            variant="contained"
            disabled={!owner.trim() && !expiresAt}
            onClick={() => setAsked(true)}
          >
            Preview
          </Button>
        ) : (
          <Button
            color="primary"
            variant="contained"
            disabled={
              busy || !plan.value?.changes.length || reason.trim().length < 3
            }
            onClick={run}
          >
            {suggestion.action.requiresConfirmation
              ? 'Ask for confirmation'
              : 'Confirm'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

const STATUS_LABEL: Record<NhiActionRequest['status'], string> = {
  pending: 'waiting for a second person',
  running: 'running',
  succeeded: 'done',
  failed: 'failed',
  rejected: 'rejected',
};

/**
 * The identity's action log: what was done, by whom and why, and the
 * requests waiting for a second person, which anyone but the requester may
 * confirm or reject (the backend checks `nhi.action.confirm`).
 */
export function ActionLog(props: {
  requests: NhiActionRequest[];
  me?: string;
  onChanged(): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const [busy, setBusy] = useState<string>();
  const [rejecting, setRejecting] = useState<NhiActionRequest>();
  const [comment, setComment] = useState('');
  if (!props.requests.length) return null;
  const act = async (id: string, fn: () => Promise<unknown>, ok: string) => {
    setBusy(id);
    try {
      await fn();
      alertApi.post({ message: ok, severity: 'success', display: 'transient' });
      props.onChanged();
    } catch (e) {
      alertApi.post({ message: (e as Error).message, severity: 'error' });
    } finally {
      setBusy(undefined);
    }
  };
  const line = (r: NhiActionRequest): ReactNode => {
    const changes = (r.result ?? r.plan).changes;
    return (
      <>
        <strong>{r.action}</strong>{' '}
        {changes.length
          ? changes.map(c => c.target).join(', ')
          : 'nothing to change'}{' '}
        — “{r.reason}” (<PersonRef entityRef={r.requestedBy} />,{' '}
        {day(r.requestedAt)}
        {r.decidedBy && (
          <>
            {`; ${r.status === 'rejected' ? 'rejected' : 'confirmed'} by `}
            <PersonRef entityRef={r.decidedBy} />
          </>
        )}
        {r.comment ? `: “${r.comment}”` : ''}){r.error ? ` — ${r.error}` : ''}
      </>
    );
  };
  return (
    <Box mt={2}>
      <Typography variant="subtitle2">Actions</Typography>
      {props.requests.slice(0, 10).map(r => (
        <Box
          key={r.id}
          display="flex"
          alignItems="center"
          flexWrap="wrap"
          style={{ gap: 8 }}
          data-testid={`nhi-action-${r.id}`}
        >
          <Chip
            size="small"
            label={STATUS_LABEL[r.status]}
            color={r.status === 'failed' ? 'secondary' : 'default'}
          />
          <Typography variant="body2">{line(r)}</Typography>
          {r.status === 'pending' && r.requestedBy !== props.me && (
            <>
              <Button
                size="small"
                color="primary"
                disabled={busy === r.id}
                onClick={() =>
                  act(
                    r.id,
                    () => nhiApi.confirmActionRequest(r.id),
                    `${r.action} confirmed and run.`,
                  )
                }
              >
                Confirm and run
              </Button>
              <Button
                size="small"
                disabled={busy === r.id}
                onClick={() => setRejecting(r)}
              >
                Reject
              </Button>
            </>
          )}
        </Box>
      ))}
      {rejecting && (
        <Dialog
          open
          fullWidth
          onClose={() => setRejecting(undefined)}
          aria-labelledby="nhi-action-reject-title"
        >
          <DialogTitle id="nhi-action-reject-title">
            Reject {rejecting.action}
          </DialogTitle>
          <DialogContent>
            <PlanTable plan={rejecting.plan} />
            <TextField
              id="nhi-action-reject-comment"
              label="Why? The requester reads this."
              multiline
              minRows={2}
              fullWidth
              required
              value={comment}
              onChange={e => setComment(e.target.value)}
              margin="normal"
            />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setRejecting(undefined)}>Cancel</Button>
            <Button
              color="secondary"
              variant="contained"
              disabled={comment.trim().length < 3 || busy === rejecting.id}
              onClick={async () => {
                const r = rejecting;
                setRejecting(undefined);
                await act(
                  r.id,
                  () => nhiApi.rejectActionRequest(r.id, comment.trim()),
                  `${r.action} rejected.`,
                );
                setComment('');
              }}
            >
              Reject
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Box>
  );
}

/**
 * The actions an identity's source offers and its action log, for the risk
 * card. Someone without `nhi.action.read` (a 403) simply gets no buttons.
 */
export function useRemediation(entityRef: string) {
  const nhiApi = useApi(nhiApiRef);
  const offered = useAsyncRetry(async () => {
    try {
      return (await nhiApi.listActions({ entityRef })).items;
    } catch (e) {
      const status = (e as { response?: { status?: number } }).response?.status;
      // not allowed, or a hand-written identity: no actions to offer
      if (status === 403 || status === 400 || status === 404) return [];
      throw e;
    }
  }, [entityRef]);
  const log = useAsyncRetry(async () => {
    try {
      return (await nhiApi.listActionRequests({ entityRef })).items;
    } catch (e) {
      const status = (e as { response?: { status?: number } }).response?.status;
      if (status === 403 || status === 404) return [];
      throw e;
    }
  }, [entityRef]);
  return { offered, log };
}
