import {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  DocumentCollatorFactory,
  IndexableDocument,
} from '@backstage/plugin-search-common';
import {
  NhiClient,
  NhiInventoryExportItem,
  NhiInventoryExportPage,
  nhiTypeLabel,
} from '@backstage-nhi/plugin-nhi-common';
import { nhiBackendClientOptions } from '@backstage-nhi/plugin-nhi-node';
import { Readable } from 'node:stream';

/**
 * The search document type of non-human identities: what the search page's
 * result type filter and the result list item match on.
 *
 * @public
 */
export const NHI_SEARCH_TYPE = 'nhi-identity';

/** Identities per page of the inventory export, at most. */
const MAX_PAGE_SIZE = 1000;

/**
 * A non-human identity as the search index holds it.
 *
 * @public
 */
export interface NhiIdentityDocument extends IndexableDocument {
  kind: 'NonHumanIdentity';
  namespace: string;
  name: string;
  /** `nonhumanidentity:namespace/name`. */
  entityRef: string;
  /** The identity's type, e.g. `iam-user`. */
  identityType: string;
  category: string;
  provider: string;
  account: string;
  /** The identity's id in its provider: an ARN, a key id, an e-mail. */
  externalId: string;
  /** Its credentials' ids: access key ids, token ids, certificate serials. */
  keyIds: string[];
  /**
   * The external id and key ids as people paste them, and as PostgreSQL's
   * search drops `:`, `(`, `)`, `|`, `&`, `*`, `!` and `<` from what is
   * typed (`arn:aws:iam::1:user/x` is looked up as `arnawsiam1user/x`), so
   * that a pasted ARN finds its identity on either engine. Space separated.
   */
  exactIds: string;
  /** The owner's entity ref; empty when unowned. */
  owner: string;
  ownership: 'owned' | 'unowned';
  /** `critical` … `none`; empty when not evaluated. */
  riskLevel: string;
  riskScore: number;
  /** The rotation status; empty when not evaluated. */
  rotation: string;
}

/** What PostgreSQL's search translator strips from each typed word. */
const PG_STRIPPED = /[\0()|&:*!<]/g;

/**
 * The forms of an id a search must find: the id, and the id without what
 * the PostgreSQL engine's query translator drops from a typed word.
 */
export function exactForms(id: string): string[] {
  const stripped = id.replace(PG_STRIPPED, '');
  return stripped && stripped !== id ? [id, stripped] : [id];
}

/**
 * The search document of one identity.
 *
 * @public
 */
export function nhiIdentityDocument(
  item: NhiInventoryExportItem,
  locationTemplate = '/catalog/:namespace/:kind/:name',
): NhiIdentityDocument {
  const { metadata, spec } = item;
  const entityRef = stringifyEntityRef({
    kind: item.kind,
    namespace: metadata.namespace,
    name: metadata.name,
  });
  const keyIds = [
    ...new Set((spec.credentials ?? []).map(c => c.id).filter(Boolean)),
  ];
  const ids = [...new Set([spec.externalId, ...keyIds])].filter(
    id => !/\s/.test(id),
  );
  const level = spec.risk?.level ?? '';
  const where = [spec.provider, spec.account].filter(Boolean).join(' ');
  return {
    title: metadata.title ?? metadata.name,
    text: [
      `${nhiTypeLabel(spec.type)} in ${where}`,
      spec.externalId,
      keyIds.length
        ? `${keyIds.length === 1 ? 'key' : 'keys'} ${keyIds.join(', ')}`
        : undefined,
      spec.ownership.status === 'unowned' ? 'unowned' : undefined,
      level && level !== 'none' ? `${level} risk` : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
    location: locationTemplate
      .replace(':namespace', encodeURIComponent(metadata.namespace))
      .replace(':kind', encodeURIComponent(item.kind))
      .replace(':name', encodeURIComponent(metadata.name))
      .toLowerCase(),
    authorization: { resourceRef: entityRef },
    kind: 'NonHumanIdentity',
    namespace: metadata.namespace,
    name: metadata.name,
    entityRef,
    identityType: spec.type,
    category: spec.category,
    provider: spec.provider,
    account: spec.account ?? '',
    externalId: spec.externalId,
    keyIds,
    exactIds: ids.flatMap(exactForms).join(' '),
    owner: spec.ownership.status === 'owned' ? spec.owner ?? '' : '',
    ownership: spec.ownership.status,
    riskLevel: level,
    riskScore: spec.risk?.score ?? 0,
    rotation: spec.rotation?.status ?? '',
  };
}

/** Reads one page of the inventory export after a cursor. */
export type NhiExportReader = (
  after: string | undefined,
  limit: number,
) => Promise<NhiInventoryExportPage>;

/**
 * Options of {@link NhiIdentityCollatorFactory}.
 *
 * @public
 */
export type NhiIdentityCollatorFactoryOptions = {
  discovery: DiscoveryService;
  auth: AuthService;
  logger: LoggerService;
};

/**
 * Reads `search.collators.nhi.pageSize` (1 to 1000, default 1000).
 *
 * @public
 */
export function readNhiCollatorPageSize(config: Config): number {
  const pageSize =
    config.getOptionalNumber('search.collators.nhi.pageSize') ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InputError(
      `search.collators.nhi.pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`,
    );
  }
  return pageSize;
}

/**
 * The search collator of non-human identities (document type
 * `nhi-identity`). It reads every identity from the catalog module's
 * inventory export (`GET /api/catalog/nhi/inventory/export`) as a service, a
 * page at a time, and hands each document on as the search engine takes it:
 * the stream pulls the next page only when the engine has taken the last
 * one, so memory holds about one page whatever the number of identities. A
 * read that fails fails the collation, and the engine keeps the previous
 * index. Results are filtered by the catalog's read permission on each
 * identity, like the catalog's own documents.
 *
 * @public
 */
export class NhiIdentityCollatorFactory implements DocumentCollatorFactory {
  readonly type = NHI_SEARCH_TYPE;
  readonly visibilityPermission = catalogEntityReadPermission;

  static fromConfig(
    config: Config,
    options: NhiIdentityCollatorFactoryOptions,
  ): NhiIdentityCollatorFactory {
    const { discovery, auth } = options;
    const client = new NhiClient(
      nhiBackendClientOptions({ discovery, auth, targetPluginId: 'catalog' }),
    );
    return new NhiIdentityCollatorFactory({
      read: (after, limit) => client.exportInventory({ after, limit }),
      pageSize: readNhiCollatorPageSize(config),
      logger: options.logger,
    });
  }

  private readonly read: NhiExportReader;
  private readonly pageSize: number;
  private readonly logger: LoggerService;

  /** With a reader of the export of its own (tests, benchmarks). */
  constructor(options: {
    read: NhiExportReader;
    pageSize?: number;
    logger: LoggerService;
  }) {
    this.read = options.read;
    this.pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    this.logger = options.logger;
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.documents());
  }

  /** Every identity's document, a page read at a time. */
  async *documents(): AsyncGenerator<NhiIdentityDocument> {
    let after: string | undefined;
    let count = 0;
    let warned = false;
    do {
      const page = await this.read(after, this.pageSize);
      if (page.pending && !warned) {
        warned = true;
        this.logger.info(
          `NHI search: indexing the identities the inventory summary holds so far (${page.pending})`,
        );
      }
      for (const item of page.items) {
        count += 1;
        yield nhiIdentityDocument(item);
      }
      after = page.nextCursor;
    } while (after);
    this.logger.info(`NHI search: ${count} identities collated`);
  }
}
