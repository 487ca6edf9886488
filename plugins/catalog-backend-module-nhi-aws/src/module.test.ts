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
import { catalogModuleNhiAws } from './module';
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

describe('catalogModuleNhiAws', () => {
  it('is the default export', () => {
    expect(defaultExport).toBe(catalogModuleNhiAws);
  });

  it('adds one AWS source per nhi.sources.aws entry, with its schedule', async () => {
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        catalogStub,
        collector(sources),
        catalogModuleNhiAws,
        mockServices.rootConfig.factory({
          data: {
            nhi: {
              sources: {
                aws: {
                  production: {
                    organization: { accountRoleName: 'NhiReadOnly' },
                    schedule: {
                      frequency: { hours: 1 },
                      timeout: { minutes: 30 },
                    },
                  },
                  sandbox: { accounts: [{ accountId: '123456789012' }] },
                },
              },
            },
          },
        }),
      ],
    });
    expect(sources.map(nhiSourceKey)).toEqual([
      'aws:production',
      'aws:sandbox',
    ]);
    expect(sources[0].schedule).toEqual({
      frequency: { hours: 1 },
      timeout: { minutes: 30 },
    });
    expect(sources[1].schedule).toBeUndefined();
  });

  it('adds nothing without AWS config', async () => {
    const sources: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [catalogStub, collector(sources), catalogModuleNhiAws],
    });
    expect(sources).toEqual([]);
  });

  it('refuses to start on bad config, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          catalogStub,
          collector([]),
          catalogModuleNhiAws,
          mockServices.rootConfig.factory({
            data: {
              nhi: {
                sources: { aws: { prod: { accounts: [{ accountId: '12' }] } } },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      'nhi.sources.aws.prod.accounts[0].accountId must be a 12-digit AWS account id',
    );
  });
});
