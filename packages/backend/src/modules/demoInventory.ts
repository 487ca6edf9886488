import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { writeDemoInventory } from '@backstage-nhi/demo-data';
import path from 'node:path';

/**
 * Demo only: at start-up, writes the generated demo company's identity
 * inventory where the demo's file source (`nhi.sources.file.demo`) reads it,
 * so the portal shows identities through the real pipeline. Enabled by
 * `nhiDemo.inventory.target`; absent from production config.
 */
export const catalogModuleNhiDemoInventory = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-demo-inventory',
  register(env) {
    env.registerInit({
      deps: { config: coreServices.rootConfig, logger: coreServices.logger },
      async init({ config, logger }) {
        const demo = config.getOptionalConfig('nhiDemo.inventory');
        if (!demo || config.getOptionalBoolean('nhiDemo.enabled') === false)
          return;
        const target = path.resolve(demo.getString('target'));
        const identities = demo.getOptionalNumber('identities') ?? 2000;
        const leakReport = demo.getOptionalString('leakReport');
        const result = writeDemoInventory(target, {
          identities,
          leakReport: leakReport ? path.resolve(leakReport) : undefined,
        });
        logger.info(
          `NHI demo: ${result.identities} generated identities ${
            result.changed ? 'written to' : 'unchanged in'
          } ${target}`,
        );
      },
    });
  },
});
