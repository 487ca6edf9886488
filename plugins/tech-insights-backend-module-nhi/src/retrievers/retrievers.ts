import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  FactRetriever,
  FactRetrieverContext,
  TechInsightFact,
} from '@backstage-community/plugin-tech-insights-node';
import {
  NHI_KIND,
  nhiOwnershipCoverage,
} from '@backstage-nhi/plugin-nhi-common';
import { DateTime } from 'luxon';
import {
  emptyNhiAggregateFacts,
  NhiAggregateFacts,
  NhiAggregation,
  NhiFactAggregator,
  nhiIdentityFacts,
} from '../lib/aggregate';
import {
  inventoryExportReader,
  NhiInventoryExportReader,
  readIdentities,
} from '../lib/identities';
import {
  NHI_COMPONENT_FACT_RETRIEVER_ID,
  NHI_GROUP_FACT_RETRIEVER_ID,
  NHI_IDENTITY_FACT_RETRIEVER_ID,
  nhiComponentFactSchema,
  nhiGroupFactSchema,
  nhiIdentityFactSchema,
} from './schema';

/**
 * What the NHI fact retrievers need.
 *
 * @public
 */
export type NhiFactRetrieverOptions = {
  /** The catalog, read in bulk: a few streamed reads per run. */
  catalog: CatalogService;
  /** The time facts are computed at; default the current time. */
  now?: () => Date;
  /** Entities per page of the streamed reads; default 1000. */
  pageSize?: number;
  /**
   * Where identities are read from: the catalog module's inventory export
   * (default; it holds each identity's credentials), or the catalog only.
   * A reader of the export may be given (tests); by default one is made
   * from the retriever context's discovery and auth.
   */
  identities?: 'inventory' | 'catalog' | NhiInventoryExportReader;
};

/**
 * Version of the fact schemas; bump it when a fact is added or changes
 * meaning.
 */
const SCHEMA_VERSION = '0.2.0';

const NAME_FIELDS = ['kind', 'metadata.name', 'metadata.namespace'];

type Reader = {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  pageSize: number;
  inventory?: NhiInventoryExportReader;
  logger: FactRetrieverContext['logger'];
};

function entityOf(e: Entity): TechInsightFact['entity'] {
  return {
    namespace: e.metadata.namespace ?? 'default',
    kind: e.kind,
    name: e.metadata.name,
  };
}

/** One streamed read of every identity, aggregated page by page. */
async function aggregateIdentities(
  reader: Reader,
  now: Date,
): Promise<NhiAggregation & { identities: number }> {
  const aggregator = new NhiFactAggregator(now);
  let identities = 0;
  for await (const page of readIdentities(reader)) {
    for (const identity of page) aggregator.add(identity);
    identities += page.length;
  }
  return { ...aggregator.result(), identities };
}

/** One streamed read of the names of every entity of a kind. */
async function readNames(
  { catalog, credentials, pageSize }: Reader,
  kind: string,
): Promise<Entity[]> {
  const out: Entity[] = [];
  for await (const page of catalog.streamEntities(
    { filter: { kind }, fields: NAME_FIELDS, pageSize },
    { credentials },
  )) {
    out.push(...page);
  }
  return out;
}

/**
 * Facts for every entity of `kind`, from the aggregate keyed by its ref,
 * zero-valued for those with no identities; so that checks pass or fail for
 * every one of them instead of being skipped.
 */
/** The unowned identities used by the components each owner owns. */
async function unownedUsedByOwner(
  { catalog, credentials, pageSize }: Reader,
  unownedByDependent: Map<string, Set<string>>,
): Promise<Map<string, Set<string>>> {
  const byOwner = new Map<string, Set<string>>();
  for await (const page of catalog.streamEntities(
    {
      filter: { kind: 'Component' },
      fields: [...NAME_FIELDS, 'spec.owner'],
      pageSize,
    },
    { credentials },
  )) {
    for (const component of page) {
      const unowned = unownedByDependent.get(stringifyEntityRef(component));
      const owner = component.spec?.owner;
      if (!unowned?.size || typeof owner !== 'string') continue;
      let ownerRef: string;
      try {
        ownerRef = stringifyEntityRef(
          parseEntityRef(owner, {
            defaultKind: 'group',
            defaultNamespace: component.metadata.namespace ?? 'default',
          }),
        );
      } catch {
        continue;
      }
      const set = byOwner.get(ownerRef) ?? new Set<string>();
      for (const ref of unowned) set.add(ref);
      byOwner.set(ownerRef, set);
    }
  }
  return byOwner;
}

