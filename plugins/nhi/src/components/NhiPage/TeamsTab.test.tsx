import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { CheckResult } from '@backstage-community/plugin-tech-insights-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import { renderNhi } from '../../__testUtils__/render';
import { NhiPage } from './NhiPage';

function LocationProbe() {
  const location = useLocation();
  return <output aria-label="location">{location.search}</output>;
}

const group = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [] },
});

/** One check result carrying the facts it judged. */
function check(
  name: string,
  passed: boolean,
  facts: Record<string, number> = {},
): CheckResult {
  return {
    check: {
      id: `nhi-group-${name.toLowerCase().replace(/\W+/g, '-')}`,
      type: 'json-rules-engine',
      name,
      description: name,
      factIds: Object.keys(facts),
    },
    result: passed,
    facts: Object.fromEntries(
      Object.entries(facts).map(([id, value]) => [
        id,
        { id, type: 'integer' as const, description: id, value },
      ]),
    ),
  };
}

/** The graded checks of a team, with their measures. */
function graded(m: {
  coverage: number;
  within: number;
  dormant: number;
  critical: number;
}) {
  return [
    check('Ownership coverage at least 90%', m.coverage >= 90, {
      ownershipCoverage: m.coverage,
    }),
    check('Credentials within rotation policy', m.within >= 90, {
      credentialsWithinPolicy: m.within,
    }),
    check('Dormant identities at most 10%', m.dormant <= 10, {
      dormantShare: m.dormant,
    }),
    check('At most 1 critical per 100', m.critical <= 1, {
      criticalPer100: m.critical,
    }),
  ];
}

const RESULTS = [
  {
    entity: 'group:default/web',
    results: [
      ...graded({ coverage: 98.5, within: 95, dormant: 2, critical: 0.5 }),
      check('No leaked credentials', true, { leaked: 0 }),
    ],
  },
  {
    entity: 'group:default/platform',
    results: [
      ...graded({ coverage: 91, within: 70, dormant: 4, critical: 0 }),
      check('No leaked credentials', true, { leaked: 0 }),
    ],
  },
  {
    entity: 'group:default/payments',
    results: [
      ...graded({ coverage: 62, within: 40, dormant: 30, critical: 3 }),
      check('No leaked credentials', true, { leaked: 0 }),
    ],
  },
  {
    entity: 'group:default/data',
    results: [
      ...graded({ coverage: 95, within: 92, dormant: 3, critical: 0.8 }),
      check('No leaked credentials', false, { leaked: 1 }),
    ],
  },
  // owns nothing, and its services use nothing unowned: no results
  { entity: 'group:default/guests', results: [] },
  {
    entity: 'group:default/legacy',
    results: [],
    error: { message: 'Entity not found' },
  },
];

function teamsCatalog() {
  return catalogApiMock.mock({
    getEntities: jest.fn(async () => ({
      items: ['web', 'platform', 'payments', 'data', 'guests', 'legacy'].map(
        group,
      ),
    })) as any,
    getEntityFacets: jest.fn(async (request: any) => ({
      facets: Object.fromEntries(
        (request.facets as string[]).map(f => [
          f,
          f === 'relations.ownedBy'
            ? [
                // The catalog may not keep the ref's case.
                { value: 'group:default/Payments', count: 12 },
                { value: 'group:default/data', count: 3 },
                { value: 'group:default/platform', count: 9 },
                { value: 'group:default/web', count: 400 },
              ]
            : [],
        ]),
      ),
    })) as any,
    queryEntities: jest.fn(async () => ({
      items: [],
      totalItems: 0,
      pageInfo: {},
    })) as any,
  });
}

async function renderTeams(options: Parameters<typeof renderNhi>[1] = {}) {
  return renderNhi(
    <>
      <NhiPage />
      <LocationProbe />
    </>,
    {
      catalogApi: teamsCatalog(),
      scorecardsApi: {
        run: jest.fn(async () => []),
        runMany: jest.fn(async () => RESULTS),
      },
      ...options,
      routeEntries: ['/nhi?tab=teams'],
    },
  );
}

function rowOf(ref: string) {
  return screen
    .getAllByTestId('team-rank-row')
    .find(r => r.getAttribute('data-entity-ref') === ref)!;
}

