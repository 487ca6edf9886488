import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { NhiClaim } from '@backstage-nhi/nhi-common';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List,
  ListItem,
  ListItemText,
  TextField,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { nhiApiRef } from '../../api';
import { relative } from './format';

function RejectDialog(props: {
  claim: NhiClaim;
  onClose(done: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  return (
    <Dialog
      open
      onClose={() => props.onClose(false)}
      aria-labelledby="nhi-reject-title"
      fullWidth
    >
      <form
        onSubmit={async e => {
          e.preventDefault();
          try {
            await nhiApi.rejectClaim(props.claim.id, comment.trim());
            props.onClose(true);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <DialogTitle id="nhi-reject-title">
          Reject the claim of {props.claim.group}
        </DialogTitle>
        <DialogContent>
          <TextField
            id="nhi-reject-comment"
            label="Why? The claimant reads this."
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
            disabled={comment.trim().length < 3}
          >
            Reject
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/**
 * Claims with review actions in place: approve and reject for those the
 * user may review (disabled with the reason otherwise), withdraw for their
 * own open claims.
 */
export function ClaimList(props: {
  claims: NhiClaim[];
  currentUser?: string;
  showIdentity?: boolean;
  onChange(): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const [rejecting, setRejecting] = useState<NhiClaim>();
  const [busy, setBusy] = useState<string>();

  const act = async (
    id: string,
    fn: () => Promise<unknown>,
    message: string,
  ) => {
    setBusy(id);
    try {
      await fn();
      alertApi.post({ message, severity: 'success', display: 'transient' });
      props.onChange();
    } catch (e) {
      alertApi.post({ message: (e as Error).message, severity: 'error' });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <List dense disablePadding>
        {props.claims.map(claim => {
          const review = claim.review;
          const mine = claim.createdBy === props.currentUser;
          return (
            <ListItem key={claim.id} divider alignItems="flex-start">
              <ListItemText
                primary={
                  <>
                    <strong>
                      {claim.kind === 'transfer'
                        ? 'Transfer to '
                        : 'Claim for '}
                    </strong>
                    <EntityRefLink
                      entityRef={claim.group}
                      defaultKind="group"
                    />
                    {props.showIdentity && (
                      <>
                        {' · '}
                        <EntityRefLink entityRef={claim.entityRef} />
                      </>
                    )}
                    {` · ${claim.status}`}
                  </>
                }
                secondary={
                  <>
                    “{claim.justification}” — {claim.createdBy},{' '}
                    {relative(claim.createdAt)}
                    {claim.decidedBy && claim.status !== 'open'
                      ? ` · ${claim.status} by ${claim.decidedBy}${
                          claim.comment ? `: “${claim.comment}”` : ''
                        }`
                      : ''}
                    {claim.closedReason ? ` · ${claim.closedReason}` : ''}
                  </>
                }
              />
              {claim.status === 'open' && (
                <Box display="flex" style={{ gap: 8 }} ml={2} flexShrink={0}>
                  <Tooltip
                    title={
                      review?.allowed
                        ? ''
                        : review?.reason ?? 'You cannot review this claim'
                    }
                  >
                    <span>
                      <Button
                        size="small"
                        color="primary"
                        variant="contained"
                        disabled={!review?.allowed || busy === claim.id}
                        onClick={() =>
                          act(
                            claim.id,
                            () => nhiApi.approveClaim(claim.id),
                            `Approved: ${claim.group} owns it now.`,
                          )
                        }
                      >
                        Approve
                      </Button>
                    </span>
                  </Tooltip>
                  <Tooltip
                    title={
                      review?.allowed
                        ? ''
                        : review?.reason ?? 'You cannot review this claim'
                    }
                  >
                    <span>
                      <Button
                        size="small"
                        disabled={!review?.allowed || busy === claim.id}
                        onClick={() => setRejecting(claim)}
                      >
                        Reject
                      </Button>
                    </span>
                  </Tooltip>
                  {mine && (
                    <Button
                      size="small"
                      disabled={busy === claim.id}
                      onClick={() =>
                        act(
                          claim.id,
                          () => nhiApi.withdrawClaim(claim.id),
                          'Claim withdrawn.',
                        )
                      }
                    >
                      Withdraw
                    </Button>
                  )}
                </Box>
              )}
            </ListItem>
          );
        })}
      </List>
      {rejecting && (
        <RejectDialog
          claim={rejecting}
          onClose={done => {
            setRejecting(undefined);
            if (done) {
              alertApi.post({
                message: 'Claim rejected.',
                severity: 'success',
                display: 'transient',
              });
              props.onChange();
            }
          }}
        />
      )}
    </>
  );
}