async function aggregateFacts(options: {
  reader: Reader;
  now: Date;
  kind: string;
  pick: (aggregation: NhiAggregation) => Map<string, NhiAggregateFacts>;
  shape: (facts: NhiAggregateFacts, ref: string) => TechInsightFact['facts'];
  logger: FactRetrieverContext['logger'];
  prepare?: (aggregation: NhiAggregation) => Promise<void>;
}): Promise<TechInsightFact[]> {
  const { reader, now, kind, pick, shape, logger } = options;
  // A failed read throws: tech-insights then writes nothing and the previous
  // facts stay, rather than every entity dropping to zero.
  const [aggregation, entities] = await Promise.all([
    aggregateIdentities(reader, now),
    readNames(reader, kind),
  ]);
  await options.prepare?.(aggregation);
  const byRef = pick(aggregation);
  const timestamp = DateTime.fromJSDate(now);
  let withIdentities = 0;
  const facts = entities.map(entity => {
    const ref = stringifyEntityRef(entity);
    const found = byRef.get(ref);
    if (found) withIdentities += 1;
    return {
      entity: entityOf(entity),
      facts: shape(found ?? emptyNhiAggregateFacts(), ref),
      timestamp,
    };
  });
  const prefix = `${kind.toLocaleLowerCase('en-US')}:`;
  const named = [...byRef.keys()].filter(ref => ref.startsWith(prefix)).length;
  logger.info(
    `NHI facts for ${entities.length} ${kind} entities (${withIdentities} with identities) from ${aggregation.identities} identities`,
  );
  if (named > withIdentities) {
    logger.info(
      `Identities name ${
        named - withIdentities
      } ${kind} entities that are not in the catalog; they get no facts`,
    );
  }
  return facts;
}

async function start(
  options: NhiFactRetrieverOptions,
  ctx: FactRetrieverContext,
): Promise<{ reader: Reader; now: Date }> {
  let inventory: NhiInventoryExportReader | undefined;
  if (typeof options.identities === 'function') {
    inventory = options.identities;
  } else if (options.identities !== 'catalog') {
    inventory = inventoryExportReader({
      discovery: ctx.discovery,
      auth: ctx.auth,
    });
  }
  return {
    reader: {
      catalog: options.catalog,
      credentials: await ctx.auth.getOwnServiceCredentials(),
      pageSize: options.pageSize ?? 1000,
      inventory,
      logger: ctx.logger,
    },
    now: options.now?.() ?? new Date(),
  };
}

/**
 * The fact retriever for Components: for every Component, facts about the
 * identities it uses (named in the identities' `spec.usedBy`). One streamed
 * read of all identities and one of the Components' names per run; a
 * Component no identity names gets zero-valued facts.
 *
 * @public
 */
export function createNhiComponentFactRetriever(
  options: NhiFactRetrieverOptions,
): FactRetriever {
  return {
    id: NHI_COMPONENT_FACT_RETRIEVER_ID,
    version: SCHEMA_VERSION,
    title: 'Non-human identities used',
    description:
      'Risk, rotation and ownership of the non-human identities each component uses',
    entityFilter: [{ kind: 'component' }],
    schema: nhiComponentFactSchema,
    handler: async ctx => {
      const { reader, now } = await start(options, ctx);
      return aggregateFacts({
        reader,
        now,
        kind: 'Component',
        pick: a => a.byDependent,
        shape: facts => ({ ...facts }),
        logger: ctx.logger,
      });
    },
  };
}

