import { InfoCard, Progress, TrendLine } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { NHI_TREND_ALL, NhiTrendPoint } from '@backstage-nhi/plugin-nhi-common';
import { makeStyles, Typography, useTheme } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { nhiApiRef } from '../../api';

/** A headline figure of the daily snapshots, and which way is better. */
type Measure = {
  label: string;
  value: (p: NhiTrendPoint) => number;
  percent?: boolean;
  /** Which way is better; none for the number of identities. */
  better?: 'up' | 'down';
};

const MEASURES: Measure[] = [
  {
    label: 'Ownership coverage',
    value: p => p.ownershipCoverage,
    percent: true,
    better: 'up',
  },
  { label: 'Critical', value: p => p.critical, better: 'down' },
  { label: 'Past rotation', value: p => p.pastRotation, better: 'down' },
  { label: 'Dormant', value: p => p.dormant, better: 'down' },
  { label: 'Identities', value: p => p.identities },
];

const DAY = 24 * 60 * 60 * 1000;

function show(v: number, percent?: boolean) {
  return percent ? `${Math.round(v)}%` : v.toLocaleString('en-US');
}

/**
 * "62% → 81% in 30 days", or the one value of a first snapshot: the change
 * of a measure between the first and the last point.
 */
export function describeTrend(
  points: NhiTrendPoint[],
  measure: Pick<Measure, 'value' | 'percent'>,
): string {
  const first = points[0];
  const last = points[points.length - 1];
  const now = show(measure.value(last), measure.percent);
  if (points.length < 2) return `${now} (first snapshot ${last.day})`;
  const days = Math.round((Date.parse(last.day) - Date.parse(first.day)) / DAY);
  return `${show(measure.value(first), measure.percent)} → ${now} in ${days} ${
    days === 1 ? 'day' : 'days'
  }`;
}

const useStyles = makeStyles(theme => ({
  row: {
    display: 'grid',
    gridTemplateColumns: '140px 1fr 110px',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  spark: { height: 28, overflow: 'hidden' },
}));

/**
 * The trends of the headline figures of the whole inventory
 * (`owner` `"all"`, the default) or of one team, from the daily snapshots
 * (`NhiApi.getTrends`): each measure's change over the last `days` days and
 * a small chart of it, green when it went the better way.
 */
export function NhiTrends(props: { owner?: string; days?: number }) {
  const { owner = NHI_TREND_ALL, days = 30 } = props;
  const nhiApi = useApi(nhiApiRef);
  const theme = useTheme();
  const classes = useStyles();
  const { value, loading, error } = useAsync(
    () => nhiApi.getTrends({ owners: [owner], days }),
    [nhiApi, owner, days],
  );
  if (loading) return <Progress />;
  if (error) {
    return (
      <Typography variant="body2" color="textSecondary">
        Trends are not available: {error.message}
      </Typography>
    );
  }
  if (!value) return null;
  if (!value.ready) {
    return (
      <Typography variant="body2" color="textSecondary">
        Trends are not available yet: {value.reason}
      </Typography>
    );
  }
  const points =
    value.series.find(s => s.owner.toLowerCase() === owner.toLowerCase())
      ?.points ?? [];
  if (points.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No trend yet: the figures are snapshotted once a day.
      </Typography>
    );
  }
  return (
    <div role="list" aria-label="trends">
      {MEASURES.map(m => {
        const series = points.map(m.value);
        const delta = series[series.length - 1] - series[0];
        let color: string = theme.palette.grey[500];
        if (delta !== 0 && m.better) {
          color =
            delta > 0 === (m.better === 'up')
              ? theme.palette.success.main
              : theme.palette.error.main;
        }
        return (
          <div key={m.label} role="listitem" className={classes.row}>
            <Typography variant="body2">{m.label}</Typography>
            <Typography variant="body2" data-testid="trend-change">
              {describeTrend(points, m)}
            </Typography>
            <div className={classes.spark}>
              {series.length > 1 && (
                <TrendLine
                  data={series}
                  // its own scale: TrendLine's default is 0–1
                  min={Math.min(...series)}
                  max={Math.max(Math.min(...series) + 1, ...series)}
                  color={color}
                  title={`${m.label} over ${days} days`}
                />
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}

/** {@link NhiTrends} in a card, for the NHI page's overview. */
export function NhiTrendsCard(props: { owner?: string; days?: number }) {
  const days = props.days ?? 30;
  return (
    <InfoCard title={`Trends, last ${days} days`}>
      <NhiTrends {...props} days={days} />
    </InfoCard>
  );
}