describe('NhiPage teams tab', () => {
  it('ranks teams by failing graded checks, then by how far they are from the bar, the ones with nothing to grade last', async () => {
    const { catalogApi, scorecardsApi } = await renderTeams();
    expect(
      await screen.findByRole('table', { name: 'teams by NHI hygiene' }),
    ).toBeInTheDocument();
    expect(
      screen
        .getAllByTestId('team-rank-row')
        .map(r => r.getAttribute('data-entity-ref')),
    ).toEqual([
      // four failing
      'group:default/payments',
      // one failing each: more criticals per 100 first
      'group:default/data',
      'group:default/platform',
      // none failing: web has 0.5 critical per 100, legacy no measures
      // (its run failed)
      'group:default/web',
      'group:default/legacy',
      // nothing to grade
      'group:default/guests',
    ]);

    // One bulk check run for all teams, and one facet query for the counts.
    expect(catalogApi.getEntities).toHaveBeenCalledWith({
      filter: { kind: 'Group', 'spec.type': 'team' },
      fields: ['kind', 'metadata.name', 'metadata.namespace'],
    });
    expect(scorecardsApi.runMany).toHaveBeenCalledTimes(1);
    expect(scorecardsApi.runMany).toHaveBeenCalledWith(
      [
        'group:default/web',
        'group:default/platform',
        'group:default/payments',
        'group:default/data',
        'group:default/guests',
        'group:default/legacy',
      ],
      'nhi-group-',
    );
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith({
      filter: { kind: 'NonHumanIdentity' },
      facets: ['relations.ownedBy'],
    });
  });

  it('shows each team’s failing checks and measures, and links its identities to the inventory', async () => {
    await renderTeams();
    await screen.findByRole('table', { name: 'teams by NHI hygiene' });

    const payments = rowOf('group:default/payments');
    expect(
      within(payments).getByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/group/payments');
    const cells = within(payments).getAllByRole('cell');
    expect(cells[0]).toHaveTextContent(/^1$/);
    expect(cells[2]).toHaveTextContent(
      'Ownership coverage at least 90%Credentials within rotation policyDormant identities at most 10%At most 1 critical per 100',
    );
    expect(cells[2]).not.toHaveTextContent('No leaked credentials');
    // identities, coverage, within policy, dormant, critical per 100, leaked
    expect(cells.slice(3).map(c => c.textContent)).toEqual([
      '12',
      '62%',
      '40%',
      '30%',
      '3',
      '0',
    ]);
    expect(within(cells[3]).getByRole('link')).toHaveAttribute(
      'href',
      '/nhi?tab=inventory&owner=group%3Adefault%2Fpayments',
    );

    // 400 identities, within the bar on every measure: passes
    const web = rowOf('group:default/web');
    expect(within(web).getByText('all 5 pass')).toBeInTheDocument();
    expect(within(web).getAllByRole('cell')[4]).toHaveTextContent('98.5%');

    // no identities: said so, not "all pass", and no measures
    const guests = rowOf('group:default/guests');
    expect(
      within(guests).getByText('no identities: nothing to grade'),
    ).toBeInTheDocument();
    expect(within(guests).queryByText(/pass/)).not.toBeInTheDocument();
    expect(
      within(guests)
        .getAllByRole('cell')
        .slice(3)
        .map(c => c.textContent),
    ).toEqual(['0', '–', '–', '–', '–', '–']);

    expect(
      within(rowOf('group:default/legacy')).getByText('Entity not found'),
    ).toBeInTheDocument();
    expect(
      within(rowOf('group:default/legacy')).queryByText(
        /pass|nothing to grade/,
      ),
    ).not.toBeInTheDocument();
  });

  it('opens the inventory of a team’s identities', async () => {
    const { catalogApi } = await renderTeams();
    await screen.findByRole('table', { name: 'teams by NHI hygiene' });
    await userEvent.click(
      within(rowOf('group:default/data')).getByRole('link', { name: '3' }),
    );
    expect(screen.getByLabelText('location')).toHaveTextContent(
      '?tab=inventory&owner=group%3Adefault%2Fdata',
    );
    await waitFor(() =>
      expect(catalogApi.queryEntities).toHaveBeenCalledWith(
        expect.objectContaining({
          filter: {
            kind: 'NonHumanIdentity',
            'relations.ownedBy': 'group:default/data',
          },
        }),
      ),
    );
  });

  it('says when there are no scorecard results yet', async () => {
    await renderTeams({
      scorecardsApi: {
        run: jest.fn(async () => []),
        runMany: jest.fn(async () => []),
      },
    });
    expect(
      await screen.findByText(/No scorecard results yet/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows progress while the checks run', async () => {
    await renderTeams({
      scorecardsApi: {
        run: jest.fn(async () => []),
        runMany: jest.fn(() => new Promise<never>(() => {})),
      },
    });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(
      screen.queryByText(/No scorecard results yet/),
    ).not.toBeInTheDocument();
  });

  it('shows the error when the checks cannot run', async () => {
    await renderTeams({
      scorecardsApi: {
        run: jest.fn(async () => []),
        runMany: jest.fn(async () => {
          throw new Error('Tech Insights is unavailable');
        }),
      },
    });
    expect(
      (await screen.findAllByText(/Tech Insights is unavailable/))[0],
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
