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
import { NHI_KIND } from '@backstage-nhi/plugin-nhi-common';
import { DateTime } from 'luxon';
import {
  emptyNhiAggregateFacts,
  NHI_FACT_FIELDS,
  NhiAggregateFacts,
  NhiAggregation,
  NhiFactAggregator,
  nhiIdentityFacts,
} from '../lib/aggregate';
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
};

/**
 * Version of the fact schemas; bump it when a fact is added or changes
 * meaning.
 */
const SCHEMA_VERSION = '0.1.0';

const NAME_FIELDS = ['kind', 'metadata.name', 'metadata.namespace'];

type Reader = {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  pageSize: number;
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
  { catalog, credentials, pageSize }: Reader,
  now: Date,
): Promise<NhiAggregation & { identities: number }> {
  const aggregator = new NhiFactAggregator(now);
  let identities = 0;
  for await (const page of catalog.streamEntities(
    { filter: { kind: NHI_KIND }, fields: [...NHI_FACT_FIELDS], pageSize },
    { credentials },
  )) {
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
  return {
    reader: {
      catalog: options.catalog,
      credentials: await ctx.auth.getOwnServiceCredentials(),
      pageSize: options.pageSize ?? 1000,
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
 * child groups are not included. One streamed read of all identities and one
 * of the Groups' names per run; a Group that owns none gets zero-valued
 * facts.
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
        shape: ({ unowned: _u, ownershipCoverage: _c, ...facts }, ref) => ({
          ...facts,
          unownedUsed: unownedUsed.get(ref)?.size ?? 0,
        }),
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
      for await (const page of reader.catalog.streamEntities(
        {
          filter: { kind: NHI_KIND },
          fields: [...NHI_FACT_FIELDS],
          pageSize: reader.pageSize,
        },
        { credentials: reader.credentials },
      )) {
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
