import '@testing-library/jest-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryEntitiesResponse } from '@backstage/catalog-client';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  deferred,
  entityPage,
  nhiEntity,
  serviceEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { UsedIdentitiesCard } from './UsedIdentitiesCard';

const SERVICE_REF = 'component:default/billing-worker';
const FILTER = { kind: 'NonHumanIdentity', 'spec.usedBy': SERVICE_REF };

const deployer = nhiEntity({
  name: 'ci-deployer',
  title: 'CI deployer',
  spec: {
    risk: {
      score: 87,
      level: 'critical',
      findings: [{ ruleId: 'NHI-ADMIN', evidence: 'seen' }],
    },
    rotation: { status: 'overdue' },
  },
});
const reader = nhiEntity({
  name: 'billing-db-reader',
  spec: {
    type: 'iam-role',
    risk: { score: 0, level: 'none', findings: [] },
    rotation: { status: 'ok' },
  },
});
const exporter = nhiEntity({
  name: 'ledger-exporter',
  spec: {
    type: 'iam-user',
    risk: { score: 40, level: 'high', findings: [] },
    rotation: { status: 'never-rotated' },
  },
});

const facets = {
  facets: {
    'spec.risk.level': [
      { value: 'critical', count: 1 },
      { value: 'high', count: 2 },
      { value: 'none', count: 4 },
    ],
    'spec.rotation.status': [
      { value: 'overdue', count: 2 },
      { value: 'never-rotated', count: 1 },
      { value: 'ok', count: 4 },
    ],
  },
};

function catalog(
  queryEntities: (...args: any[]) => Promise<QueryEntitiesResponse>,
) {
  return catalogApiMock.mock({
    queryEntities: jest.fn(queryEntities),
    getEntityFacets: jest.fn(async () => facets),
  });
}

