import { NhiRiskLevel, NhiRotationStatus } from '@backstage-nhi/nhi-common';
import { Chip, makeStyles, Tooltip } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  critical: {
    backgroundColor: theme.palette.error.dark,
    color: theme.palette.error.contrastText,
  },
  high: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  medium: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  low: {
    backgroundColor: theme.palette.info.light,
    color: theme.palette.info.contrastText,
  },
  none: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
  neutral: {},
}));

/** A coloured chip for a risk level. */
export function RiskLevelChip(props: { level?: NhiRiskLevel; score?: number }) {
  const classes = useStyles();
  const level = props.level ?? 'none';
  return (
    <Chip
      size="small"
      className={classes[level]}
      label={props.score !== undefined ? `${level} · ${props.score}` : level}
      aria-label={`risk ${level}`}
    />
  );
}

const ROTATION_CLASS: Record<
  string,
  'critical' | 'high' | 'medium' | 'low' | 'none' | 'neutral'
> = {
  expired: 'critical',
  overdue: 'high',
  'never-rotated': 'high',
  'no-expiry': 'medium',
  'due-soon': 'medium',
  ok: 'none',
  inactive: 'neutral',
  'not-applicable': 'neutral',
};

const ROTATION_HELP: Record<string, string> = {
  expired: 'Its expiry has passed',
  overdue: 'Last rotated longer ago than its policy allows',
  'never-rotated': 'Older than its policy allows and never rotated',
  'no-expiry': 'Judged by expiry, but it has none',
  'due-soon': 'Due for rotation or expiry soon',
  ok: 'Within its rotation policy',
  inactive: 'Not usable; nothing to rotate',
  'not-applicable': 'No active credentials',
};

/** A coloured chip for a rotation status, with what it means on hover. */
export function RotationChip(props: {
  status?: NhiRotationStatus | 'not-applicable';
}) {
  const classes = useStyles();
  const status = props.status ?? 'not-applicable';
  return (
    <Tooltip title={ROTATION_HELP[status] ?? status}>
      <Chip
        size="small"
        className={classes[ROTATION_CLASS[status] ?? 'neutral']}
        label={status}
      />
    </Tooltip>
  );
}
