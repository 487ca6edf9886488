import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import { daysAgo, mockNhiApi } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { NhiPage } from './NhiPage';

type Facets = Record<string, Record<string, number>>;

const OVERVIEW_FACETS = [
  'spec.category',
  'spec.risk.level',
  'spec.ownership.status',
  'spec.rotation.status',
  'spec.provider',
];

function LocationProbe() {
  const location = useLocation();
  return <output aria-label="location">{location.search}</output>;
}

function facetsResponse(facets: Facets, requested: string[]) {
  return {
    facets: Object.fromEntries(
      requested.map(facet => [
        facet,
        Object.entries(facets[facet] ?? {}).map(([value, count]) => ({
          value,
          count,
        })),
      ]),
    ),
  };
}

function overviewCatalog(facets: Facets) {
  return catalogApiMock.mock({
    getEntityFacets: jest.fn(async (request: any) =>
      facetsResponse(facets, request.facets),
    ) as any,
    queryEntities: jest.fn(async () => ({
      items: [],
      totalItems: 0,
      pageInfo: {},
    })) as any,
  });
}

const FACETS: Facets = {
  'spec.category': { 'service-account': 5, 'api-key': 2, 'ai-agent': 1 },
  'spec.ownership.status': { owned: 6, unowned: 2 },
  'spec.risk.level': { critical: 1, high: 2, low: 1, none: 4 },
  'spec.rotation.status': { expired: 1, overdue: 2, ok: 5 },
  'spec.provider': { aws: 6, github: 2 },
};

/** label → count, from one bar chart. */
function bars(name: string) {
  const list = screen.getByRole('list', { name });
  return Object.fromEntries(
    within(list)
      .getAllByRole('listitem')
      .map(item => [
        item.firstElementChild!.textContent,
        item.lastElementChild!.textContent,
      ]),
  );
}

function bar(name: string, label: string) {
  const list = screen.getByRole('list', { name });
  return within(list)
    .getByText(label)
    .closest<HTMLElement>('[role="listitem"]')!;
}

async function renderOverview(catalogApi: ReturnType<typeof overviewCatalog>) {
  return renderNhi(
    <>
      <NhiPage />
      <LocationProbe />
    </>,
    { catalogApi, routeEntries: ['/nhi?tab=overview'] },
  );
}

