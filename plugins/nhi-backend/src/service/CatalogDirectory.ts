import {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_NHI_LEADS,
  isNonHumanIdentityEntity,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { normalizeRef } from '../lib/identifiers';

/**
 * What the claims backend reads from the catalog: identities (as the
 * caller, so that one they cannot see is a 404 for them), and users, groups
 * and their leads (as this plugin, since who may decide must not depend on
 * what the caller can see).
 */
export class CatalogDirectory {
  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
  ) {}

  private async asPlugin() {
    return { credentials: await this.auth.getOwnServiceCredentials() };
  }

  /** The identity, or 404 (unknown, not visible to the caller, or not an NHI). */
  async identity(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<NonHumanIdentityEntity> {
    const entity = await this.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity || !isNonHumanIdentityEntity(entity)) {
      throw new NotFoundError(`no non-human identity ${entityRef}`);
    }
    return entity;
  }

  /**
   * The owner the catalog shows for an identity (from its source, tags or
   * a declaration), whatever the caller may see; undefined when it has none.
   */
  async catalogOwner(entityRef: string): Promise<string | undefined> {
    const entity = await this.catalog.getEntityByRef(
      entityRef,
      await this.asPlugin(),
    );
    return entity && isNonHumanIdentityEntity(entity)
      ? ownerOfIdentity(entity)
      : undefined;
  }

  /** The group, or 404. */
  async group(groupRef: string): Promise<Entity> {
    const group = await this.catalog.getEntityByRef(
      groupRef,
      await this.asPlugin(),
    );
    if (!group || group.kind.toLowerCase() !== 'group') {
      throw new NotFoundError(`no group ${groupRef}`);
    }
    return group;
  }

  /** The groups a user belongs to, from their User entity's memberOf relations. */
  async groupsOf(userRef: string): Promise<string[]> {
    const user = await this.catalog.getEntityByRef(
      userRef,
      await this.asPlugin(),
    );
    return (user?.relations ?? [])
      .filter(r => r.type === RELATION_MEMBER_OF)
      .map(r => r.targetRef);
  }

  /** The leads of a group; none when it has none or is not in the catalog. */
  async leadsOfGroup(groupRef: string): Promise<string[]> {
    try {
      return leadsOf(await this.group(groupRef));
    } catch {
      return [];
    }
  }

  /**
   * Who speaks for an owner: the leads of an owning group, or the owning
   * user themselves.
   */
  async speakersFor(owner: string): Promise<string[]> {
    return owner.startsWith('user:') ? [owner] : this.leadsOfGroup(owner);
  }

  /** The groups whose leads include the user. */
  async groupsLedBy(userRef: string): Promise<string[]> {
    const led: string[] = [];
    for await (const page of this.catalog.streamEntities(
      {
        filter: { kind: 'Group' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      await this.asPlugin(),
    )) {
      for (const g of page) {
        if (leadsOf(g).includes(userRef)) led.push(stringifyEntityRef(g));
      }
    }
    return led;
  }
}

/** Leads of a group from its `backstage-nhi.io/leads` annotation. */
export function leadsOf(group: Entity): string[] {
  return (group.metadata.annotations?.[ANNOTATION_NHI_LEADS] ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)
    .map(s =>
      normalizeRef(
        s,
        'user',
        `${ANNOTATION_NHI_LEADS} of ${stringifyEntityRef(group)}`,
      ),
    );
}

/** The owner an identity's entity names (`spec.owner`), as a full ref. */
export function ownerOfIdentity(
  identity: NonHumanIdentityEntity,
): string | undefined {
  return identity.spec.owner
    ? normalizeRef(identity.spec.owner, 'group', 'owner')
    : undefined;
}
