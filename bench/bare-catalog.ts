/*
 * The bare catalog for bench/catalog-scale.ts: a backend with the catalog
 * alone and a trivial provider that applies BENCH_ENTITIES minimal Resource
 * entities in one full mutation a second after start-up. The benchmark starts
 * it with its own `--config` (PostgreSQL, database prefix `nhibare_`); it
 * measures the catalog's own processing and stitching ceiling on this
 * machine.
 */
import { createBackend } from '@backstage/backend-defaults';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  catalogProcessingExtensionPoint,
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';

const count = Number(process.env.BENCH_ENTITIES ?? 1000);

class BareProvider implements EntityProvider {
  getProviderName() {
    return 'bench-bare';
  }

  async connect(connection: EntityProviderConnection) {
    const entities: DeferredEntity[] = [];
    for (let i = 0; i < count; i++) {
      entities.push({
        locationKey: 'bench-bare',
        entity: {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Resource',
          metadata: {
            name: `bench-${i}`,
            annotations: {
              'backstage.io/managed-by-location': 'bench:bare',
              'backstage.io/managed-by-origin-location': 'bench:bare',
            },
          },
          spec: { type: 'bench', owner: `group:default/team-${i % 50}` },
        },
      });
    }
    setTimeout(() => {
      connection
        .applyMutation({ type: 'full', entities })
        .then(() => console.log(`bench: applied ${count} entities`))
        .catch(e => console.error(`bench: ${e}`));
    }, 1000);
  }
}

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  createBackendModule({
    pluginId: 'catalog',
    moduleId: 'bench-bare',
    register(env) {
      env.registerInit({
        deps: { catalog: catalogProcessingExtensionPoint },
        async init({ catalog }) {
          catalog.addEntityProvider(new BareProvider());
        },
      });
    },
  }),
);
backend.start();
