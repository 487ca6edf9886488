import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  TextField,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { NHI_TEXT_LIMITS } from '@backstage-nhi/plugin-nhi-common';
import { nhiApiRef } from '../../api';

/**
 * Claim an identity for one of the user's teams, with a justification.
 * Keyboard usable: focus starts in the dialog, Escape closes, Enter in the
 * form submits when it is complete.
 */
export function ClaimDialog(props: {
  entityRef: string;
  title: string;
  groups: string[];
  currentOwner?: string;
  onClose(claimed: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const [group, setGroup] = useState(props.groups[0] ?? '');
  const [justification, setJustification] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ready =
    !!group &&
    justification.trim().length >= NHI_TEXT_LIMITS.justification.min &&
    !busy;

  const submit = async () => {
    if (!ready) return;
    setBusy(true);
    setError(undefined);
    try {
      const claim = await nhiApi.createClaim({
        entityRef: props.entityRef,
        group,
        justification: justification.trim(),
      });
      alertApi.post({
        message:
          claim.kind === 'transfer'
            ? `Transfer to ${group} requested; reviewers are notified.`
            : `Claim for ${group} sent; reviewers are notified.`,
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
      aria-labelledby="nhi-claim-title"
      fullWidth
      maxWidth="sm"
    >
      <form
        onSubmit={e => {
          e.preventDefault();
          submit();
        }}
      >
        <DialogTitle id="nhi-claim-title">Claim {props.title}</DialogTitle>
        <DialogContent>
          {props.currentOwner && (
            <Typography variant="body2" paragraph>
              It is owned by <EntityRefLink entityRef={props.currentOwner} />{' '}
              today: a lead of that team consents to the transfer to your team,
              or a security reviewer decides; both teams are told.
            </Typography>
          )}
          <FormControl component="fieldset" margin="normal">
            <FormLabel component="legend">For which of your teams?</FormLabel>
            <RadioGroup
              aria-label="team"
              name="team"
              value={group}
              onChange={e => setGroup(e.target.value)}
            >
              {props.groups.map(g => (
                <FormControlLabel
                  key={g}
                  value={g}
                  control={<Radio color="primary" />}
                  label={g.replace(/^group:default\//, '')}
                />
              ))}
            </RadioGroup>
          </FormControl>
          <TextField
            label="Why does this team own it?"
            placeholder="e.g. our billing worker uses it to read invoices from S3"
            multiline
            minRows={3}
            fullWidth
            required
            value={justification}
            onChange={e => setJustification(e.target.value)}
            helperText={`Reviewers read this. At least ${NHI_TEXT_LIMITS.justification.min} characters.`}
            margin="normal"
            inputProps={{ 'aria-label': 'justification' }}
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
            color="primary"
            variant="contained"
            disabled={!ready}
          >
            Send claim
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
