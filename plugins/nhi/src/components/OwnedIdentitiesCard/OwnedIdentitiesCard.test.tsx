import { EntityProvider, catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { Entity } from '@backstage/catalog-model';
import { nhiApiRef } from '../../api';
import { mockNhiApi } from '../../__testUtils__/fixtures';
import { OwnedIdentitiesCard } from './OwnedIdentitiesCard';

const group = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

type Facet = Array<{ value: string; count: number }>;

function render(
  facets: Facet,
  levels: Facet = [],
  rotation: Facet = [],
  owner: Entity = group,
) {
  const nhiApi = mockNhiApi({
    getTrends: async () => ({
      ready: true as const,
      from: '2026-11-06',
      series: [
        {
          owner: 'group:default/payments',
          points: [
            { day: '2026-11-06', ownershipCoverage: 62 },
            { day: '2026-12-06', ownershipCoverage: 81 },
          ].map(p => ({
            ...p,
            identities: 42,
            owned: 42,
            critical: 2,
            high: 0,
            medium: 0,
            low: 0,
            pastRotation: 6,
            dormant: 0,
          })),
        },
      ],
    }),
  });
  const catalogApi = catalogApiMock.mock({
    getEntityFacets: jest.fn(async () => ({
      facets: {
        'spec.category': facets,
        'spec.risk.level': levels,
        'spec.rotation.status': rotation,
      },
    })),
  });
  return {
    catalogApi,
    nhiApi,
    rendered: renderInTestApp(
      <TestApiProvider
        apis={[
          [catalogApiRef, catalogApi],
          [nhiApiRef, nhiApi],
        ]}
      >
        <EntityProvider entity={owner}>
          <OwnedIdentitiesCard />
        </EntityProvider>
      </TestApiProvider>,
    ),
  };
}

describe('OwnedIdentitiesCard', () => {
  it('counts the identities the team owns, by category, from one facet query', async () => {
    const { catalogApi, rendered } = render(
      [
        { value: 'api-key', count: 12 },
        { value: 'service-account', count: 30 },
      ],
      [
        { value: 'critical', count: 2 },
        { value: 'none', count: 40 },
      ],
      [
        { value: 'overdue', count: 3 },
        { value: 'never-rotated', count: 1 },
        { value: 'expired', count: 2 },
        { value: 'due-soon', count: 1 },
        { value: 'ok', count: 35 },
      ],
    );
    await rendered;
    expect(await screen.findByText('42')).toBeInTheDocument();
    expect(screen.getByText('identities owned')).toBeInTheDocument();
    expect(screen.getByText('Service account').parentElement).toHaveTextContent(
      '30 Service account',
    );
    expect(
      screen.getByText('API key or token').parentElement,
    ).toHaveTextContent('12 API key or token');
    expect(screen.queryByText('AI agent')).not.toBeInTheDocument();
    expect(screen.getByLabelText('2 critical risk')).toBeInTheDocument();
    expect(screen.getByText('6 past rotation policy')).toBeInTheDocument();
    expect(catalogApi.getEntityFacets).toHaveBeenCalledTimes(1);
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith({
      filter: {
        kind: 'NonHumanIdentity',
        'relations.ownedBy': 'group:default/payments',
      },
      facets: ['spec.category', 'spec.risk.level', 'spec.rotation.status'],
    });
    expect(screen.getByText('42').closest('a')).toHaveAttribute(
      'href',
      '/catalog?filters%5Bkind%5D=nonhumanidentity&filters%5Bowners%5D=group%3Adefault%2Fpayments&filters%5Buser%5D=all',
    );
  });

  it('shows the team’s trend over the last 30 days', async () => {
    const { nhiApi, rendered } = render([{ value: 'api-key', count: 42 }]);
    await rendered;
    expect(await screen.findByText('Trend, last 30 days')).toBeInTheDocument();
    expect(await screen.findByText('62% → 81% in 30 days')).toBeInTheDocument();
    expect(nhiApi.getTrends).toHaveBeenCalledWith({
      owners: ['group:default/payments'],
      days: 30,
    });
  });

  it('has no trend for a user, whose figures are not snapshotted', async () => {
    const user = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: 'amir.karimi', namespace: 'default' },
      spec: {},
    };
    const { nhiApi, rendered } = render(
      [{ value: 'api-key', count: 1 }],
      [],
      [],
      user,
    );
    await rendered;
    expect(await screen.findByText('identity owned')).toBeInTheDocument();
    expect(screen.queryByText(/Trend/)).not.toBeInTheDocument();
    expect(nhiApi.getTrends).not.toHaveBeenCalled();
  });

  it('explains how identities get owners when there are none', async () => {
    await render([]).rendered;
    expect(
      await screen.findByText(/No non-human identities are owned here yet/),
    ).toBeInTheDocument();
  });
});
