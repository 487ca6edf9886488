/*
 * The bare catalog for bench/catalog-scale.ts: a backend with the catalog
 * alone and a trivial provider that applies BENCH_ENTITIES minimal Resource
 * entities a second after start-up. The benchmark starts it with its own
 * `--config` (PostgreSQL, database prefix `nhibare_`); it measures the
 * catalog's own processing and stitching ceiling on this machine.
 *
 * BENCH_MUTATION=delta (the default) sends them as the NHI pipeline does: delta
 * mutations of BENCH_BATCH (1000) entities, one after another. `full` sends
 * one full mutation of all of them (one long transaction before the catalog
 * can process any: at 100,000 it took the first ten minutes).
 *
 * BENCH_OWNERS=K (0, the default) makes the owners real: K Group entities are
 * sent first and each Resource is owned by one of them, so every owner is a
 * catalog entity with N/K `ownerOf` relations that is stitched again as its
 * resources arrive (as the NHI pipeline's teams, components and people are).
 * With 0 the owners are 50 groups that do not exist.
 *
 * BENCH_SPEC (a JSON file, optional) is merged into every Resource's spec,
 * e.g. an NHI entity's spec, to weigh an entity of that size (search rows)
 * without its relations; `type` and `owner` stay the bare ones.
 */
import { createBackend } from '@backstage/backend-defaults';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  catalogProcessingExtensionPoint,
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type { JsonObject } from '@backstage/types';
import { readSpec } from './lib';

const count = Number(process.env.BENCH_ENTITIES ?? 1000);
const batch = Number(process.env.BENCH_BATCH ?? 1000);
const mutation = process.env.BENCH_MUTATION ?? 'delta';
const owners = Number(process.env.BENCH_OWNERS ?? 0);
if (mutation !== 'delta' && mutation !== 'full') {
  throw new Error(`BENCH_MUTATION must be delta or full, got ${mutation}`);
}
if (!Number.isInteger(owners) || owners < 0) {
  throw new Error(
    `BENCH_OWNERS must be a whole number of groups, got ${process.env.BENCH_OWNERS}`,
  );
}
const extraSpec = process.env.BENCH_SPEC
  ? readSpec(process.env.BENCH_SPEC)
  : undefined;

/** An entity of the bench's location. */
function deferred(
  kind: string,
  name: string,
  spec: JsonObject,
): DeferredEntity {
  return {
    locationKey: 'bench-bare',
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: {
        name,
        annotations: {
          'backstage.io/managed-by-location': 'bench:bare',
          'backstage.io/managed-by-origin-location': 'bench:bare',
        },
      },
      spec,
    },
  };
}

function entity(i: number): DeferredEntity {
  return deferred('Resource', `bench-${i}`, {
    ...(extraSpec && { ...extraSpec, externalId: `bench:${i}` }),
    type: 'bench',
    owner: `group:default/team-${i % (owners || 50)}`,
  });
}

function group(i: number): DeferredEntity {
  return deferred('Group', `team-${i}`, { type: 'team', children: [] });
}

class BareProvider implements EntityProvider {
  getProviderName() {
    return 'bench-bare';
  }

  async connect(connection: EntityProviderConnection) {
    const groups = Array.from({ length: owners }, (_, i) => group(i));
    const apply = async () => {
      if (mutation === 'full') {
        const entities = [
          ...groups,
          ...Array.from({ length: count }, (_, i) => entity(i)),
        ];
        await connection.applyMutation({ type: 'full', entities });
      } else {
        if (groups.length) {
          await connection.applyMutation({
            type: 'delta',
            added: groups,
            removed: [],
          });
        }
        for (let start = 0; start < count; start += batch) {
          const end = Math.min(count, start + batch);
          const added = [];
          for (let i = start; i < end; i++) added.push(entity(i));
          await connection.applyMutation({ type: 'delta', added, removed: [] });
        }
      }
    };
    setTimeout(() => {
      apply()
        .then(() =>
          console.log(`bench: applied ${count} entities (${mutation})`),
        )
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
