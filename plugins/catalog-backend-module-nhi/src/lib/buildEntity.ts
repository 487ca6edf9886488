import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ANNOTATION_NHI_SOURCE,
  NHI_API_VERSION,
  NHI_KIND,
  nhiEntityName,
  NhiApprovedClaim,
  NhiCreation,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { DeclarationIndex } from './declarations';
import { CatalogDirectory } from './directory';
import { toCatalogEntity } from './catalogEntity';
import { resolveOwnership, ResolvedOwnership } from './ownership';

/** The bulk-read data every identity of a run is enriched from. */
export interface EnrichmentContext {
  directory: CatalogDirectory;
  declarations: DeclarationIndex;
  /** Approved claims by identity entity ref. */
  claims: { get(entityRef: string): NhiApprovedClaim | undefined };
  /** Whether the human an AI agent acted for owns what it made (`nhi.ownership.agentSponsor`). Default true. */
  sponsorAsOwner?: boolean;
}

/**
 * The evaluate step: fills risk and rotation. Pure; the default leaves the
 * entity as it is.
 */
export type NhiEvaluator = (
  entity: NonHumanIdentityEntity,
) => NonHumanIdentityEntity;

/** What the pipeline makes of one record. */
export interface BuiltIdentity {
  /** What the catalog gets: the lean entity (see `toCatalogEntity`). */
  entity: NonHumanIdentityEntity;
  /** The whole evaluated entity: its spec is the identity's detail, kept in the summary. */
  full: NonHumanIdentityEntity;
  entityRef: string;
  scope: string;
  /** Hash of `entity`: when it changes, the catalog is written. */
  hash: string;
  /** Hash of the whole spec: when it changes, the summary is written. */
  detailHash: string;
  fallback: ResolvedOwnership;
}

/** The catalog name of the identity a record describes. */
export function recordEntityName(record: NhiIdentityRecord): string {
  return nhiEntityName(record.provider, record.name, record.externalId);
}

/** The catalog's location key and location ref for a source's entities. */
export function sourceLocation(sourceKey: string) {
  return { locationKey: `nhi:${sourceKey}`, locationRef: `nhi:${sourceKey}` };
}

/** A stable hash of an entity: the same content always gives the same hash. */
export function hashEntity(entity: object): string {
  return createHash('sha1').update(stableStringify(entity)).digest('hex');
}

const TAG = /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/;