describe('NhiPage overview tab', () => {
  it('shows ownership coverage from one facet query', async () => {
    const catalogApi = overviewCatalog(FACETS);
    await renderOverview(catalogApi);

    expect(
      await screen.findByLabelText('ownership coverage'),
    ).toHaveTextContent('75%');
    expect(screen.getByText(/identities have an owner/)).toHaveTextContent(
      '6 of 8 identities have an owner; 2 do not.',
    );
    expect(catalogApi.getEntityFacets).toHaveBeenCalledTimes(1);
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith({
      filter: { kind: 'NonHumanIdentity' },
      facets: OVERVIEW_FACETS,
    });
  });

  it('charts identities by risk level, category and rotation status, every bar linking to the filtered inventory', async () => {
    await renderOverview(overviewCatalog(FACETS));
    await screen.findByLabelText('ownership coverage');

    expect(bars('identities by risk level')).toEqual({
      critical: '1',
      high: '2',
      medium: '0',
      low: '1',
      none: '4',
    });
    expect(bars('identities by category')).toEqual({
      'Service account': '5',
      'API key or token': '2',
      'Machine certificate': '0',
      'Bot or automation': '0',
      'AI agent': '1',
    });
    expect(bars('identities by rotation status')).toEqual({
      expired: '1',
      overdue: '2',
      'never-rotated': '0',
      'no-expiry': '0',
      'due-soon': '0',
      ok: '5',
      'not-applicable': '0',
    });

    // Bars are scaled to the largest value.
    const high = bar('identities by risk level', 'high');
    expect(high.querySelector('[style]')).toHaveStyle({ width: '50%' });
    const none = bar('identities by risk level', 'none');
    expect(none.querySelector('[style]')).toHaveStyle({ width: '100%' });

    expect(
      within(bar('identities by risk level', 'critical')).getByRole('link'),
    ).toHaveAttribute('href', '/nhi?tab=inventory&level=critical');
    expect(
      within(bar('identities by category', 'AI agent')).getByRole('link'),
    ).toHaveAttribute('href', '/nhi?tab=inventory&category=ai-agent');
    expect(
      within(bar('identities by rotation status', 'expired')).getByRole('link'),
    ).toHaveAttribute('href', '/nhi?tab=inventory&rotation=expired');
  });

  it('opens the inventory filtered by the bar that was clicked', async () => {
    const catalogApi = overviewCatalog(FACETS);
    await renderOverview(catalogApi);
    await screen.findByLabelText('ownership coverage');

    await userEvent.click(
      within(bar('identities by risk level', 'critical')).getByRole('link'),
    );
    expect(screen.getByRole('tab', { name: 'Inventory' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(screen.getByLabelText('location')).toHaveTextContent(
      '?tab=inventory&level=critical',
    );
    await waitFor(() =>
      expect(catalogApi.queryEntities).toHaveBeenCalledWith(
        expect.objectContaining({
          filter: { kind: 'NonHumanIdentity', 'spec.risk.level': 'critical' },
          offset: 0,
        }),
      ),
    );
  });

  it('shows how the whole inventory’s figures moved over 30 days', async () => {
    const point = (day: string, ownershipCoverage: number) => ({
      day,
      identities: 8,
      owned: 6,
      ownershipCoverage,
      critical: 1,
      high: 0,
      medium: 0,
      low: 0,
      pastRotation: 2,
      dormant: 1,
    });
    const nhiApi = mockNhiApi({
      getTrends: jest.fn(async () => ({
        ready: true as const,
        from: '2026-11-06',
        series: [
          {
            owner: 'all',
            points: [point('2026-11-06', 62.5), point('2026-12-06', 75)],
          },
        ],
      })),
    });
    await renderNhi(<NhiPage />, {
      catalogApi: overviewCatalog(FACETS),
      nhiApi,
      routeEntries: ['/nhi'],
    });
    expect(await screen.findByText('Trends, last 30 days')).toBeInTheDocument();
    expect(await screen.findByText('63% → 75% in 30 days')).toBeInTheDocument();
    expect(nhiApi.getTrends).toHaveBeenCalledWith({
      owners: ['all'],
      days: 30,
    });
  });

  it('shows the identity sources below the charts', async () => {
    const nhiApi = mockNhiApi({
      listSources: jest.fn(async () => ({
        items: [
          {
            type: 'aws',
            id: 'production',
            key: 'aws:production',
            lastRun: {
              status: 'succeeded' as const,
              startedAt: daysAgo(2),
              finishedAt: daysAgo(2),
              counts: { entities: 812, changed: 4, removed: 1 },
              errors: [],
            },
          },
        ],
      })),
    });
    await renderNhi(<NhiPage />, {
      catalogApi: overviewCatalog(FACETS),
      nhiApi,
      routeEntries: ['/nhi'],
    });
    const sources = await screen.findByRole('table', {
      name: 'identity sources',
    });
    expect(
      within(sources).getByText('aws:production').closest('tr'),
    ).toHaveTextContent('aws:production2 days agosucceeded8124 / 1none');
  });

  it('says how identities get in when there are none, and keeps the sources', async () => {
    await renderOverview(overviewCatalog({}));
    expect(
      await screen.findByText('No non-human identities in the catalog yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/configured under nhi.sources/),
    ).toBeInTheDocument();
    // no charts of nothing, no "100% coverage" of zero identities
    expect(
      screen.queryByLabelText('ownership coverage'),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByLabelText('identities by risk level'),
    ).not.toBeInTheDocument();
    expect(
      await screen.findByText(/No identity sources are configured/),
    ).toBeInTheDocument();
  });

  it('shows progress while the facets load', async () => {
    let resolve: (value: unknown) => void = () => {};
    const catalogApi = overviewCatalog(FACETS);
    (catalogApi.getEntityFacets as jest.Mock).mockImplementation(
      () => new Promise(r => (resolve = r)),
    );
    await renderOverview(catalogApi);
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.queryByText('Ownership coverage')).not.toBeInTheDocument();

    resolve(facetsResponse(FACETS, OVERVIEW_FACETS));
    expect(
      await screen.findByLabelText('ownership coverage'),
    ).toHaveTextContent('75%');
  });

  it('shows the error when the facets cannot be loaded', async () => {
    const catalogApi = overviewCatalog(FACETS);
    (catalogApi.getEntityFacets as jest.Mock).mockRejectedValue(
      new Error('Catalog is unavailable'),
    );
    await renderOverview(catalogApi);
    expect(
      (await screen.findAllByText(/Catalog is unavailable/))[0],
    ).toBeInTheDocument();
    expect(screen.queryByText('Ownership coverage')).not.toBeInTheDocument();
  });
});

describe('NhiPage overview tab on the inventory summary', () => {
  it('draws the charts from the summary’s counts without a catalog facet query', async () => {
    const catalogApi = overviewCatalog({});
    const nhiApi = mockNhiApi({
      getInventoryFacets: async (_filters, requested) => ({
        ready: true,
        totalCount: 8,
        facets: facetsResponse(FACETS, [...requested]).facets,
      }),
    });
    await renderNhi(<NhiPage />, {
      catalogApi,
      nhiApi,
      routeEntries: ['/nhi?tab=overview'],
    });
    expect(
      await screen.findByLabelText('ownership coverage'),
    ).toHaveTextContent('75%');
    expect(bars('identities by risk level')).toMatchObject({
      critical: '1',
      high: '2',
      none: '4',
    });
    expect(nhiApi.getInventoryFacets).toHaveBeenCalledWith({}, OVERVIEW_FACETS);
    expect(catalogApi.getEntityFacets).not.toHaveBeenCalled();
  });
});
