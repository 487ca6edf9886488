import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * How owners named by sources are resolved (`nhi.ownership`).
 *
 * @public
 */
export interface NhiOwnershipConfig {
  /**
   * Owner names as sources write them (tag values such as `payments-eng`)
   * → the Group or User entity ref they stand for.
   */
  aliases: Record<string, string>;
  /**
   * What the human an AI agent acted for (`on-behalf-of`) is to an identity
   * the agent created that nobody else owns: its `owner` (provenance
   * `agent-sponsor`), or only a source of `suggest`ed teams.
   */
  agentSponsor: 'owner' | 'suggest';
}

/**
 * Reads `nhi.ownership`, validating every alias target as a Group or User
 * entity ref. Throws an `InputError` naming the bad key.
 *
 * @public
 */
export function readNhiOwnershipConfig(config: Config): NhiOwnershipConfig {
  const c = config.getOptionalConfig('nhi.ownership');
  const aliases: Record<string, string> = {};
  const seen = new Map<string, string>();
  (c?.getOptionalConfigArray('aliases') ?? []).forEach((entry, i) => {
    const where = `nhi.ownership.aliases[${i}]`;
    const value = entry.getString('owner');
    let ref: string;
    try {
      const parsed = parseEntityRef(value.trim(), {
        defaultKind: 'group',
        defaultNamespace: 'default',
      });
      if (!['group', 'user'].includes(parsed.kind.toLowerCase())) {
        throw new Error(`a ${parsed.kind} cannot own an identity`);
      }
      ref = stringifyEntityRef(parsed);
    } catch (e) {
      throw new InputError(
        `${where}.owner must be a Group or User entity ref such as group:default/payments, got ${JSON.stringify(
          value,
        )} (${(e as Error).message})`,
      );
    }
    const names = entry.getStringArray('names');
    if (!names.length) {
      throw new InputError(`${where}.names must list at least one name`);
    }
    names.forEach((name, k) => {
      const folded = name.trim().toLowerCase();
      if (!folded) {
        throw new InputError(`${where}.names[${k}] must not be empty`);
      }
      const other = seen.get(folded);
      if (other && other !== ref) {
        throw new InputError(
          `${where}.names[${k}]: "${name}" is already an alias of ${other}; aliases are matched regardless of case`,
        );
      }
      seen.set(folded, ref);
      aliases[name.trim()] = ref;
    });
  });
  const agentSponsor = c?.getOptionalString('agentSponsor') ?? 'owner';
  if (agentSponsor !== 'owner' && agentSponsor !== 'suggest') {
    throw new InputError(
      `nhi.ownership.agentSponsor must be owner or suggest, got ${JSON.stringify(
        agentSponsor,
      )}`,
    );
  }
  return { aliases, agentSponsor };
}
