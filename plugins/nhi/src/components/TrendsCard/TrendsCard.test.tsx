import { screen, within } from '@testing-library/react';
import {
  NhiTrendPoint,
  NhiTrends as Trends,
} from '@backstage-nhi/plugin-nhi-common';
import { mockNhiApi } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { describeTrend, NhiTrends, NhiTrendsCard } from './TrendsCard';

function point(day: string, p: Partial<NhiTrendPoint> = {}): NhiTrendPoint {
  return {
    day,
    identities: 100,
    owned: 62,
    ownershipCoverage: 62,
    critical: 10,
    high: 0,
    medium: 0,
    low: 0,
    pastRotation: 20,
    dormant: 5,
    ...p,
  };
}

const answer = (owner: string, points: NhiTrendPoint[]) =>
  ({
    ready: true as const,
    from: '2026-11-06',
    series: [{ owner, points }],
  } as { ready: true } & Trends);

/** The rows of the trends list: label and change. */
function rows() {
  return within(screen.getByRole('list', { name: 'trends' }))
    .getAllByRole('listitem')
    .map(r => [
      r.firstElementChild?.textContent,
      within(r).getByTestId('trend-change').textContent,
    ]);
}

describe('NhiTrends', () => {
  it('shows how each headline figure of the inventory moved over 30 days, with a chart', async () => {
    const getTrends = jest.fn(async () =>
      answer('all', [
        point('2026-11-06'),
        point('2026-11-20', { ownershipCoverage: 70.5, critical: 12 }),
        point('2026-12-06', {
          ownershipCoverage: 81.25,
          owned: 81,
          critical: 4,
          pastRotation: 20,
          dormant: 9,
          identities: 1200,
        }),
      ]),
    );
    await renderNhi(<NhiTrendsCard />, { nhiApi: mockNhiApi({ getTrends }) });
    expect(await screen.findByText('Trends, last 30 days')).toBeInTheDocument();
    expect(rows()).toEqual([
      ['Ownership coverage', '62% → 81% in 30 days'],
      ['Critical', '10 → 4 in 30 days'],
      ['Past rotation', '20 → 20 in 30 days'],
      ['Dormant', '5 → 9 in 30 days'],
      ['Identities', '100 → 1,200 in 30 days'],
    ]);
    expect(getTrends).toHaveBeenCalledWith({ owners: ['all'], days: 30 });
    // one chart per measure, named for what it draws, green when it went
    // the better way, red when the worse, grey when flat or neither
    expect(
      screen.getByTitle('Ownership coverage over 30 days'),
    ).toBeInTheDocument();
    const lines = [...document.querySelectorAll('svg polyline')].filter(l =>
      l.getAttribute('style')?.includes('fill: none'),
    );
    expect(
      lines.map(l => l.getAttribute('style')?.match(/stroke: (#\w+)/)?.[1]),
    ).toEqual(['#4caf50', '#4caf50', '#9e9e9e', '#f44336', '#9e9e9e']);
  });

  it('reads the series of a team', async () => {
    const getTrends = jest.fn(async () =>
      answer('group:default/Payments', [
        point('2026-12-05', { ownershipCoverage: 90 }),
        point('2026-12-06', { ownershipCoverage: 95 }),
      ]),
    );
    await renderNhi(<NhiTrends owner="group:default/payments" days={7} />, {
      nhiApi: mockNhiApi({ getTrends }),
    });
    expect(await screen.findByText('90% → 95% in 1 day')).toBeInTheDocument();
    expect(getTrends).toHaveBeenCalledWith({
      owners: ['group:default/payments'],
      days: 7,
    });
  });

  it('says when there is no snapshot yet', async () => {
    await renderNhi(<NhiTrends />, {
      nhiApi: mockNhiApi({ getTrends: async () => answer('all', []) }),
    });
    expect(
      await screen.findByText(
        /No trend yet: the figures are snapshotted once a day/,
      ),
    ).toBeInTheDocument();
  });

  it('says why trends are not available', async () => {
    await renderNhi(<NhiTrends />, {
      nhiApi: mockNhiApi({
        getTrends: async () => ({ ready: false, reason: 'still reading aws' }),
      }),
    });
    expect(
      await screen.findByText(
        'Trends are not available yet: still reading aws',
      ),
    ).toBeInTheDocument();
  });
});

describe('describeTrend', () => {
  it('gives the one value of a first snapshot', () => {
    expect(
      describeTrend([point('2026-12-06')], {
        value: p => p.ownershipCoverage,
        percent: true,
      }),
    ).toBe('62% (first snapshot 2026-12-06)');
  });
});
