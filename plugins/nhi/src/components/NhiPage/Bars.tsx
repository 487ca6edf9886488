import { Link } from '@backstage/core-components';
import { Box, makeStyles, Typography } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  row: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: 6,
  },
  label: { width: 150, flexShrink: 0, fontSize: '0.85rem' },
  track: {
    flexGrow: 1,
    background: theme.palette.action.hover,
    borderRadius: 3,
    height: 16,
  },
  bar: { height: 16, borderRadius: 3, minWidth: 2 },
  count: { width: 64, textAlign: 'right', fontSize: '0.85rem' },
}));

/** A horizontal bar chart: one bar per value, each linking to the filtered inventory. */
export function Bars(props: {
  items: Array<{ label: string; count: number; color: string; link?: string }>;
  ariaLabel: string;
}) {
  const classes = useStyles();
  const max = Math.max(1, ...props.items.map(i => i.count));
  return (
    <Box role="list" aria-label={props.ariaLabel}>
      {props.items.map(item => (
        <div key={item.label} className={classes.row} role="listitem">
          <Typography className={classes.label}>
            {item.link ? <Link to={item.link}>{item.label}</Link> : item.label}
          </Typography>
          <div className={classes.track}>
            <div
              className={classes.bar}
              style={{
                width: `${(100 * item.count) / max}%`,
                background: item.color,
              }}
            />
          </div>
          <Typography className={classes.count}>
            {item.count.toLocaleString()}
          </Typography>
        </div>
      ))}
    </Box>
  );
}
