import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import {
  NhiIdentitySource,
  nhiSourcesExtensionPoint,
} from '@backstage-nhi/plugin-nhi-node';
import { catalogModuleNhiGithub } from './module';

function sink(collected: NhiIdentitySource[]) {
  return createBackendPlugin({
    pluginId: 'catalog',
    register(env) {
      env.registerExtensionPoint(nhiSourcesExtensionPoint, {
        addSource(...sources) {
          collected.push(...sources.flat());
        },
      });
      env.registerInit({ deps: {}, async init() {} });
    },
  });
}

describe('catalogModuleNhiGithub', () => {
  it('adds one source per nhi.sources.github entry, with the integration of its host', async () => {
    const collected: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        sink(collected),
        catalogModuleNhiGithub,
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              github: [
                {
                  host: 'ghe.acme.example',
                  apiBaseUrl: 'http://127.0.0.1:1/api/v3',
                  token: 't',
                },
              ],
            },
            nhi: {
              sources: {
                github: {
                  cloud: { organizations: ['acme'] },
                  enterprise: {
                    host: 'ghe.acme.example',
                    organizations: ['acme-internal'],
                  },
                },
              },
            },
          },
        }),
      ],
    });
    expect(collected.map(s => `${s.type}:${s.id}`)).toEqual([
      'github:cloud',
      'github:enterprise',
    ]);
  });

  it('refuses a host no integration covers, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          sink([]),
          catalogModuleNhiGithub,
          mockServices.rootConfig.factory({
            data: {
              nhi: {
                sources: {
                  github: {
                    x: { host: 'ghe.nowhere.example', organizations: ['a'] },
                  },
                },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      /nhi.sources.github.x.host: there is no integrations.github entry with an API base URL for ghe.nowhere.example/,
    );
  });

  it('adds nothing without configuration', async () => {
    const collected: NhiIdentitySource[] = [];
    await startTestBackend({
      features: [
        sink(collected),
        catalogModuleNhiGithub,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    expect(collected).toEqual([]);
  });
});
