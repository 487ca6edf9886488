import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { NonHumanIdentityEntity } from '@backstage-nhi/plugin-nhi-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation, useNavigate } from 'react-router-dom';
import {
  mockNhiApi,
  nhiEntity,
  unownedEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { NhiPage } from './NhiPage';

type Facets = Record<string, Record<string, number>>;

const NHI = { kind: 'NonHumanIdentity' };
const SEARCH_FIELDS = [
  'metadata.name',
  'metadata.title',
  'spec.externalId',
  'spec.credentials.id',
];
const FACETS = [
  'spec.provider',
  'spec.category',
  'spec.risk.level',
  'spec.rotation.status',
];

/** The current location, so tests can see what the page keeps in the URL. */
function LocationProbe() {
  const location = useLocation();
  return <output aria-label="location">{location.search}</output>;
}

/** The browser's back button, and a link to the inventory with a search. */
function Navigation() {
  const navigate = useNavigate();
  return (
    <>
      <button onClick={() => navigate(-1)}>back</button>
      <button onClick={() => navigate('/nhi?tab=inventory&q=other')}>
        link
      </button>
    </>
  );
}

function facetsResponse(facets: Facets) {
  return {
    facets: Object.fromEntries(
      Object.entries(facets).map(([facet, values]) => [
        facet,
        Object.entries(values).map(([value, count]) => ({ value, count })),
      ]),
    ),
  };
}

/** A catalog that serves `items` (sliced by offset and limit) and `facets`. */
function inventoryCatalog(
  items: NonHumanIdentityEntity[],
  options: { totalItems?: number; facets?: Facets } = {},
) {
  return catalogApiMock.mock({
    queryEntities: jest.fn(async (request: any) => {
      const offset = request?.offset ?? 0;
      return {
        items: items.slice(offset, offset + (request?.limit ?? 20)),
        totalItems: options.totalItems ?? items.length,
        pageInfo: {},
      };
    }) as any,
    getEntityFacets: jest.fn(async () =>
      facetsResponse(
        options.facets ?? {
          'spec.provider': { aws: 3, gcp: 1 },
          'spec.category': { 'service-account': 3, 'api-key': 1 },
          'spec.risk.level': { critical: 1, none: 3 },
          'spec.rotation.status': { overdue: 2, ok: 2 },
        },
      ),
    ) as any,
  });
}

function lastQuery(catalogApi: ReturnType<typeof inventoryCatalog>) {
  const calls = (catalogApi.queryEntities as jest.Mock).mock.calls;
  return calls[calls.length - 1]?.[0];
}

async function renderInventory(
  catalogApi: ReturnType<typeof inventoryCatalog>,
  search = '',
) {
  return renderNhi(
    <>
      <NhiPage />
      <LocationProbe />
      <Navigation />
    </>,
    { catalogApi, routeEntries: [`/nhi?tab=inventory${search}`] },
  );
}

/** Opens a filter's select and picks an option. */
async function pick(label: string, option: string | RegExp) {
  await userEvent.click(screen.getByLabelText(label));
  const listbox = await screen.findByRole('listbox');
  await userEvent.click(within(listbox).getByRole('option', { name: option }));
  await waitFor(() =>
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument(),
  );
}

function rowOf(text: string) {
  return screen.getByText(text).closest('tr')!;
}

/** How long the inventory waits after the last keystroke before it asks. */
const PAUSE_MS = 400;

/**
 * From here on, time only passes when the test says so: typing takes no
 * time at all, however busy the machine, and `later(ms)` lets `ms` pass.
 */
function fakeTime() {
  jest.useFakeTimers();
  return {
    user: userEvent.setup({ advanceTimers: jest.advanceTimersByTime }),
    later: (ms: number) =>
      act(async () => {
        await jest.advanceTimersByTimeAsync(ms);
      }),
  };
}

/** What each page query carried of one filter (search or owner), where it did. */
function queriesWith(
  catalogApi: ReturnType<typeof inventoryCatalog>,
  valueOf: (request: any) => unknown,
) {
  return (catalogApi.queryEntities as jest.Mock).mock.calls
    .map(([request]) => valueOf(request))
    .filter(v => v !== undefined);
}

/** The pagination caption: "1-20 of 45" (rendered twice, once hidden). */
function expectPageInfo(text: string) {
  expect(
    screen
      .getAllByText(text)
      .filter(e => getComputedStyle(e).display !== 'none'),
  ).not.toHaveLength(0);
}

/** `count` identities named id-00, id-01, … */
function manyEntities(count: number) {
  return Array.from({ length: count }, (_, i) =>
    nhiEntity({ name: `id-${String(i).padStart(2, '0')}` }),
  );
}

// A full page with Material UI selects and material-table is slow in jsdom.

describe('NhiPage inventory tab', () => {
  it('shows one server-side page of identities with owner, risk, rotation and last use', async () => {
    const catalogApi = inventoryCatalog(
      [
        nhiEntity({
          title: 'CI deployer',
          spec: { risk: { score: 72, level: 'high', findings: [] } },
        }),
        unownedEntity({ lastUsed: { never: true } }),
      ],
      { totalItems: 45 },
    );
    await renderInventory(catalogApi);

    const link = await screen.findByRole('link', { name: 'CI deployer' });
    expect(link).toHaveAttribute(
      'href',
      '/catalog/default/nonhumanidentity/ci-deployer',
    );
    const owned = rowOf('CI deployer');
    expect(owned).toHaveTextContent(
      'arn:aws:iam::123456789012:user/ci-deployer',
    );
    expect(owned).toHaveTextContent('IAM user · aws · 123456789012');
    expect(
      within(owned).getByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/group/payments');
    expect(within(owned).getByLabelText('risk high')).toHaveTextContent(
      'high · 72',
    );
    expect(within(owned).getByText('overdue')).toBeInTheDocument();
    expect(owned).toHaveTextContent('3 days ago');

    const unowned = rowOf('legacy-exporter');
    expect(within(unowned).getByText('unowned')).toBeInTheDocument();
    expect(within(unowned).getAllByRole('cell')[5]).toHaveTextContent(
      /^never$/,
    );

    // The total comes from the server, not from the rows on the page.
    expectPageInfo('1-20 of 45');
    expect(catalogApi.queryEntities).toHaveBeenCalledTimes(1);
    expect(catalogApi.queryEntities).toHaveBeenCalledWith({
      filter: NHI,
      fields: expect.arrayContaining([
        'kind',
        'metadata.name',
        'metadata.namespace',
        'spec.externalId',
        'spec.owner',
        'spec.risk.level',
        'spec.rotation',
      ]),
      limit: 20,
      offset: 0,
      orderFields: { field: 'metadata.name', order: 'asc' },
    });
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith({
      filter: NHI,
      facets: FACETS,
    });
  });

  it('turns filters in the URL into one catalog filter, and shows them in the controls', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    await renderInventory(
      catalogApi,
      '&provider=aws&category=api-key&level=critical&rotation=expired' +
        '&owner=group:default/payments&q=AKIAIOSFODNN7EXAMPLE',
    );
    await screen.findByRole('link', { name: 'ci-deployer' });

    expect(catalogApi.queryEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: {
          ...NHI,
          'spec.provider': 'aws',
          'spec.category': 'api-key',
          'spec.risk.level': 'critical',
          'spec.rotation.status': 'expired',
          'relations.ownedBy': 'group:default/payments',
        },
        fullTextFilter: { term: 'AKIAIOSFODNN7EXAMPLE', fields: SEARCH_FIELDS },
        limit: 20,
        offset: 0,
      }),
    );
    // Facets count under the same filters, without the free text.
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith({
      filter: {
        ...NHI,
        'spec.provider': 'aws',
        'spec.category': 'api-key',
        'spec.risk.level': 'critical',
        'spec.rotation.status': 'expired',
        'relations.ownedBy': 'group:default/payments',
      },
      facets: FACETS,
    });
    expect(screen.getByLabelText('search identities')).toHaveValue(
      'AKIAIOSFODNN7EXAMPLE',
    );
    await waitFor(() =>
      expect(screen.getByLabelText('Provider')).toHaveTextContent('aws (3)'),
    );
    expect(screen.getByLabelText('Category')).toHaveTextContent(
      'API key or token (1)',
    );
    expect(screen.getByLabelText('Risk level')).toHaveTextContent(
      'critical (1)',
    );
    expect(screen.getByLabelText('Owner (group ref or “unowned”)')).toHaveValue(
      'group:default/payments',
    );
  });

  it('queries the server with each filter picked, lists facet counts and keeps the filters in the URL', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    await renderInventory(catalogApi);
    await screen.findByRole('link', { name: 'ci-deployer' });

    await userEvent.click(screen.getByLabelText('Provider'));
    const providers = await screen.findByRole('listbox');
    expect(
      within(providers)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['any', 'aws (3)', 'gcp (1)']);
    await userEvent.click(
      within(providers).getByRole('option', { name: 'gcp (1)' }),
    );
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.provider': 'gcp',
      }),
    );
    expect(lastQuery(catalogApi).offset).toBe(0);
    expect(catalogApi.getEntityFacets).toHaveBeenLastCalledWith({
      filter: { ...NHI, 'spec.provider': 'gcp' },
      facets: FACETS,
    });

    await pick('Category', 'Service account (3)');
    await pick('Risk level', 'critical (1)');
    await pick('Rotation', 'overdue (2)');
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.provider': 'gcp',
        'spec.category': 'service-account',
        'spec.risk.level': 'critical',
        'spec.rotation.status': 'overdue',
      }),
    );
    expect(screen.getByLabelText('location')).toHaveTextContent(
      '?tab=inventory&provider=gcp&category=service-account&level=critical&rotation=overdue',
    );

    // "any" clears a filter.
    await pick('Provider', 'any');
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.category': 'service-account',
        'spec.risk.level': 'critical',
        'spec.rotation.status': 'overdue',
      }),
    );
  });

  it('filters by rule, or by dormant identities when no rule is picked', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    await renderInventory(catalogApi);
    await screen.findByRole('link', { name: 'ci-deployer' });

    const dormant = screen.getByRole('checkbox', { name: 'Dormant only' });
    await userEvent.click(dormant);
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.risk.findings.ruleId': 'NHI-DORMANT-IDENTITY',
      }),
    );
    expect(screen.getByLabelText('location')).toHaveTextContent(
      '?tab=inventory&dormant=true',
    );
    // One catalog key holds one condition: picking a rule clears dormant
    // (from the URL too) and disables it.
    await pick('Rule', 'NHI-NO-OWNER — Nobody owns the identity');
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.risk.findings.ruleId': 'NHI-NO-OWNER',
      }),
    );
    const disabled = screen.getByRole('checkbox', { name: 'Dormant only' });
    expect(disabled).toBeDisabled();
    expect(disabled).not.toBeChecked();
    expect(screen.getByLabelText('location')).not.toHaveTextContent('dormant');
  });

  it('filters by owner: unowned, or a team', async () => {
    const catalogApi = inventoryCatalog([unownedEntity()]);
    await renderInventory(catalogApi);
    await screen.findByRole('link', { name: 'legacy-exporter' });

    const owner = screen.getByLabelText('Owner (group ref or “unowned”)');
    await userEvent.click(owner);
    await userEvent.paste('unowned');
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.ownership.status': 'unowned',
      }),
    );

    const field = screen.getByLabelText('Owner (group ref or “unowned”)');
    await userEvent.clear(field);
    await userEvent.click(field);
    await userEvent.paste('group:default/data');
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'relations.ownedBy': 'group:default/data',
      }),
    );
  });

  it('says when the filter counts fail, shows no zeros, and keeps the chosen provider', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    (catalogApi.getEntityFacets as jest.Mock).mockRejectedValue(
      new Error('facets timed out'),
    );
    await renderInventory(catalogApi, '&provider=aws');
    // the page itself still loads
    expect(
      await screen.findByRole('link', { name: 'ci-deployer' }),
    ).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The counts next to the filters could not be loaded: facets timed out',
    );
    expect(screen.getByLabelText('Provider')).toHaveTextContent('aws');
    expect(screen.getByLabelText('Provider')).not.toHaveTextContent('(');
    await userEvent.click(screen.getByLabelText('Category'));
    const listbox = await screen.findByRole('listbox');
    expect(listbox).not.toHaveTextContent('(0)');
  });

  it('sends the owner once typing pauses, and keeps a filter picked meanwhile', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()], {
      facets: { 'spec.provider': { aws: 1 } },
    });
    await renderInventory(catalogApi);
    await screen.findByRole('link', { name: 'ci-deployer' });
    const { user, later } = fakeTime();
    const owners = () =>
      queriesWith(catalogApi, r => r.filter['relations.ownedBy']);

    await user.type(
      screen.getByLabelText('Owner (group ref or “unowned”)'),
      'group:default/data',
    );
    await later(PAUSE_MS - 100);
    expect(owners()).toEqual([]);
    // a filter picked before the typed owner lands is not overwritten by it
    const typedAt = Date.now();
    await user.click(screen.getByLabelText('Provider'));
    await user.click(
      within(screen.getByRole('listbox')).getByRole('option', {
        name: 'aws (1)',
      }),
    );
    expect(Date.now() - typedAt).toBeLessThan(100);
    expect(lastQuery(catalogApi).filter).toEqual({
      ...NHI,
      'spec.provider': 'aws',
    });
    expect(owners()).toEqual([]);

    await later(100);
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'spec.provider': 'aws',
        'relations.ownedBy': 'group:default/data',
      }),
    );
    expect(screen.getByLabelText('location')).toHaveTextContent(
      '?tab=inventory&provider=aws&owner=group%3Adefault%2Fdata',
    );
    // the whole owner once, never one per keystroke, and nothing after
    await later(5 * PAUSE_MS);
    expect(owners()).toEqual(['group:default/data']);
  });

  it('says a half-typed owner is not a group ref and does not send it', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    await renderInventory(catalogApi);
    await screen.findByRole('link', { name: 'ci-deployer' });
    const { user, later } = fakeTime();
    const owners = () =>
      queriesWith(catalogApi, r => r.filter['relations.ownedBy']);
    const box = screen.getByLabelText('Owner (group ref or “unowned”)');
    await user.type(box, 'group:');
    expect(
      screen.getByText(/not a group ref: write team-a/),
    ).toBeInTheDocument();
    await later(5 * PAUSE_MS);
    expect(owners()).toEqual([]);
    // a short name means the group in the default namespace
    await user.clear(box);
    await user.type(box, 'Data');
    expect(screen.queryByText(/not a group ref/)).not.toBeInTheDocument();
    await later(PAUSE_MS);
    await waitFor(() =>
      expect(lastQuery(catalogApi).filter).toEqual({
        ...NHI,
        'relations.ownedBy': 'group:default/data',
      }),
    );
    expect(owners()).toEqual(['group:default/data']);
  });

  it('searches by external id, ARN or key id on the server, once typing pauses', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    await renderInventory(catalogApi, '&provider=aws');
    await screen.findByRole('link', { name: 'ci-deployer' });
    const facetCalls = (catalogApi.getEntityFacets as jest.Mock).mock.calls
      .length;
    const { user, later } = fakeTime();
    const searches = () => queriesWith(catalogApi, r => r.fullTextFilter?.term);
    const box = screen.getByLabelText('search identities');

    // a slow typist: every key comes just before the pause would end
    await user.click(box);
    for (const key of 'AKIAIOSFODNN7EXAMPLE') {
      await user.keyboard(key);
      await later(PAUSE_MS - 1);
    }
    expect(searches()).toEqual([]);
    await later(1);
    await waitFor(() =>
      expect(lastQuery(catalogApi)).toEqual(
        expect.objectContaining({
          filter: { ...NHI, 'spec.provider': 'aws' },
          fullTextFilter: {
            term: 'AKIAIOSFODNN7EXAMPLE',
            fields: SEARCH_FIELDS,
          },
          offset: 0,
        }),
      ),
    );
    await later(5 * PAUSE_MS);
    // Debounced: one search query for the whole term, not one per keystroke.
    expect(searches()).toEqual(['AKIAIOSFODNN7EXAMPLE']);
    expect(screen.getByLabelText('location')).toHaveTextContent(
      '?tab=inventory&provider=aws&q=AKIAIOSFODNN7EXAMPLE',
    );
    // The facets do not depend on the free text.
    expect(catalogApi.getEntityFacets).toHaveBeenCalledTimes(facetCalls);

    await user.clear(box);
    await later(PAUSE_MS);
    await waitFor(() =>
      expect(lastQuery(catalogApi).fullTextFilter).toBeUndefined(),
    );
    expect(screen.getByLabelText('location')).toHaveTextContent(
      /^\?tab=inventory&provider=aws$/,
    );
    expect(searches()).toEqual(['AKIAIOSFODNN7EXAMPLE']);
  });

  it('shows the search and owner the URL gets from a link, and again after going back', async () => {
    const catalogApi = inventoryCatalog([nhiEntity()]);
    await renderInventory(catalogApi, '&q=first&owner=unowned');
    await screen.findByRole('link', { name: 'ci-deployer' });
    const box = screen.getByLabelText('search identities');
    const ownerBox = screen.getByLabelText(/^Owner/);
    expect(box).toHaveValue('first');
    expect(ownerBox).toHaveValue('unowned');

    // a link to the inventory with another search, followed while on it
    await userEvent.click(screen.getByRole('button', { name: 'link' }));
    await waitFor(() => expect(box).toHaveValue('other'));
    expect(ownerBox).toHaveValue('');
    await waitFor(() =>
      expect(lastQuery(catalogApi).fullTextFilter?.term).toBe('other'),
    );

    await userEvent.click(screen.getByRole('button', { name: 'back' }));
    await waitFor(() => expect(box).toHaveValue('first'));
    expect(ownerBox).toHaveValue('unowned');
    await waitFor(() =>
      expect(lastQuery(catalogApi).fullTextFilter?.term).toBe('first'),
    );
    expect(lastQuery(catalogApi).filter).toEqual({
      ...NHI,
      'spec.ownership.status': 'unowned',
    });
    // what was typed is still sent as before
    await userEvent.type(box, '-x');
    await waitFor(() =>
      expect(screen.getByLabelText('location')).toHaveTextContent(
        '?tab=inventory&owner=unowned&q=first-x',
      ),
    );
    expect(box).toHaveValue('first-x');
  });

  it('requests the next page from the server with the same filters, and starts over when a filter changes', async () => {
    const catalogApi = inventoryCatalog(manyEntities(45), {
      facets: { 'spec.provider': { aws: 45 } },
    });
    await renderInventory(catalogApi, '&level=high');
    await screen.findByRole('link', { name: 'id-00' });
    expectPageInfo('1-20 of 45');
    expect(
      screen.queryByRole('link', { name: 'id-20' }),
    ).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Next Page' }));
    expect(
      await screen.findByRole('link', { name: 'id-20' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: 'id-00' }),
    ).not.toBeInTheDocument();
    expectPageInfo('21-40 of 45');
    expect(lastQuery(catalogApi)).toEqual(
      expect.objectContaining({
        filter: { ...NHI, 'spec.risk.level': 'high' },
        limit: 20,
        offset: 20,
      }),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Next Page' }));
    expect(
      await screen.findByRole('link', { name: 'id-40' }),
    ).toBeInTheDocument();
    expect(lastQuery(catalogApi)).toEqual(
      expect.objectContaining({ limit: 20, offset: 40 }),
    );
    expectPageInfo('41-45 of 45');

    await pick('Provider', 'aws (45)');
    await waitFor(() =>
      expect(lastQuery(catalogApi)).toEqual(
        expect.objectContaining({
          filter: {
            ...NHI,
            'spec.risk.level': 'high',
            'spec.provider': 'aws',
          },
          offset: 0,
        }),
      ),
    );
    expect(
      await screen.findByRole('link', { name: 'id-00' }),
    ).toBeInTheDocument();
  });

  it('says when no identity matches the filters', async () => {
    const catalogApi = inventoryCatalog([], {
      facets: { 'spec.provider': {} },
    });
    await renderInventory(catalogApi, '&provider=azure');
    expect(
      await screen.findByText('No identity matches these filters.'),
    ).toBeInTheDocument();
    expect(catalogApi.queryEntities).toHaveBeenCalledWith(
      expect.objectContaining({ filter: { ...NHI, 'spec.provider': 'azure' } }),
    );
  });

  it('shows progress while the page loads', async () => {
    let resolve: (value: unknown) => void = () => {};
    const catalogApi = inventoryCatalog([]);
    (catalogApi.queryEntities as jest.Mock).mockImplementation(
      () => new Promise(r => (resolve = r)),
    );
    await renderInventory(catalogApi);
    expect(await screen.findByRole('progressbar')).toBeInTheDocument();

    resolve({ items: [nhiEntity()], totalItems: 1, pageInfo: {} });
    expect(
      await screen.findByRole('link', { name: 'ci-deployer' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('shows the error when the catalog query fails', async () => {
    const catalogApi = inventoryCatalog([]);
    (catalogApi.queryEntities as jest.Mock).mockRejectedValue(
      new Error('Catalog is unavailable'),
    );
    await renderInventory(catalogApi);
    expect(
      await screen.findByText(/Catalog is unavailable/),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('No identity matches these filters.'),
    ).not.toBeInTheDocument();
  });
});

describe('NhiPage inventory tab on the inventory summary', () => {
  /** An NHI API whose summary is ready and serves `items` and counts. */
  function summaryApi(items: NonHumanIdentityEntity[], totalCount: number) {
    return mockNhiApi({
      queryInventory: async (query: any) => ({
        ready: true,
        items: items.slice(query.offset, query.offset + query.limit) as any,
        totalCount,
      }),
      getInventoryFacets: async () => ({
        ready: true,
        totalCount,
        facets: {
          'spec.provider': [{ value: 'aws', count: totalCount }],
          'spec.category': [{ value: 'service-account', count: totalCount }],
          'spec.risk.level': [{ value: 'critical', count: 120000 }],
          'spec.rotation.status': [{ value: 'overdue', count: 9 }],
        },
      }),
    });
  }

  it('lists pages and counts from the summary, with the URL filters, and never scans the catalog', async () => {
    const catalogApi = inventoryCatalog([]);
    const nhiApi = summaryApi(manyEntities(45), 450000);
    await renderNhi(
      <>
        <NhiPage />
        <LocationProbe />
      </>,
      {
        catalogApi,
        nhiApi,
        routeEntries: ['/nhi?tab=inventory&provider=aws&owner=unowned'],
      },
    );
    expect(await screen.findByText('id-00')).toBeInTheDocument();
    expectPageInfo('1-20 of 450000');
    expect(nhiApi.queryInventory).toHaveBeenLastCalledWith({
      provider: 'aws',
      owner: 'unowned',
      offset: 0,
      limit: 20,
    });
    expect(nhiApi.getInventoryFacets).toHaveBeenLastCalledWith(
      { provider: 'aws', owner: 'unowned', q: undefined },
      FACETS,
    );
    await userEvent.click(screen.getByLabelText('Risk level'));
    expect(
      await screen.findByRole('option', { name: 'critical (120,000)' }),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('option', { name: 'critical (120,000)' }),
    );
    await waitFor(() =>
      expect(nhiApi.queryInventory).toHaveBeenLastCalledWith({
        provider: 'aws',
        owner: 'unowned',
        level: 'critical',
        offset: 0,
        limit: 20,
      }),
    );
    await userEvent.click(screen.getByRole('button', { name: /next page/i }));
    await waitFor(() =>
      expect(nhiApi.queryInventory).toHaveBeenLastCalledWith(
        expect.objectContaining({ offset: 20, limit: 20 }),
      ),
    );
    expect(await screen.findByText('id-20')).toBeInTheDocument();
    expect(catalogApi.queryEntities).not.toHaveBeenCalled();
    expect(catalogApi.getEntityFacets).not.toHaveBeenCalled();
  });
});
