import { InfoCard, Progress } from '@backstage/core-components';
import {
  alertApiRef,
  identityApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  DAY,
  NHI_TEXT_LIMITS,
  NhiException,
  NhiExceptionPolicy,
  NhiFinding,
  nhiFindings,
  nhiRuleById,
  NonHumanIdentityEntity,
  OWASP_NHI_TOP_10,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
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
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { nhiApiRef } from '../../api';
import { day, PersonRef, RiskLevelChip, useIdentityDetail } from '../shared';
import {
  ActionDialog,
  ActionLog,
  suggestActions,
  SuggestedAction,
  useRemediation,
} from './RemediationActions';

/** The UTC date `days` days from now, as the date field shows it. */
function dateIn(days: number, now = Date.now()): string {
  return new Date(now + days * DAY).toISOString().slice(0, 10);
}

/**
 * Accept a finding until a date, or — for an owner and a finding whose
 * severity needs a reviewer — ask for its acceptance. The date field keeps
 * to the longest exception the backend allows for the finding's severity.
 */
function AcceptDialog(props: {
  finding: NhiFinding;
  entityRef: string;
  policy?: NhiExceptionPolicy;
  onClose(changed: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const { finding, policy } = props;
  const maxDays = policy?.maxDays[finding.severity];
  const needsReview =
    !!policy &&
    policy.reviewRequired.includes(finding.severity) &&
    !policy.reviewer;
  const [opened] = useState(() => Date.now());
  const earliest = dateIn(1, opened);
  const latest = maxDays ? dateIn(maxDays, opened) : undefined;
  const [until, setUntil] = useState(() =>
    dateIn(Math.min(30, maxDays ?? 30), opened),
  );
  const [justification, setJustification] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const rule = nhiRuleById(finding.ruleId);
  const title = rule?.title ?? finding.ruleId;
  let dateProblem: string | undefined;
  if (!until) dateProblem = 'Pick a date';
  else if (until < earliest) dateProblem = 'The date must be in the future';
  else if (latest && until > latest) {
    dateProblem = `At most ${maxDays} days for a ${finding.severity} finding: ${latest} at the latest`;
  }
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // the end of the chosen day, but never past the backend's limit
      let end = Date.parse(`${until}T23:59:59Z`);
      if (maxDays) end = Math.min(end, Date.now() + maxDays * DAY - 60_000);
      const result = await nhiApi.createException({
        entityRef: props.entityRef,
        ruleId: finding.ruleId,
        justification: justification.trim(),
        until: new Date(end).toISOString(),
      });
      alertApi.post({
        message:
          result.status === 'requested'
            ? `Acceptance of ${finding.ruleId} until ${until} requested; a reviewer decides.`
            : `${finding.ruleId} accepted until ${until}`,
        severity: 'success',
        display: 'transient',
      });
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
      onClose={() => props.onClose(false)}
      aria-labelledby="nhi-accept-title"
      fullWidth
    >
      <DialogTitle id="nhi-accept-title">
        {needsReview ? `Request acceptance of “${title}”` : `Accept “${title}”`}
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2" paragraph>
          {needsReview
            ? `This is a ${finding.severity} finding: a reviewer approves or rejects its acceptance, and it keeps counting towards the risk until then. Once approved, it stays listed as accepted and stops counting until the date below.`
            : 'The finding stays listed as accepted and stops counting towards the risk until the date below.'}{' '}
          It is recorded in the audit trail.
        </Typography>
        <TextField
          id="nhi-accept-justification"
          label="Why is this risk acceptable?"
          multiline
          minRows={3}
          fullWidth
          required
          value={justification}
          onChange={e => setJustification(e.target.value)}
          helperText={`At least ${NHI_TEXT_LIMITS.justification.min} characters`}
          margin="normal"
        />
        <TextField
          id="nhi-accept-until"
          label="Accepted until"
          type="date"
          value={until}
          onChange={e => setUntil(e.target.value)}
          InputLabelProps={{ shrink: true }}
          inputProps={{ min: earliest, ...(latest ? { max: latest } : {}) }}
          error={!!dateProblem}
          helperText={
            dateProblem ??
            (maxDays
              ? `At most ${maxDays} days for a ${finding.severity} finding`
              : undefined)
          }
          margin="normal"
        />
        {error && (
          <Typography color="error" role="alert">
            {error}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => props.onClose(false)}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={
            busy ||
            justification.trim().length < NHI_TEXT_LIMITS.justification.min ||
            !!dateProblem
          }
          onClick={submit}
        >
          {needsReview ? 'Send request' : 'Accept risk'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Reject a request to accept a finding, with the reason its author reads. */
function RejectRequestDialog(props: {
  exception: NhiException;
  onClose(rejected: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <Dialog
      open
      onClose={() => props.onClose(false)}
      aria-labelledby="nhi-reject-request-title"
      fullWidth
    >
      <form
        onSubmit={async e => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            await nhiApi.rejectException(props.exception.id, comment.trim());
            props.onClose(true);
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <DialogTitle id="nhi-reject-request-title">
          Reject the request to accept {props.exception.ruleId}
        </DialogTitle>
        <DialogContent>
          <TextField
            id="nhi-reject-request-comment"
            label="Why? The requester reads this."
            multiline
            minRows={2}
            fullWidth
            required
            value={comment}
            onChange={e => setComment(e.target.value)}
          />
          {error && (
            <Typography color="error" role="alert">
              {error}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => props.onClose(false)}>Cancel</Button>
          <Button
            type="submit"
            color="secondary"
            variant="contained"
            disabled={
              busy || comment.trim().length < NHI_TEXT_LIMITS.reason.min
            }
          >
            Reject
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/**
 * Why an identity is risky: its score and level, and each finding with its
 * severity, OWASP NHI Top 10 risk, evidence and what to do. Owners accept a
 * medium or low finding until a date and ask a reviewer to accept a high or
 * critical one; reviewers see the requests and decide them. A finding that
 * cannot be accepted (a leaked credential) is not offered.
 */
export function RiskCard() {
  const { entity } = useEntity<NonHumanIdentityEntity>();
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const identityApi = useApi(identityApiRef);
  const entityRef = stringifyEntityRef(entity);
  // the evidence is the identity's detail; the catalog has the rule ids
  const detail = useIdentityDetail(entity);
  const risk = detail.spec.risk;
  const findings = nhiFindings(risk);
  const [accepting, setAccepting] = useState<NhiFinding>();
  const [rejecting, setRejecting] = useState<NhiException>();
  const [busy, setBusy] = useState<string>();
  const policy = useAsync(() => nhiApi.getExceptionPolicy(), [nhiApi]);
  // remediation: the actions the identity's source offers, and its log
  const remediation = useRemediation(entityRef);
  const [acting, setActing] = useState<SuggestedAction>();
  const me = useAsync(
    async () => (await identityApi.getBackstageIdentity()).userEntityRef,
    [identityApi],
  );
  const exceptions = useAsyncRetry(
    () =>
      nhiApi.listExceptions({
        entityRef,
        status: ['requested', 'active'],
        limit: 100,
      }),
    [entityRef],
  );
  const items = exceptions.value?.items ?? [];
  const accepted = items.filter(e => e.status === 'active');
  const requests = items.filter(e => e.status === 'requested');

  const act = async (
    id: string,
    fn: () => Promise<unknown>,
    message: string,
  ) => {
    setBusy(id);
    try {
      await fn();
      alertApi.post({ message, severity: 'success', display: 'transient' });
      exceptions.retry();
    } catch (err) {
      alertApi.post({ message: (err as Error).message, severity: 'error' });
    } finally {
      setBusy(undefined);
    }
  };

  const action = (f: NhiFinding) => {
    if (f.accepted) {
      return (
        <Typography variant="caption">
          accepted until {day(f.accepted.until)} by {f.accepted.by}
        </Typography>
      );
    }
    if (policy.value?.notAcceptable.includes(f.ruleId)) {
      return (
        <Typography variant="caption">cannot be accepted: rotate it</Typography>
      );
    }
    if (requests.some(r => r.ruleId === f.ruleId)) {
      return <Typography variant="caption">acceptance requested</Typography>;
    }
    const needsReview =
      !!policy.value &&
      policy.value.reviewRequired.includes(f.severity) &&
      !policy.value.reviewer;
    return (
      <Button
        size="small"
        disabled={policy.loading}
        onClick={() => setAccepting(f)}
      >
        {needsReview ? 'Request acceptance' : 'Accept'}
      </Button>
    );
  };

  if (!risk) {
    return (
      <InfoCard title="Risk">
        <Typography variant="body2">
          This identity has not been evaluated yet.
        </Typography>
      </InfoCard>
    );
  }
  return (
    <InfoCard
      title="Risk"
      subheader={
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <RiskLevelChip level={risk.level} score={risk.score} />
          <Typography variant="body2" color="textSecondary">
            {findings.length === 0
              ? 'no findings'
              : `${risk.findings.length} open finding(s)${
                  risk.accepted?.length
                    ? `, ${risk.accepted.length} accepted`
                    : ''
                }`}
          </Typography>
        </Box>
      }
      deepLink={{ title: 'All rules', link: '/nhi?tab=rules' }}
    >
      {detail.loading && <Progress />}
      {detail.error && (
        <Typography color="error" role="alert">
          The evidence could not be loaded: {detail.error.message}
        </Typography>
      )}
      {findings.length === 0 ? (
        <Typography variant="body2">
          Nothing wrong found with this identity.
        </Typography>
      ) : (
        <Table size="small" aria-label="findings">
          <TableHead>
            <TableRow>
              <TableCell>Severity</TableCell>
              <TableCell>Finding</TableCell>
              <TableCell>Evidence</TableCell>
              <TableCell>What to do</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {findings.map(f => {
              const rule = nhiRuleById(f.ruleId);
              return (
                <TableRow key={f.ruleId}>
                  <TableCell>
                    <RiskLevelChip level={f.severity} />
                  </TableCell>
                  <TableCell>
                    <Typography variant="body2">
                      <strong>{rule?.title ?? f.ruleId}</strong>
                    </Typography>
                    <Typography variant="caption" color="textSecondary">
                      {f.ruleId} · {f.owasp} {OWASP_NHI_TOP_10[f.owasp] ?? ''}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Typography
                      variant="body2"
                      style={{ wordBreak: 'break-word' }}
                    >
                      {f.evidence}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Typography variant="body2">{rule?.remediation}</Typography>
                  </TableCell>
                  <TableCell>
                    {action(f)}
                    {suggestActions(
                      f,
                      detail.spec,
                      remediation.offered.value ?? [],
                    ).map(s => (
                      <Button
                        key={s.key}
                        size="small"
                        color="primary"
                        variant="outlined"
                        style={{ marginTop: 4, display: 'block' }}
                        onClick={() => setActing(s)}
                      >
                        {s.label}
                      </Button>
                    ))}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {exceptions.loading && <Progress />}
      {exceptions.error && (
        <Typography color="error" role="alert">
          Accepted risks could not be loaded: {exceptions.error.message}
        </Typography>
      )}
      {policy.error && (
        <Typography color="error" role="alert">
          What may be accepted could not be loaded: {policy.error.message}
        </Typography>
      )}
      {!!requests.length && (
        <Box mt={2}>
          <Typography variant="subtitle2">Requests to accept</Typography>
          {requests.map(e => (
            <Box
              key={e.id}
              display="flex"
              alignItems="center"
              flexWrap="wrap"
              style={{ gap: 8 }}
            >
              <Typography variant="body2">
                {e.ruleId}
                {e.severity ? ` (${e.severity})` : ''} until {day(e.until)} — “
                {e.justification}” (<PersonRef entityRef={e.createdBy} />)
              </Typography>
              {e.review?.allowed ? (
                <>
                  <Button
                    size="small"
                    color="primary"
                    disabled={busy === e.id}
                    onClick={() =>
                      act(
                        e.id,
                        () => nhiApi.approveException(e.id),
                        `${e.ruleId} accepted until ${day(e.until)}`,
                      )
                    }
                  >
                    Approve
                  </Button>
                  <Button
                    size="small"
                    disabled={busy === e.id}
                    onClick={() => setRejecting(e)}
                  >
                    Reject
                  </Button>
                </>
              ) : (
                <Typography variant="caption" color="textSecondary">
                  {e.createdBy === me.value
                    ? 'waiting for a reviewer'
                    : e.review?.reason ?? 'waiting for a reviewer'}
                </Typography>
              )}
              {e.createdBy === me.value && (
                <Button
                  size="small"
                  disabled={busy === e.id}
                  onClick={() =>
                    act(
                      e.id,
                      () => nhiApi.revokeException(e.id),
                      'Request withdrawn.',
                    )
                  }
                >
                  Withdraw
                </Button>
              )}
            </Box>
          ))}
        </Box>
      )}
      {!!accepted.length && (
        <Box mt={2}>
          <Typography variant="subtitle2">Accepted risks</Typography>
          {accepted.map(e => (
            <Box
              key={e.id}
              display="flex"
              alignItems="center"
              style={{ gap: 8 }}
            >
              <Typography variant="body2">
                {e.ruleId} until {day(e.until)} — “{e.justification}” (
                <PersonRef entityRef={e.createdBy} />)
              </Typography>
              <Button
                size="small"
                disabled={busy === e.id}
                onClick={async () => {
                  setBusy(e.id);
                  try {
                    await nhiApi.revokeException(e.id);
                    exceptions.retry();
                  } catch (err) {
                    alertApi.post({
                      message: (err as Error).message,
                      severity: 'error',
                    });
                  } finally {
                    setBusy(undefined);
                  }
                }}
              >
                Revoke
              </Button>
            </Box>
          ))}
          <Typography variant="caption" color="textSecondary">
            The identity is re-evaluated within seconds of a change.
          </Typography>
        </Box>
      )}
      <ActionLog
        requests={remediation.log.value ?? []}
        me={me.value}
        onChanged={() => remediation.log.retry()}
      />
      {acting && (
        <ActionDialog
          entityRef={entityRef}
          suggestion={acting}
          onClose={ran => {
            setActing(undefined);
            if (ran) remediation.log.retry();
          }}
        />
      )}
      {accepting && (
        <AcceptDialog
          finding={accepting}
          entityRef={entityRef}
          policy={policy.value}
          onClose={changed => {
            setAccepting(undefined);
            if (changed) exceptions.retry();
          }}
        />
      )}
      {rejecting && (
        <RejectRequestDialog
          exception={rejecting}
          onClose={rejected => {
            setRejecting(undefined);
            if (rejected) {
              alertApi.post({
                message: 'Request rejected.',
                severity: 'success',
                display: 'transient',
              });
              exceptions.retry();
            }
          }}
        />
      )}
    </InfoCard>
  );
}
