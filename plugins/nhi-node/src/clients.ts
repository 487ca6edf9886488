import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { NhiClientOptions } from '@backstage-nhi/plugin-nhi-common';

/**
 * What a backend passes to the Backstage NHI clients of
 * `@backstage-nhi/plugin-nhi-common` (`NhiClient`, `NhiFeedsClient`,
 * `NhiCampaignsClient`) to call another plugin: discovery, and a fetch that
 * adds a plugin request token for `targetPluginId` to every request, on
 * behalf of `onBehalfOf` (a user who started the work, such as a template's
 * initiator) or, by default, of the calling plugin's own service identity.
 *
 * @public
 */
export function nhiBackendClientOptions(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  targetPluginId: string;
  onBehalfOf?: BackstageCredentials;
  /** The fetch to wrap (tests); the global fetch by default. */
  fetch?: typeof fetch;
}): NhiClientOptions {
  const { discovery, auth, targetPluginId } = options;
  const fetchImpl = options.fetch ?? fetch;
  return {
    discoveryApi: discovery,
    fetchApi: {
      fetch: async (input, init) => {
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf:
            options.onBehalfOf ?? (await auth.getOwnServiceCredentials()),
          targetPluginId,
        });
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${token}`);
        return fetchImpl(input, { ...init, headers });
      },
    },
  };
}