function normalizeTags(tags: string[] | undefined): string[] | undefined {
  if (!tags?.length) return undefined;
  const out = new Set<string>();
  for (const t of tags) {
    const tag = String(t)
      .toLowerCase()
      .replace(/[^a-z0-9:+#]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '');
    if (tag && TAG.test(tag)) out.add(tag);
  }
  return out.size ? [...out].sort() : undefined;
}

function toRef(value: string, defaultKind: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(value.trim(), {
        defaultKind,
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return value;
  }
}

function compact<T extends object>(o: T): T {
  for (const key of Object.keys(o) as Array<keyof T>) {
    if (o[key] === undefined) delete o[key];
  }
  return o;
}

function resolveCreation(
  createdBy: NhiCreation | undefined,
  directory: CatalogDirectory,
): NhiCreation | undefined {
  if (!createdBy) return undefined;
  const out: NhiCreation = { ...createdBy };
  const named = createdBy.ref ?? createdBy.name;
  if (createdBy.type === 'person') {
    const user = directory.resolveUser(named);
    if (user) out.ref = user;
    else delete out.ref;
  } else if (createdBy.type === 'pipeline' && createdBy.ref) {
    out.ref = toRef(createdBy.ref, 'component');
  }
  if (createdBy.agent) {
    const agentRef =
      (createdBy.agent.ref && toRef(createdBy.agent.ref, 'nonhumanidentity')) ??
      directory.resolveAgent(createdBy.agent.id);
    const onBehalfOf = directory.resolveUser(createdBy.agent.onBehalfOf);
    out.agent = compact({
      ...createdBy.agent,
      ref: agentRef,
      onBehalfOf: onBehalfOf ?? createdBy.agent.onBehalfOf,
    });
    if (createdBy.type === 'agent' && agentRef) out.ref = agentRef;
  }
  return compact(out);
}

/**
 * Turns one normalized record into its NonHumanIdentity entity: names it,
 * resolves people and components, decides ownership (claim → source →
 * declaration → none), links declaring components as users, evaluates it,
 * splits it into the lean entity the catalog gets and the whole one the
 * summary keeps, and hashes both. Pure given the context.
 */
export function buildEntity(
  record: NhiIdentityRecord,
  sourceKey: string,
  context: EnrichmentContext,
  evaluate: NhiEvaluator,
): BuiltIdentity {
  const { directory } = context;
  const name = recordEntityName(record);
  const entityRef = stringifyEntityRef({
    kind: NHI_KIND,
    namespace: 'default',
    name,
  });
  const declaredBy = context.declarations.match({
    externalId: record.externalId,
    entityName: name,
    credentialIds: (record.credentials ?? []).map(c => c.id),
  });

  const createdBy = resolveCreation(record.createdBy, directory);
  const agent = record.agent
    ? compact({
        ...record.agent,
        onBehalfOf:
          directory.resolveUser(record.agent.onBehalfOf) ??
          record.agent.onBehalfOf,
      })
    : undefined;

  const people = [
    createdBy?.type === 'person' ? createdBy.ref : undefined,
    createdBy?.agent?.onBehalfOf,
    agent?.onBehalfOf,
  ].filter((p): p is string => !!p && p.startsWith('user:'));

  // The human an agent acted for: of the agent that created it, or of the
  // agent identity itself.
  const sponsor = [
    createdBy?.type === 'agent' ? createdBy.agent?.onBehalfOf : undefined,
    record.category === 'ai-agent' ? agent?.onBehalfOf : undefined,
  ].find(p => p?.startsWith('user:'));

  const { result, fallback } = resolveOwnership(
    {
      claim: context.claims.get(entityRef),
      sourceOwner: record.owner,
      declaredBy,
      people,
      sponsor,
      sponsorAsOwner: context.sponsorAsOwner,
    },
    directory,
  );

  const usedBy = new Set<string>(
    (record.usedBy ?? []).map(u => toRef(u, 'component')),
  );
  for (const d of declaredBy) usedBy.add(d.entityRef);

  const { locationRef } = sourceLocation(sourceKey);
  const spec: NonHumanIdentitySpec = compact({
    type: record.type,
    category: record.category,
    provider: record.provider,
    account: record.account,
    externalId: record.externalId,
    owner: result.owner,
    ownership: result.ownership,
    usedBy: usedBy.size ? [...usedBy].sort() : undefined,
    environments: record.environments?.length
      ? [...new Set(record.environments)].sort()
      : undefined,
    createdBy,
    agent,
    expiresAt: record.expiresAt,
    lastUsed: record.lastUsed,
    interactiveLogin: record.interactiveLogin,
    mfa: record.mfa,
    credentials: record.credentials?.map(c => ({ ...c })),
    permissions: record.permissions,
    federation: record.federation?.length ? record.federation : undefined,
  });

  const entity: NonHumanIdentityEntity = {
    apiVersion: NHI_API_VERSION,
    kind: NHI_KIND,
    metadata: compact({
      name,
      namespace: 'default',
      title: record.name,
      description: record.description,
      tags: normalizeTags(record.tags),
      links: record.links?.length ? record.links : undefined,
      annotations: {
        [ANNOTATION_NHI_SOURCE]: sourceKey,
        [ANNOTATION_LOCATION]: locationRef,
        [ANNOTATION_ORIGIN_LOCATION]: locationRef,
      },
    }),
    spec,
  };

  const evaluated = evaluate(entity);
  return {
    ...splitIdentity(evaluated),
    entityRef,
    scope: record.scope ?? record.account ?? '',
    fallback,
  };
}

/**
 * An evaluated identity as the pipeline writes it: the lean entity for the
 * catalog, the whole one for the summary, and a hash of each.
 */
export function splitIdentity(
  full: NonHumanIdentityEntity,
): Pick<BuiltIdentity, 'entity' | 'full' | 'hash' | 'detailHash'> {
  const entity = toCatalogEntity(full);
  return {
    entity,
    full,
    hash: hashEntity(entity),
    detailHash: hashEntity(full.spec),
  };
}
