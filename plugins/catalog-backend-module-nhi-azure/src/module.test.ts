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
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import {
  generateEntraTenant,
  GraphEndpoint,
  StaticTokenCredential,
  startGraphEndpoint,
} from './testUtils';
import {
  catalogModuleNhiAzure,
  nhiAzureCredentialsExtensionPoint,
} from './module';
import defaultExport from './index';

jest.setTimeout(30_000);

const TENANT = '5a0b7c3e-2f61-4d8a-9b1c-7e4f2a6d8c10';

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

let endpoint: GraphEndpoint | undefined;
afterEach(async () => {
  await endpoint?.stop();
  endpoint = undefined;
});

describe('catalogModuleNhiAzure', () => {
  it('is the default export', () => {
    expect(defaultExport).toBe(catalogModuleNhiAzure);
  });

  it('adds one Azure source per nhi.sources.azure entry, with its schedule', async () => {
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        catalogStub,
        collector(sources),
        catalogModuleNhiAzure,
        mockServices.rootConfig.factory({
          data: {
            nhi: {
              sources: {
                azure: {
                  corp: {
                    tenantId: TENANT,
                    clientId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
                    clientSecret: 'not-a-real-secret',
                    schedule: {
                      frequency: { hours: 1 },
                      timeout: { minutes: 30 },
                    },
                  },
                  lab: { tenantId: TENANT },
                },
              },
            },
          },
        }),
      ],
    });
    expect(sources.map(nhiSourceKey)).toEqual(['azure:corp', 'azure:lab']);
    expect(sources[0].schedule).toEqual({
      frequency: { hours: 1 },
      timeout: { minutes: 30 },
    });
    expect(sources[1].schedule).toBeUndefined();
  });

  it('adds nothing without Azure config', async () => {
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        catalogStub,
        collector(sources),
        catalogModuleNhiAzure,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    expect(sources).toEqual([]);
  });

  it('reads with a credential another module gives through nhiAzureCredentialsExtensionPoint', async () => {
    const model = generateEntraTenant({ identities: 20, tenantId: TENANT });
    endpoint = await startGraphEndpoint({ model, token: 'from-the-extension' });
    const credential = new StaticTokenCredential('from-the-extension');
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        catalogStub,
        collector(sources),
        catalogModuleNhiAzure,
        createBackendModule({
          pluginId: 'catalog',
          moduleId: 'azure-credential',
          register(env) {
            env.registerInit({
              deps: { credentials: nhiAzureCredentialsExtensionPoint },
              async init({ credentials }) {
                credentials.setCredential('demo', credential);
              },
            });
          },
        }),
        mockServices.rootConfig.factory({
          data: {
            nhi: {
              sources: {
                azure: { demo: { tenantId: TENANT, target: endpoint.url } },
              },
            },
          },
        }),
      ],
    });
    const { summary, records } = await readSource(sources[0]);
    expect(summary.errors).toEqual([]);
    expect(records.length).toBeGreaterThan(20);
    expect(credential.requests).toEqual([`${endpoint.url}/.default`]);
  });

  it('refuses a wrong config at start-up, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          catalogStub,
          collector([]),
          catalogModuleNhiAzure,
          mockServices.rootConfig.factory({
            data: {
              nhi: { sources: { azure: { corp: { tenantId: 'contoso' } } } },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      /nhi\.sources\.azure\.corp\.tenantId must be a tenant or client id/,
    );
  });
});