/** The identity column of the table, as text. */
function identities() {
  const table = screen.getByRole('table', { name: 'identities used' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map(row => within(row).getAllByRole('cell')[0].textContent);
}

function rowOf(name: string) {
  return screen.getByRole('link', { name }).closest('tr') as HTMLElement;
}

describe('UsedIdentitiesCard', () => {
  it('lists the identities the service uses with type, risk, rotation and links', async () => {
    const catalogApi = catalog(async () =>
      entityPage([deployer, reader], {}, 7),
    );
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi,
    });

    expect(
      await screen.findByText(
        '7 identities · 1 critical · 2 high · 3 past rotation',
      ),
    ).toBeInTheDocument();
    expect(identities()).toEqual(['CI deployer', 'billing-db-reader']);

    // The title links to the identity's page; the name when it has none.
    expect(screen.getByRole('link', { name: 'CI deployer' })).toHaveAttribute(
      'href',
      '/catalog/default/nonhumanidentity/ci-deployer',
    );
    expect(
      screen.getByRole('link', { name: 'billing-db-reader' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/nonhumanidentity/billing-db-reader',
    );

    const first = rowOf('CI deployer');
    expect(first).toHaveTextContent('IAM user · aws');
    expect(within(first).getByLabelText('risk critical')).toHaveTextContent(
      'critical',
    );
    expect(within(first).getByText('overdue')).toBeInTheDocument();

    const second = rowOf('billing-db-reader');
    expect(second).toHaveTextContent('IAM role · aws');
    expect(within(second).getByLabelText('risk none')).toBeInTheDocument();
    expect(within(second).getByText('ok')).toBeInTheDocument();

    expect(catalogApi.queryEntities).toHaveBeenCalledTimes(1);
    expect(catalogApi.queryEntities).toHaveBeenCalledWith({
      filter: FILTER,
      limit: 10,
      // Enough for the links, the columns and nothing more.
      fields: expect.arrayContaining([
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'spec.type',
        'spec.provider',
        'spec.risk.level',
        'spec.rotation.status',
      ]),
      orderFields: { field: 'metadata.title', order: 'asc' },
    });
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith({
      filter: FILTER,
      facets: ['spec.risk.level', 'spec.rotation.status'],
    });
    // All on one page: nothing to page through.
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('counts expired identities as past rotation, like the team card and the scorecards', async () => {
    const catalogApi = catalogApiMock.mock({
      queryEntities: jest.fn(async () => entityPage([deployer], {}, 6)),
      getEntityFacets: jest.fn(async () => ({
        facets: {
          'spec.risk.level': [{ value: 'none', count: 6 }],
          'spec.rotation.status': [
            { value: 'expired', count: 2 },
            { value: 'overdue', count: 1 },
            { value: 'never-rotated', count: 1 },
            { value: 'due-soon', count: 1 },
            { value: 'no-expiry', count: 1 },
          ],
        },
      })),
    });
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi,
    });
    expect(
      await screen.findByText(
        '6 identities · 0 critical · 0 high · 4 past rotation',
      ),
    ).toBeInTheDocument();
  });

  it('explains what rotation status means on hover', async () => {
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi: catalog(async () => entityPage([deployer])),
    });
    await userEvent.hover(await screen.findByText('overdue'));
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'Last rotated longer ago than its policy allows',
    );
  });

  it('shows progress while the identities load', async () => {
    const pending = deferred<QueryEntitiesResponse>();
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi: catalog(() => pending.promise),
    });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.queryByText(/No identity is known/)).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();

    await act(async () => pending.resolve(entityPage([deployer])));
    expect(
      await screen.findByRole('link', { name: 'CI deployer' }),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
  });

  it('explains how to declare the identities a service uses when none are known', async () => {
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi: catalog(async () => entityPage([])),
    });
    expect(
      await screen.findByText(
        /No identity is known to be used by this component\. Declare the service accounts, keys and tokens it uses in its catalog-info\.yaml/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/owned by this component’s owner/),
    ).toBeInTheDocument();
    // An example annotation to copy.
    expect(document.body).toHaveTextContent(
      'backstage-nhi.io/identities: arn:aws:iam::*:role/my-service-*, datadog:api-key:7d1e',
    );
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByText(/identities ·/)).not.toBeInTheDocument();
  });

  it('shows an error when the catalog cannot be queried', async () => {
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi: catalog(async () => {
        throw new Error('catalog unavailable');
      }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'catalog unavailable',
    );
    expect(screen.queryByText(/No identity is known/)).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows an error when the counts cannot be loaded', async () => {
    const catalogApi = catalog(async () => entityPage([deployer]));
    catalogApi.getEntityFacets.mockRejectedValue(
      new Error('facets unavailable'),
    );
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi,
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'facets unavailable',
    );
    expect(screen.queryByText(/No identity is known/)).not.toBeInTheDocument();
  });

  it('pages through the identities with the catalog’s cursors', async () => {
    const catalogApi = catalog(async request =>
      request.cursor === 'page-2'
        ? entityPage([exporter], { prevCursor: 'page-1' }, 11)
        : entityPage([deployer, reader], { nextCursor: 'page-2' }, 11),
    );
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi,
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Next' }));

    await waitFor(() => expect(identities()).toEqual(['ledger-exporter']));
    expect(catalogApi.queryEntities).toHaveBeenLastCalledWith({
      cursor: 'page-2',
      limit: 10,
      fields: expect.arrayContaining(['kind', 'metadata.name']),
    });
    expect(screen.getByText(/^11 identities/)).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Next' }),
    ).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Previous' }));
    await waitFor(() =>
      expect(identities()).toEqual(['CI deployer', 'billing-db-reader']),
    );
    expect(catalogApi.queryEntities).toHaveBeenLastCalledWith({
      cursor: 'page-1',
      limit: 10,
      fields: expect.arrayContaining(['kind', 'metadata.name']),
    });
    expect(catalogApi.queryEntities).toHaveBeenCalledTimes(3);
  });

  it('keeps the page shown when the next one fails to load, and loads it on retry', async () => {
    const catalogApi = catalog(async () =>
      entityPage([deployer, reader], { nextCursor: 'page-2' }, 11),
    );
    catalogApi.queryEntities
      .mockImplementationOnce(async () =>
        entityPage([deployer, reader], { nextCursor: 'page-2' }, 11),
      )
      .mockImplementationOnce(async () => {
        throw new Error('catalog unavailable');
      })
      .mockImplementationOnce(async () =>
        entityPage([exporter], { prevCursor: 'page-1' }, 11),
      );
    await renderNhi(<UsedIdentitiesCard />, {
      entity: serviceEntity,
      catalogApi,
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Next' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'catalog unavailable',
    );
    expect(identities()).toEqual(['CI deployer', 'billing-db-reader']);

    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(identities()).toEqual(['ledger-exporter']));
    expect(catalogApi.queryEntities).toHaveBeenCalledTimes(3);
    expect(catalogApi.queryEntities).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: 'page-2' }),
    );
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
