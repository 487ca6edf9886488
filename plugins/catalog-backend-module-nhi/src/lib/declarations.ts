import picomatch from 'picomatch';

/** A catalog entity that declares the identities it uses. */
export interface Declaration {
  /** The declaring entity, e.g. `component:default/payments-api`. */
  entityRef: string;
  /** Its owner (entity ref), when it has one. */
  owner?: string;
  /** External ids, entity names or glob patterns. */
  patterns: string[];
}

/** The keys an identity can be declared by. */
export interface DeclarationKeys {
  externalId: string;
  entityName: string;
  credentialIds: string[];
}

/**
 * Splits the `backstage-nhi.io/identities` annotation into patterns: commas
 * and new lines separate, blanks are dropped.
 */
export function parseDeclarationAnnotation(
  value: string | undefined,
): string[] {
  if (!value) return [];
  return value
    .split(/[,\n]/)
    .map(p => p.trim())
    .filter(Boolean);
}

const GLOB_CHARS = /[*?[\]{}!]/;

/**
 * Finds the components that declare an identity. Exact patterns (no glob
 * characters) are looked up in a map; glob patterns are compiled once with
 * picomatch (`*` within one `/`-separated segment, `**` across), so matching
 * every identity of a run costs one map lookup per key plus the globs.
 */
export class DeclarationIndex {
  private readonly exact = new Map<string, Declaration[]>();
  private readonly globs: Array<{
    test: (s: string) => boolean;
    declaration: Declaration;
  }> = [];

  constructor(declarations: Declaration[]) {
    for (const d of declarations) {
      for (const pattern of d.patterns) {
        if (GLOB_CHARS.test(pattern)) {
          this.globs.push({
            test: picomatch(pattern, { dot: true, nocase: true }),
            declaration: d,
          });
        } else {
          const key = pattern.toLowerCase();
          const list = this.exact.get(key) ?? [];
          list.push(d);
          this.exact.set(key, list);
        }
      }
    }
  }

  get size(): number {
    return this.exact.size + this.globs.length;
  }

  /** The declarations matching an identity, each once, in a stable order. */
  match(keys: DeclarationKeys): Declaration[] {
    if (this.size === 0) return [];
    const found = new Set<Declaration>();
    const all = [keys.externalId, keys.entityName, ...keys.credentialIds];
    for (const key of all) {
      for (const d of this.exact.get(key.toLowerCase()) ?? []) found.add(d);
    }
    for (const g of this.globs) {
      if (!found.has(g.declaration) && all.some(k => g.test(k))) {
        found.add(g.declaration);
      }
    }
    return [...found].sort((a, b) => a.entityRef.localeCompare(b.entityRef));
  }
}
