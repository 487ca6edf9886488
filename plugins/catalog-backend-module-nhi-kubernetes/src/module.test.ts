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
import { catalogModuleNhiKubernetes } from './module';
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

const pluginClusters = {
  kubernetes: {
    serviceLocatorMethod: { type: 'multiTenant' },
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'shared',
            url: 'https://shared.k8s.example.com',
            authProvider: 'serviceAccount',
            serviceAccountToken: 'token',
          },
        ],
      },
    ],
  },
};

async function sourcesFor(data?: object) {
  const sources: NhiIdentitySource[] = [];
  await startTestBackend({
    features: [
      catalogStub,
      collector(sources),
      catalogModuleNhiKubernetes,
      ...(data ? [mockServices.rootConfig.factory({ data })] : []),
    ],
  });
  return sources;
}

describe('catalogModuleNhiKubernetes', () => {
  it('is the default export', () => {
    expect(defaultExport).toBe(catalogModuleNhiKubernetes);
  });

  it('adds one source per nhi.sources.kubernetes entry, with its schedule', async () => {
    const sources = await sourcesFor({
      ...pluginClusters,
      nhi: {
        sources: {
          kubernetes: {
            production: {
              clusters: [
                {
                  name: 'prod',
                  url: 'https://prod.k8s.example.com',
                  auth: { serviceAccountToken: 'token' },
                },
              ],
              schedule: { frequency: { hours: 1 }, timeout: { minutes: 30 } },
            },
            lab: {
              kubernetesPluginClusters: false,
              clusters: [
                {
                  name: 'lab',
                  url: 'https://lab.k8s.example.com',
                  auth: { serviceAccountTokenFile: '/var/run/token' },
                },
              ],
            },
          },
        },
      },
    });
    expect(sources.map(nhiSourceKey)).toEqual([
      'kubernetes:production',
      'kubernetes:lab',
    ]);
    expect(sources[0].schedule).toEqual({
      frequency: { hours: 1 },
      timeout: { minutes: 30 },
    });
  });

  it("reads the Kubernetes plugin's clusters with no config of its own", async () => {
    expect((await sourcesFor(pluginClusters)).map(nhiSourceKey)).toEqual([
      'kubernetes:default',
    ]);
  });

  it('adds nothing without any cluster', async () => {
    expect(await sourcesFor()).toEqual([]);
  });

  it('refuses to start on bad config, naming the key', async () => {
    await expect(
      sourcesFor({
        nhi: {
          sources: {
            kubernetes: {
              prod: {
                clusters: [
                  {
                    name: 'prod',
                    url: 'ftp://x',
                    auth: { serviceAccountToken: 't' },
                  },
                ],
              },
            },
          },
        },
      }),
    ).rejects.toThrow(
      `nhi.sources.kubernetes.prod.clusters[0].url must be the API server's http(s) URL, got "ftp://x"`,
    );
  });
});
