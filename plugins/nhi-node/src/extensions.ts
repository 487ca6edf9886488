import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { NhiIdentitySource } from './source';

/**
 * The extension point through which source modules add identity sources to
 * the NHI pipeline (`@backstage-nhi/plugin-catalog-backend-module-nhi`).
 *
 * @example
 * ```ts
 * export const catalogModuleNhiExample = createBackendModule({
 *   pluginId: 'catalog',
 *   moduleId: 'nhi-example',
 *   register(env) {
 *     env.registerInit({
 *       deps: { sources: nhiSourcesExtensionPoint, config: coreServices.rootConfig },
 *       async init({ sources, config }) {
 *         sources.addSource(ExampleSource.fromConfig(config));
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export interface NhiSourcesExtensionPoint {
  /** Adds sources; `type:id` must be unique across all sources. */
  addSource(...sources: Array<NhiIdentitySource | NhiIdentitySource[]>): void;
}

/**
 * Reference to {@link NhiSourcesExtensionPoint}.
 *
 * @public
 */
export const nhiSourcesExtensionPoint =
  createExtensionPoint<NhiSourcesExtensionPoint>({
    id: 'nhi.sources',
  });