/**
 * The fact retriever for Groups: for every Group, facts about the identities
 * it owns directly (`spec.owner`, the `ownedBy` relation); identities of its
 * child groups are not included. With them, graded facts: ownership
 * coverage of the identities it answers for (those it owns and the unowned
 * ones its components use), share of credentials within their rotation
 * policy, dormant share, criticals per 100 identities. One streamed read of
 * all identities (from the catalog module's inventory export, which holds
 * their credentials) and one of the Groups' names per run; a Group that owns
 * none and whose components use no unowned identity gets only
 * `identities: 0` and `unownedUsed: 0`, so that its checks are left out
 * ("no identities") rather than passed on nothing.
 *
 * @public
 */
export function createNhiGroupFactRetriever(
  options: NhiFactRetrieverOptions,
): FactRetriever {
  return {
    id: NHI_GROUP_FACT_RETRIEVER_ID,
    version: SCHEMA_VERSION,
    title: 'Non-human identities owned',
    description:
      'Risk and rotation of the non-human identities each group owns directly',
    entityFilter: [{ kind: 'group' }],
    schema: nhiGroupFactSchema,
    handler: async ctx => {
      const { reader, now } = await start(options, ctx);
      let unownedUsed = new Map<string, Set<string>>();
      return aggregateFacts({
        reader,
        now,
        kind: 'Group',
        pick: a => a.byOwner,
        prepare: async a => {
          unownedUsed = await unownedUsedByOwner(reader, a.unownedByDependent);
        },
        shape: ({ unowned: _u, ownershipCoverage: _c, ...facts }, ref) => {
          const used = unownedUsed.get(ref)?.size ?? 0;
          // Nothing to grade: the graded checks are left out of its
          // results (tech-insights skips a check whose facts are missing)
          // instead of passing it on nothing.
          if (facts.identities === 0 && used === 0) {
            return { identities: 0, unownedUsed: 0 };
          }
          return {
            ...facts,
            unownedUsed: used,
            // of the identities it answers for — those it owns and the
            // unowned ones its components use — the share it owns
            ownershipCoverage: nhiOwnershipCoverage(
              facts.identities,
              facts.identities + used,
            ),
          };
        },
        logger: ctx.logger,
      });
    },
  };
}

/**
 * The fact retriever for NonHumanIdentity entities: one fact row per
 * identity per run (at 450,000 identities, 450,000 rows), from one streamed
 * read. Scheduled only when configured, see the README.
 *
 * @public
 */
export function createNhiIdentityFactRetriever(
  options: NhiFactRetrieverOptions,
): FactRetriever {
  return {
    id: NHI_IDENTITY_FACT_RETRIEVER_ID,
    version: SCHEMA_VERSION,
    title: 'Non-human identity hygiene',
    description:
      'Risk level, rotation, dormancy, leaks, admin access, agent expiry, ownership and credential age of each non-human identity',
    entityFilter: [{ kind: NHI_KIND.toLocaleLowerCase('en-US') }],
    schema: nhiIdentityFactSchema,
    handler: async ctx => {
      const { reader, now } = await start(options, ctx);
      const timestamp = DateTime.fromJSDate(now);
      const facts: TechInsightFact[] = [];
      for await (const page of readIdentities(reader)) {
        for (const identity of page) {
          facts.push({
            entity: entityOf(identity),
            facts: nhiIdentityFacts(identity, now),
            timestamp,
          });
        }
      }
      ctx.logger.info(`NHI facts for ${facts.length} identities`);
      return facts;
    },
  };
}

/**
 * The three NHI fact retrievers by id, as
 * `techInsightsFactRetrieversExtensionPoint.addFactRetrievers` takes them.
 *
 * @public
 */
export function createNhiFactRetrievers(
  options: NhiFactRetrieverOptions,
): Record<string, FactRetriever> {
  return {
    [NHI_COMPONENT_FACT_RETRIEVER_ID]: createNhiComponentFactRetriever(options),
    [NHI_GROUP_FACT_RETRIEVER_ID]: createNhiGroupFactRetriever(options),
    [NHI_IDENTITY_FACT_RETRIEVER_ID]: createNhiIdentityFactRetriever(options),
  };
}
