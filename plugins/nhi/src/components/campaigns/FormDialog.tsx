import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import { ReactNode } from 'react';

/**
 * The dialogs of access reviews: a form with a title, the backend's refusal
 * under its fields, Cancel and the submit button (enabled when `ready`).
 * Enter submits; Escape cancels.
 */
export function FormDialog(props: {
  id: string;
  title: string;
  submitLabel: string;
  ready: boolean;
  error?: string;
  maxWidth?: 'sm' | 'md';
  onCancel(): void;
  onSubmit(): void;
  children: ReactNode;
}) {
  return (
    <Dialog
      open
      onClose={props.onCancel}
      aria-labelledby={props.id}
      fullWidth
      maxWidth={props.maxWidth ?? 'sm'}
    >
      <form
        onSubmit={e => {
          e.preventDefault();
          if (props.ready) props.onSubmit();
        }}
      >
        <DialogTitle id={props.id}>{props.title}</DialogTitle>
        <DialogContent>
          {props.children}
          {props.error && (
            <Typography color="error" role="alert">
              {props.error}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onCancel}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={!props.ready}
          >
            {props.submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
