import { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  appTreeApiRef,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  NhiCampaignsClient,
  NhiClient,
} from '@backstage-nhi/plugin-nhi-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockNhiApi,
  nhiEntity,
  serviceEntity,
  teamEntity,
} from './__testUtils__/fixtures';
import { nhiApiRef, nhiCampaignsApiRef } from './api';
import { NhiScorecardsClient, nhiScorecardsApiRef } from './scorecards';
import nhiPlugin, {
  nhiApi,
  nhiAuditEntityContent,
  nhiCampaignsApi,
  nhiPage,
  nhiScorecardsApi,
} from './alpha';

const identity = nhiEntity();
const user: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'alice', namespace: 'default' },
  spec: {},
};

/** Which of the example entities an entity card or content shows on. */
function shownOn(filter: ((entity: Entity) => boolean) | undefined) {
  if (!filter) throw new Error('no filter');
  return {
    identity: filter(identity),
    component: filter(serviceEntity),
    group: filter(teamEntity),
    user: filter(user),
  };
}

const ON_IDENTITY = {
  identity: true,
  component: false,
  group: false,
  user: false,
};

describe('@backstage-nhi/plugin-nhi/alpha', () => {
  it('is the nhi plugin, with its title and root route', () => {
    expect(nhiPlugin.$$type).toBe('@backstage/FrontendPlugin');
    expect(nhiPlugin.pluginId).toBe('nhi');
    expect(nhiPlugin.title).toBe('Non-human identities');
    expect(nhiPlugin.icon).toBeTruthy();
    expect(Object.keys(nhiPlugin.routes)).toEqual(['root']);
  });

  it.each([
    'api:nhi',
    'api:nhi/campaigns',
    'api:nhi/scorecards',
    'page:nhi',
    'entity-card:nhi/overview',
    'entity-card:nhi/ownership',
    'entity-card:nhi/risk',
    'entity-card:nhi/credentials',
    'entity-content:nhi/audit',
    'entity-card:nhi/used-identities',
    'entity-card:nhi/owned-identities',
    'entity-card:nhi/team-review',
    'entity-card:nhi/waiting-reviews',
    'entity-card:nhi/scorecard',
  ] as const)('provides %s', id => {
    // `getExtension` throws for an id the plugin does not have.
    const extension = nhiPlugin.getExtension(id);
    expect(createExtensionTester(extension as any).snapshot().id).toBe(id);
  });

  it('installs exactly these extensions in an app', () => {
    const { apis } = renderTestApp({ features: [nhiPlugin] });
    const { tree } = apis.get(appTreeApiRef)!.getTree();
    expect(
      [...tree.nodes.values()]
        .filter(node => node.spec.plugin.pluginId === 'nhi')
        .map(node => node.spec.id)
        .sort(),
    ).toEqual(
      [
        'api:nhi',
        'api:nhi/campaigns',
        'api:nhi/scorecards',
        'page:nhi',
        'entity-card:nhi/overview',
        'entity-card:nhi/ownership',
        'entity-card:nhi/risk',
        'entity-card:nhi/credentials',
        'entity-content:nhi/audit',
        'entity-card:nhi/used-identities',
        'entity-card:nhi/owned-identities',
        'entity-card:nhi/team-review',
        'entity-card:nhi/waiting-reviews',
        'entity-card:nhi/scorecard',
      ].sort(),
    );
  });

  it('provides the NHI and campaigns APIs over discovery and fetch, the scorecards over the Tech Insights client', () => {
    const deps = {
      discoveryApi: mockApis.discovery(),
      fetchApi: { fetch: jest.fn() },
      identityApi: mockApis.identity(),
    };
    const nhi = createExtensionTester(nhiApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(nhi.api).toBe(nhiApiRef);
    expect(nhi.factory(deps)).toBeInstanceOf(NhiClient);

    const campaigns = createExtensionTester(nhiCampaignsApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(campaigns.api).toBe(nhiCampaignsApiRef);
    expect(campaigns.factory(deps)).toBeInstanceOf(NhiCampaignsClient);

    const scorecards = createExtensionTester(nhiScorecardsApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(scorecards.api).toBe(nhiScorecardsApiRef);
    expect(scorecards.factory(deps)).toBeInstanceOf(NhiScorecardsClient);
  });

  it('mounts the page at /nhi on the plugin’s root route', () => {
    const tester = createExtensionTester(nhiPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/nhi');
    expect(tester.get(coreExtensionData.routeRef)).toBe(nhiPlugin.routes.root);
  });

  it('shows each entity card on the right kinds of entity', () => {
    const filterOf = (id: Parameters<typeof nhiPlugin.getExtension>[0]) =>
      createExtensionTester(nhiPlugin.getExtension(id) as any).get(
        EntityCardBlueprint.dataRefs.filterFunction,
      ) as (entity: Entity) => boolean;

    for (const id of [
      'entity-card:nhi/overview',
      'entity-card:nhi/ownership',
      'entity-card:nhi/risk',
      'entity-card:nhi/credentials',
    ] as const) {
      expect([id, shownOn(filterOf(id))]).toEqual([id, ON_IDENTITY]);
    }
    expect(shownOn(filterOf('entity-card:nhi/used-identities'))).toEqual({
      identity: false,
      component: true,
      group: false,
      user: false,
    });
    for (const id of [
      'entity-card:nhi/owned-identities',
      'entity-card:nhi/team-review',
      'entity-card:nhi/waiting-reviews',
    ] as const) {
      expect([id, shownOn(filterOf(id))]).toEqual([
        id,
        { identity: false, component: false, group: true, user: false },
      ]);
    }
    expect(shownOn(filterOf('entity-card:nhi/scorecard'))).toEqual({
      identity: false,
      component: true,
      group: true,
      user: false,
    });
  });

  it('puts the audit trail in an "Audit history" tab of identity pages', () => {
    const tester = createExtensionTester(nhiAuditEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('/audit');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Audit history',
    );
    expect(
      shownOn(tester.get(EntityContentBlueprint.dataRefs.filterFunction)),
    ).toEqual(ON_IDENTITY);
  });

  it('renders the NHI page at /nhi in an app with the plugin installed', async () => {
    const catalogApi = catalogApiMock.mock({
      getEntityFacets: jest.fn(async () => ({
        facets: {
          'spec.category': [{ value: 'service-account', count: 4 }],
          'spec.ownership.status': [{ value: 'owned', count: 3 }],
          'spec.risk.level': [{ value: 'critical', count: 1 }],
        },
      })) as any,
      queryEntities: jest.fn(async () => ({
        items: [nhiEntity()],
        totalItems: 1,
        pageInfo: {},
      })) as any,
    });
    renderTestApp({
      features: [nhiPlugin],
      initialRouteEntries: ['/nhi'],
      // Entity links need the catalog's entity route (the catalog plugin
      // mounts it in a real app).
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [
        [catalogApiRef, catalogApi],
        [nhiApiRef, mockNhiApi()],
        [
          permissionApiRef,
          mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
        ],
      ],
    });
    expect(
      await screen.findByRole('tab', { name: 'Inventory' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByLabelText('ownership coverage'),
    ).toHaveTextContent('75%');
    expect(catalogApi.getEntityFacets).toHaveBeenCalledWith(
      expect.objectContaining({ filter: { kind: 'NonHumanIdentity' } }),
    );
    // The app's page layout gives the page its header, from the plugin's
    // title; the page does not add a second one.
    expect(
      screen.getAllByRole('heading', { name: 'Non-human identities' }),
    ).toHaveLength(1);
    expect(
      document.querySelector('[data-backstage-core-page]'),
    ).not.toBeInTheDocument();

    // The tab and filters live in the URL here too.
    await userEvent.click(
      within(
        screen.getByRole('list', { name: 'identities by risk level' }),
      ).getByRole('link', { name: 'critical' }),
    );
    expect(
      await screen.findByRole('link', { name: 'ci-deployer' }),
    ).toHaveAttribute('href', '/catalog/default/nonhumanidentity/ci-deployer');
    expect(screen.getByRole('tab', { name: 'Inventory' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(catalogApi.queryEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: { kind: 'NonHumanIdentity', 'spec.risk.level': 'critical' },
      }),
    );
  });

  it('renders an entity card through its lazy loader', async () => {
    const tester = createExtensionTester(
      nhiPlugin.getExtension('entity-card:nhi/credentials') as any,
    );
    const entity = nhiEntity();
    const api = mockNhiApi();
    // the credentials are the identity's detail: the backend's answer
    api.getIdentityDetail.mockResolvedValue({
      entityRef: 'nonhumanidentity:default/x',
      spec: entity.spec,
    });
    await renderInTestApp(
      <EntityProvider entity={entity}>{tester.reactElement()}</EntityProvider>,
      { apis: [[nhiApiRef, api]] },
    );
    expect(await screen.findByText('AKIAIOSFODNN7EXAMPLE')).toBeInTheDocument();
  });
});
