import { InfoCard, Progress } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  NhiFinding,
  nhiFindings,
  nhiRuleById,
  NonHumanIdentityEntity,
  OWASP_NHI_TOP_10,
} from '@backstage-nhi/nhi-common';
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
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { nhiApiRef } from '../../api';
import { RiskLevelChip } from '../shared';

function AcceptDialog(props: {
  finding: NhiFinding;
  entityRef: string;
  onClose(accepted: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const in30 = new Date(Date.now() + 30 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const [until, setUntil] = useState(in30);
  const [justification, setJustification] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const rule = nhiRuleById(props.finding.ruleId);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await nhiApi.createException({
        entityRef: props.entityRef,
        ruleId: props.finding.ruleId,
        justification,
        until: new Date(`${until}T23:59:59Z`).toISOString(),
      });
      alertApi.post({
        message: `${props.finding.ruleId} accepted until ${until}`,
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
        Accept “{rule?.title ?? props.finding.ruleId}”
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2" paragraph>
          The finding stays listed as accepted and stops counting towards the
          risk until the date below. It is recorded in the audit trail.
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
          helperText="At least 10 characters"
          margin="normal"
        />
        <TextField
          id="nhi-accept-until"
          label="Accepted until"
          type="date"
          value={until}
          onChange={e => setUntil(e.target.value)}
          InputLabelProps={{ shrink: true }}
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
          disabled={busy || justification.trim().length < 10 || !until}
          onClick={submit}
        >
          Accept risk
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * Why an identity is risky: its score and level, and each finding with its
 * severity, OWASP NHI Top 10 risk, evidence and what to do. Owners and
 * reviewers can accept a finding until a date.
 */
export function RiskCard() {
  const { entity } = useEntity<NonHumanIdentityEntity>();
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const entityRef = stringifyEntityRef(entity);
  const risk = entity.spec.risk;
  const findings = nhiFindings(risk);
  const [accepting, setAccepting] = useState<NhiFinding>();
  const exceptions = useAsyncRetry(
    () => nhiApi.listExceptions({ entityRef, active: true, limit: 100 }),
    [entityRef],
  );
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
                    {f.accepted ? (
                      <Typography variant="caption">
                        accepted until {f.accepted.until.slice(0, 10)} by{' '}
                        {f.accepted.by}
                      </Typography>
                    ) : (
                      <Button size="small" onClick={() => setAccepting(f)}>
                        Accept
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {exceptions.loading && <Progress />}
      {!!exceptions.value?.items.length && (
        <Box mt={2}>
          <Typography variant="subtitle2">Accepted risks</Typography>
          {exceptions.value.items.map(e => (
            <Box
              key={e.id}
              display="flex"
              alignItems="center"
              style={{ gap: 8 }}
            >
              <Typography variant="body2">
                {e.ruleId} until {e.until.slice(0, 10)} — “{e.justification}” (
                {e.createdBy})
              </Typography>
              <Button
                size="small"
                onClick={async () => {
                  try {
                    await nhiApi.revokeException(e.id);
                    exceptions.retry();
                  } catch (err) {
                    alertApi.post({
                      message: (err as Error).message,
                      severity: 'error',
                    });
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
      {accepting && (
        <AcceptDialog
          finding={accepting}
          entityRef={entityRef}
          onClose={accepted => {
            setAccepting(undefined);
            if (accepted) exceptions.retry();
          }}
        />
      )}
    </InfoCard>
  );
}
