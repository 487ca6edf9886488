import { PersonRef } from './PersonRef';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { NHI_TEXT_LIMITS, NhiClaim } from '@backstage-nhi/plugin-nhi-common';
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

/**
 * A decision that needs a reason: rejecting a claim, or approving a
 * transfer the current owner has not consented to.
 */
function DecisionDialog(props: {
  claim: NhiClaim;
  action: 'approve' | 'reject';
  onClose(done: boolean): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const approve = props.action === 'approve';
  return (
    <Dialog
      open
      onClose={() => props.onClose(false)}
      aria-labelledby="nhi-decision-title"
      fullWidth
    >
      <form
        onSubmit={async e => {
          e.preventDefault();
          try {
            if (approve) {
              await nhiApi.approveClaim(props.claim.id, comment.trim());
            } else {
              await nhiApi.rejectClaim(props.claim.id, comment.trim());
            }
            props.onClose(true);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <DialogTitle id="nhi-decision-title">
          {approve
            ? `Approve the transfer to ${props.claim.group}`
            : `Reject the claim of ${props.claim.group}`}
        </DialogTitle>
        <DialogContent>
          {approve && (
            <Typography variant="body2" paragraph>
              {props.claim.fromGroup ?? 'Its owner'} has not consented: as a
              reviewer you decide in its place, and both teams read why.
            </Typography>
          )}
          <TextField
            id="nhi-decision-comment"
            label={
              approve
                ? 'Why? Both teams read this.'
                : 'Why? The claimant reads this.'
            }
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
            color={approve ? 'primary' : 'secondary'}
            variant="contained"
            disabled={comment.trim().length < NHI_TEXT_LIMITS.reason.min}
          >
            {approve ? 'Approve' : 'Reject'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/**
 * Claims with review actions in place: approve and reject for those the
 * user may review (disabled with the reason otherwise; approving asks for
 * the reason when the backend needs one — a transfer without the owner's
 * consent), withdraw for their own open claims.
 */
export function ClaimList(props: {
  claims: NhiClaim[];
  currentUser?: string;
  showIdentity?: boolean;
  onChange(): void;
}) {
  const nhiApi = useApi(nhiApiRef);
  const alertApi = useApi(alertApiRef);
  const [deciding, setDeciding] = useState<{
    claim: NhiClaim;
    action: 'approve' | 'reject';
  }>();
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
          // why the user may not approve or reject it, on both buttons
          const whyNot = review?.allowed
            ? ''
            : review?.reason ?? 'You cannot review this claim';
          return (
            <ListItem key={claim.id} divider alignItems="flex-start">
              <ListItemText
                primary={
                  <>
                    {claim.kind === 'transfer' && claim.fromGroup && (
                      <>
                        <strong>Transfer from </strong>
                        <EntityRefLink
                          entityRef={claim.fromGroup}
                          defaultKind="group"
                        />
                        <strong> to </strong>
                      </>
                    )}
                    {!(claim.kind === 'transfer' && claim.fromGroup) && (
                      <strong>
                        {claim.kind === 'transfer'
                          ? 'Transfer to '
                          : 'Claim for '}
                      </strong>
                    )}
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
                    “{claim.justification}” —{' '}
                    <PersonRef entityRef={claim.createdBy} />,{' '}
                    {relative(claim.createdAt)}
                    {claim.decidedBy && claim.status !== 'open' && (
                      <>
                        {` · ${claim.status} by `}
                        <PersonRef entityRef={claim.decidedBy} />
                        {claim.comment ? `: “${claim.comment}”` : ''}
                      </>
                    )}
                    {claim.closedReason ? ` · ${claim.closedReason}` : ''}
                  </>
                }
              />
              {claim.status === 'open' && (
                <Box display="flex" style={{ gap: 8 }} ml={2} flexShrink={0}>
                  <Tooltip title={whyNot}>
                    <span>
                      <Button
                        size="small"
                        color="primary"
                        variant="contained"
                        disabled={!review?.allowed || busy === claim.id}
                        onClick={() =>
                          review?.commentRequired
                            ? setDeciding({ claim, action: 'approve' })
                            : act(
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
                  <Tooltip title={whyNot}>
                    <span>
                      <Button
                        size="small"
                        disabled={!review?.allowed || busy === claim.id}
                        onClick={() => setDeciding({ claim, action: 'reject' })}
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
      {deciding && (
        <DecisionDialog
          claim={deciding.claim}
          action={deciding.action}
          onClose={done => {
            setDeciding(undefined);
            if (done) {
              alertApi.post({
                message:
                  deciding.action === 'approve'
                    ? `Approved: ${deciding.claim.group} owns it now.`
                    : 'Claim rejected.',
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
