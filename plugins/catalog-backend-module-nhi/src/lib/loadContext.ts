import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_NHI_IDENTITIES,
  NHI_KIND,
  NhiApprovedClaim,
} from '@backstage-nhi/plugin-nhi-common';
import { EnrichmentContext } from './buildEntity';
import {
  Declaration,
  DeclarationIndex,
  parseDeclarationAnnotation,
} from './declarations';
import { CatalogDirectory, DirectoryEntity } from './directory';
import { NhiOwnershipConfig } from '../module/ownershipConfig';

/**
 * Where approved ownership claims come from (the claims backend). Read once
 * per run; a failure fails the run so that claimed owners are never dropped.
 */
export interface NhiOwnershipFeed {
  readApprovedClaims(): Promise<NhiApprovedClaim[]>;
}

/** The catalog reads of a run, for the run's record. */
export interface ContextStats {
  directoryEntities: number;
  declarations: number;
  agents: number;
  claims: number;
  leaks?: number;
}

async function collect(stream: AsyncIterable<Entity[]>): Promise<Entity[]> {
  const out: Entity[] = [];
  for await (const page of stream) out.push(...page);
  return out;
}

/**
 * Loads what enrichment needs with a few bulk reads — Groups and Users, the
 * entities that declare identities, AI-agent identities — and the approved
 * claims, never one call per identity.
 */
export async function loadEnrichmentContext(options: {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  declaringKinds: string[];
  ownershipFeed?: NhiOwnershipFeed;
  /** How owners are resolved (`nhi.ownership`). */
  ownership?: NhiOwnershipConfig;
}): Promise<{ context: EnrichmentContext; stats: ContextStats }> {
  const { catalog, credentials, declaringKinds, ownershipFeed } = options;
  const [people, declaring, agents, claims] = await Promise.all([
    collect(
      catalog.streamEntities(
        {
          filter: { kind: ['Group', 'User'] },
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'metadata.title',
            'spec.profile.email',
            'spec.profile.displayName',
            'spec.memberOf',
          ],
          pageSize: 1000,
        },
        { credentials },
      ),
    ),
    collect(
      catalog.streamEntities(
        {
          filter: {
            kind: declaringKinds,
            [`metadata.annotations.${ANNOTATION_NHI_IDENTITIES}`]:
              CATALOG_FILTER_EXISTS,
          },
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'metadata.annotations',
            'spec.owner',
          ],
          pageSize: 1000,
        },
        { credentials },
      ),
    ),
    collect(
      catalog.streamEntities(
        {
          filter: { kind: NHI_KIND, 'spec.category': 'ai-agent' },
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'metadata.title',
            'spec.externalId',
          ],
          pageSize: 1000,
        },
        { credentials },
      ),
    ),
    ownershipFeed ? ownershipFeed.readApprovedClaims() : Promise.resolve([]),
  ]);

  const directory = new CatalogDirectory(
    people.map(
      (e): DirectoryEntity => ({
        kind: e.kind,
        namespace: e.metadata.namespace ?? 'default',
        name: e.metadata.name,
        title:
          (e.spec?.profile as { displayName?: string } | undefined)
            ?.displayName ?? e.metadata.title,
        email: (e.spec?.profile as { email?: string } | undefined)?.email,
        memberOf: e.spec?.memberOf as string[] | undefined,
      }),
    ),
    agents.map(e => ({
      ref: stringifyEntityRef(e),
      name: e.metadata.name,
      title: e.metadata.title,
      externalId: e.spec?.externalId as string | undefined,
    })),
    options.ownership?.aliases,
  );

  const declarations: Declaration[] = declaring.map(e => {
    const namespace = e.metadata.namespace ?? 'default';
    const owner = e.spec?.owner as string | undefined;
    let ownerRef: string | undefined;
    if (owner) {
      try {
        ownerRef = stringifyEntityRef(
          parseEntityRef(owner, {
            defaultKind: 'group',
            defaultNamespace: namespace,
          }),
        );
      } catch {
        ownerRef = undefined;
      }
    }
    return {
      entityRef: stringifyEntityRef(e),
      owner: ownerRef,
      patterns: parseDeclarationAnnotation(
        e.metadata.annotations?.[ANNOTATION_NHI_IDENTITIES],
      ),
    };
  });

  return {
    context: {
      directory,
      declarations: new DeclarationIndex(declarations),
      claims: new Map(claims.map(c => [c.entityRef.toLowerCase(), c])),
      sponsorAsOwner: options.ownership?.agentSponsor !== 'suggest',
    },
    stats: {
      directoryEntities: people.length,
      declarations: declarations.length,
      agents: agents.length,
      claims: claims.length,
    },
  };
}
