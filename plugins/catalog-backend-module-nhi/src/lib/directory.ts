import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** A Group or User as the pipeline needs it to resolve owners and people. */
export interface DirectoryEntity {
  kind: string;
  namespace: string;
  name: string;
  title?: string;
  email?: string;
  /** For users: the groups they are members of (entity refs). */
  memberOf?: string[];
}

/** An AI-agent identity already in the catalog, to link agent-created identities to. */
export interface DirectoryAgent {
  ref: string;
  externalId?: string;
  name: string;
  title?: string;
}

function normalizeName(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/^(team|grp|group)[-:]/, '')
    .replace(/-(team|group)$/, '');
}

/**
 * Resolves the names a source uses for teams and people (a tag value such as
 * `payments` or `Payments Team`, an e-mail, a user name, an entity ref) to
 * catalog entity refs, from one bulk read of Groups and Users.
 */
export class CatalogDirectory {
  private readonly refs = new Set<string>();
  private readonly byName = new Map<string, string[]>();
  private readonly byEmail = new Map<string, string>();
  private readonly memberOf = new Map<string, string[]>();
  private readonly agents = new Map<string, string>();
  private readonly aliases = new Map<string, string>();

  /**
   * @param aliases - owner names as sources write them → the entity ref
   *   they stand for (`nhi.ownership.aliases`), matched whole and
   *   case-insensitively before any other rule.
   */
  constructor(
    entities: DirectoryEntity[],
    agents: DirectoryAgent[] = [],
    aliases: Record<string, string> = {},
  ) {
    for (const [alias, target] of Object.entries(aliases)) {
      this.aliases.set(alias.trim().toLowerCase(), target);
    }
    // Groups first, so that a name shared by a group and a user means the group.
    const sorted = [...entities].sort(
      (a, b) =>
        Number(a.kind.toLowerCase() !== 'group') -
        Number(b.kind.toLowerCase() !== 'group'),
    );
    for (const e of sorted) {
      const ref = stringifyEntityRef({
        kind: e.kind,
        namespace: e.namespace,
        name: e.name,
      });
      this.refs.add(ref);
      for (const key of new Set(
        [e.name, e.title].filter(Boolean).map(v => normalizeName(v!)),
      )) {
        const list = this.byName.get(key) ?? [];
        list.push(ref);
        this.byName.set(key, list);
      }
      if (e.email) this.byEmail.set(e.email.trim().toLowerCase(), ref);
      if (e.memberOf?.length) {
        this.memberOf.set(
          ref,
          e.memberOf.map(m =>
            stringifyEntityRef(
              parseEntityRef(m, {
                defaultKind: 'group',
                defaultNamespace: e.namespace,
              }),
            ),
          ),
        );
      }
    }
    for (const a of agents) {
      for (const key of [a.externalId, a.name, a.title]) {
        if (key) this.agents.set(key.toLowerCase(), a.ref);
      }
      this.agents.set(a.ref.toLowerCase(), a.ref);
    }
  }

  /**
   * A Group or User ref for an owner name, or undefined when nobody
   * matches. A configured alias wins; an alias whose target is not in the
   * catalog resolves to nobody.
   */
  resolveOwner(value: string | undefined): string | undefined {
    const alias = this.aliasOf(value);
    if (alias) return this.resolve(alias, ['group', 'user']);
    return this.resolve(value, ['group', 'user']);
  }

  /** The configured alias target of an owner name, if there is one. */
  aliasOf(value: string | undefined): string | undefined {
    return value ? this.aliases.get(value.trim().toLowerCase()) : undefined;
  }

  /** A User ref for a person's name, e-mail or ref, or undefined. */
  resolveUser(value: string | undefined): string | undefined {
    return this.resolve(value, ['user']);
  }

  /** The groups a user is a member of. */
  groupsOf(userRef: string | undefined): string[] {
    return (userRef && this.memberOf.get(userRef)) || [];
  }

  /** The NonHumanIdentity ref of an AI agent by its id, name or ref, or undefined. */
  resolveAgent(value: string | undefined): string | undefined {
    return value ? this.agents.get(value.trim().toLowerCase()) : undefined;
  }

  private resolve(
    value: string | undefined,
    kinds: string[],
  ): string | undefined {
    if (!value?.trim()) return undefined;
    const v = value.trim();
    const ofKind = (ref: string) =>
      kinds.includes(ref.slice(0, ref.indexOf(':')));
    if (/^(group|user):/i.test(v)) {
      // An explicit entity ref means exactly that entity, or nobody.
      try {
        const ref = stringifyEntityRef(
          parseEntityRef(v, {
            defaultKind: kinds[0],
            defaultNamespace: 'default',
          }),
        );
        return this.refs.has(ref) && ofKind(ref) ? ref : undefined;
      } catch {
        return undefined;
      }
    }
    if (v.includes('@')) {
      const ref = this.byEmail.get(v.toLowerCase());
      if (ref && ofKind(ref)) return ref;
    }
    const candidates = (this.byName.get(normalizeName(v)) ?? []).filter(ofKind);
    if (candidates.length === 0) return undefined;
    return candidates.find(ref => ref.includes(':default/')) ?? candidates[0];
  }
}
