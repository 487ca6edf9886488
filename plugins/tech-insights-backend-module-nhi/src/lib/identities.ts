import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  NHI_KIND,
  NhiClient,
  NhiInventoryExportPage,
} from '@backstage-nhi/plugin-nhi-common';
import { NHI_FACT_FIELDS } from './aggregate';

/** Reads one page of the catalog module's inventory export. */
export type NhiInventoryExportReader = (
  after: string | undefined,
  limit: number,
) => Promise<NhiInventoryExportPage>;

/**
 * A reader of the catalog module's inventory export
 * (`GET /api/catalog/nhi/inventory/export`) with the caller's service
 * credentials.
 */
export function inventoryExportReader(options: {
  discovery: DiscoveryService;
  auth: AuthService;
}): NhiInventoryExportReader {
  const { discovery, auth } = options;
  const client = new NhiClient({
    discoveryApi: discovery,
    fetchApi: {
      fetch: async (input, init) => {
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: await auth.getOwnServiceCredentials(),
          targetPluginId: 'catalog',
        });
        return fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string> | undefined),
            Authorization: `Bearer ${token}`,
          },
        });
      },
    },
  });
  return (after, limit) => client.exportInventory({ after, limit });
}

function isNotFound(e: unknown): boolean {
  return (
    (e as { response?: { status?: number } })?.response?.status === 404 ||
    (e as { statusCode?: number })?.statusCode === 404
  );
}

/**
 * Every NonHumanIdentity, a page at a time: from the catalog module's
 * inventory export when there is one (it holds each identity's credentials,
 * which the catalog's lean copy of an identity from a source does not), else
 * from the catalog (an older catalog module without the export, or a
 * backend without it: the credential facts then count only what the
 * catalog's entities hold). A failed read throws.
 */
export async function* readIdentities(options: {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  pageSize: number;
  inventory?: NhiInventoryExportReader;
  logger: LoggerService;
}): AsyncGenerator<Entity[]> {
  const { catalog, credentials, pageSize, inventory, logger } = options;
  if (inventory) {
    let after: string | undefined;
    let first = true;
    try {
      do {
        const page = await inventory(after, Math.min(pageSize, 1000));
        first = false;
        yield page.items as unknown as Entity[];
        after = page.nextCursor;
      } while (after);
      return;
    } catch (e) {
      if (!first || !isNotFound(e)) throw e;
      logger.warn(
        'NHI facts: the catalog has no inventory export (GET /api/catalog/nhi/inventory/export answered 404; is @backstage-nhi/plugin-catalog-backend-module-nhi up to date?); reading identities from the catalog, whose entities from sources hold no credentials',
      );
    }
  }
  for await (const page of catalog.streamEntities(
    { filter: { kind: NHI_KIND }, fields: [...NHI_FACT_FIELDS], pageSize },
    { credentials },
  )) {
    yield page;
  }
}
