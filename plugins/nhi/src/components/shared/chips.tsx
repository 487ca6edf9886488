import {
  NhiRiskLevel,
  NhiRotationStatus,
} from '@backstage-nhi/plugin-nhi-common';
import { Chip, makeStyles, Theme, Tooltip } from '@material-ui/core';

const LEVEL_PALETTE: Record<
  NhiRiskLevel,
  ['error' | 'warning' | 'info' | 'success', 'dark' | 'main' | 'light']
> = {
  critical: ['error', 'dark'],
  high: ['error', 'main'],
  medium: ['warning', 'main'],
  low: ['info', 'light'],
  none: ['success', 'main'],
};

/**
 * The colours of a risk level in the theme, the same on its chip and in the
 * charts: the background, and the text to write on it.
 */
export function riskLevelColor(
  theme: Theme,
  level: NhiRiskLevel,
): { background: string; text: string } {
  const [name, shade] = LEVEL_PALETTE[level];
  const color = theme.palette[name];
  return { background: color[shade], text: color.contrastText };
}

const levelClass = (theme: Theme, level: NhiRiskLevel) => {
  const { background, text } = riskLevelColor(theme, level);
  return { backgroundColor: background, color: text };
};

const useStyles = makeStyles(theme => ({
  critical: levelClass(theme, 'critical'),
  high: levelClass(theme, 'high'),
  medium: levelClass(theme, 'medium'),
  low: levelClass(theme, 'low'),
  none: levelClass(theme, 'none'),
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

type RotationStatus = NhiRotationStatus | 'not-applicable';

const ROTATION_CLASS: Record<RotationStatus, NhiRiskLevel | 'neutral'> = {
  expired: 'critical',
  overdue: 'high',
  'never-rotated': 'high',
  'no-expiry': 'medium',
  'due-soon': 'medium',
  ok: 'none',
  inactive: 'neutral',
  'not-applicable': 'neutral',
};

const ROTATION_HELP: Record<RotationStatus, string> = {
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
export function RotationChip(props: { status?: RotationStatus }) {
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
