import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  NhiIdentitySource,
  nhiSourceKey,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/plugin-nhi-node';
import { catalogModuleNhiGcp } from './module';
import defaultExport from './index';

/** Stands in for the NHI pipeline module: collects the sources added to it. */
function collector(into: NhiIdentitySource[]) {
  return createBackendModule({
    pluginId: 'catalog',
    moduleId: 'nhi-collector',
    register(env) {
      env.registerExtensionPoint(nhiSourcesExtensionPoint, {
        addSource(...sources) {
          into.push(...sources.flat());
        },
      });
      env.registerInit({ deps: {}, async init() {} });
    },
  });
}

const catalogStub = createBackendPlugin({
  pluginId: 'catalog',
  register(env) {
    env.registerInit({ deps: {}, async init() {} });
  },
});

describe('catalogModuleNhiGcp', () => {
  it('is the default export', () => {
    expect(defaultExport).toBe(catalogModuleNhiGcp);
  });

  it('adds one Google Cloud source per nhi.sources.gcp entry, with its schedule', async () => {
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        catalogStub,
        collector(sources),
        catalogModuleNhiGcp,
        mockServices.rootConfig.factory({
          data: {
            nhi: {
              sources: {
                gcp: {
                  company: {
                    organizationId: '123456789012',
                    credentials: { accessToken: 'test-token' },
                    schedule: {
                      frequency: { hours: 1 },
                      timeout: { minutes: 30 },
                    },
                  },
                  legacy: {
                    projects: ['acme-legacy'],
                    credentials: { accessToken: 'test-token' },
                  },
                },
              },
            },
          },
        }),
      ],
    });
    expect(sources.map(nhiSourceKey)).toEqual(['gcp:company', 'gcp:legacy']);
    expect(sources[0].schedule).toEqual({
      frequency: { hours: 1 },
      timeout: { minutes: 30 },
    });
    expect(sources[1].schedule).toBeUndefined();
  });

  it('adds nothing without Google Cloud config', async () => {
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [catalogStub, collector(sources), catalogModuleNhiGcp],
    });
    expect(sources).toEqual([]);
  });

  it('refuses to start on bad config, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          catalogStub,
          collector([]),
          catalogModuleNhiGcp,
          mockServices.rootConfig.factory({
            data: {
              nhi: { sources: { gcp: { prod: { organizationId: 'acme' } } } },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      'nhi.sources.gcp.prod.organizationId must be a numeric organization id',
    );
  });
});
