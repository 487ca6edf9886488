/*
 * Renders NHI components in a Backstage test app with the APIs they need,
 * all replaceable per test.
 */
import { Entity } from '@backstage/catalog-model';
import { CatalogApi } from '@backstage/catalog-client';
import { alertApiRef, identityApiRef } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  entityRouteRef,
  EntityProvider,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  PermissionApi,
  permissionApiRef,
} from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  NhiApi,
  NhiCampaignsApi,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { ReactElement } from 'react';
import { SWRConfig } from 'swr';
import { RenderResult } from '@testing-library/react';
import { nhiApiRef, nhiCampaignsApiRef } from '../api';
import { NhiScorecardsApi, nhiScorecardsApiRef } from '../scorecards';
import { mockCampaignsApi } from './campaigns';
import { mockNhiApi } from './fixtures';

export type RenderOptions = {
  entity?: Entity;
  nhiApi?: jest.Mocked<NhiApi>;
  campaignsApi?: jest.Mocked<NhiCampaignsApi>;
  catalogApi?: Partial<CatalogApi>;
  scorecardsApi?: Partial<NhiScorecardsApi>;
  /** Allow or deny every permission, or a custom permission API. */
  permission?: 'allow' | 'deny' | PermissionApi;
  /** The signed-in user. */
  identity?: { userEntityRef?: string; ownershipEntityRefs?: string[] };
  routeEntries?: string[];
};

/** The mocks a rendered NHI component talks to. */
export type RenderMocks = {
  nhiApi: jest.Mocked<NhiApi>;
  campaignsApi: jest.Mocked<NhiCampaignsApi>;
  catalogApi: Partial<CatalogApi>;
  scorecardsApi: Partial<NhiScorecardsApi>;
  alertApi: { post: jest.Mock; alert$: jest.Mock };
  identityApi: ReturnType<typeof mockApis.identity>;
  permissionApi: PermissionApi;
};

/** Renders `element` in a test app; returns the mocks with the result. */
export async function renderNhi(
  element: ReactElement,
  options: RenderOptions = {},
): Promise<RenderResult & RenderMocks> {
  const nhiApi = options.nhiApi ?? mockNhiApi();
  const campaignsApi = options.campaignsApi ?? mockCampaignsApi();
  const entity = options.entity;
  if (
    entity &&
    (nhiApi.getIdentityDetail as { isDefault?: boolean }).isDefault
  ) {
    nhiApi.getIdentityDetail.mockImplementation(async entityRef => ({
      entityRef,
      spec: entity.spec as NonHumanIdentitySpec,
    }));
  }
  const catalogApi = options.catalogApi ?? catalogApiMock.mock();
  const scorecardsApi = options.scorecardsApi ?? {
    run: jest.fn(async () => []),
    runMany: jest.fn(async () => []),
  };
  let permissionApi: PermissionApi;
  if (options.permission === 'deny') {
    permissionApi = mockApis.permission({ authorize: AuthorizeResult.DENY });
  } else if (!options.permission || options.permission === 'allow') {
    permissionApi = mockApis.permission({ authorize: AuthorizeResult.ALLOW });
  } else {
    permissionApi = options.permission;
  }
  const identityApi = mockApis.identity({
    userEntityRef: 'user:default/alice',
    ownershipEntityRefs: [
      'user:default/alice',
      'group:default/data',
      'group:default/platform',
    ],
    ...options.identity,
  });
  const alertApi = { post: jest.fn(), alert$: jest.fn() };
  const rendered = await renderInTestApp(
    // usePermission caches decisions in SWR's global cache; each render gets
    // its own so one test's permission answer never leaks into the next.
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider
        apis={[
          [nhiApiRef, nhiApi],
          [nhiCampaignsApiRef, campaignsApi],
          [catalogApiRef, catalogApi],
          [nhiScorecardsApiRef, scorecardsApi],
          [permissionApiRef, permissionApi],
          [identityApiRef, identityApi],
          [alertApiRef, alertApi],
        ]}
      >
        {options.entity ? (
          <EntityProvider entity={options.entity}>{element}</EntityProvider>
        ) : (
          element
        )}
      </TestApiProvider>
    </SWRConfig>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      routeEntries: options.routeEntries,
    },
  );
  return {
    ...rendered,
    nhiApi,
    campaignsApi,
    catalogApi,
    scorecardsApi,
    alertApi,
    identityApi,
    permissionApi,
  };
}
