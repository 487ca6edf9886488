/**
 * Matching of IAM wildcards: `*` is any run of characters, `?` one
 * character. Actions match case-insensitively; ARNs case-sensitively and
 * component by component (a wildcard stays within its colon-separated
 * part, except in the last part, the resource, which may hold colons).
 */

const regExps = new Map<string, RegExp>();
const MAX_CACHED = 20_000;

function escape(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** The regular expression of a glob (`*`, `?`), cached. */
function globRegExp(glob: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${glob}`;
  let re = regExps.get(key);
  if (!re) {
    re = new RegExp(
      `^${escape(glob).replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
      ignoreCase ? 'is' : 's',
    );
    if (regExps.size >= MAX_CACHED) regExps.clear();
    regExps.set(key, re);
  }
  return re;
}

/** Whether an action (`s3:GetObject`) matches a pattern of a policy (`s3:Get*`, `*`). */
export function actionMatches(action: string, pattern: string): boolean {
  if (pattern === '*') return true;
  return globRegExp(pattern, true).test(action);
}

/**
 * Values of policy variables for one request (`aws:username` → the user's
 * name), by lower-cased key. A variable that is not here is absent from
 * the request.
 */
export type PolicyVariables = ReadonlyMap<string, string>;

const VARIABLE = /\$\{([^}]*)\}/g;
const SPECIAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };

/**
 * A resource pattern with its policy variables substituted, as a list of
 * glob parts and literal parts (a substituted value matches only itself),
 * or undefined when a variable is absent from the request and has no
 * default: then the pattern matches nothing, as in AWS.
 */
function substitute(
  pattern: string,
  variables: PolicyVariables | undefined,
): Array<{ glob?: string; literal?: string }> | undefined {
  if (!variables || !pattern.includes('${')) return [{ glob: pattern }];
  const parts: Array<{ glob?: string; literal?: string }> = [];
  let last = 0;
  for (const m of pattern.matchAll(VARIABLE)) {
    parts.push({ glob: pattern.slice(last, m.index) });
    last = m.index! + m[0].length;
    const inner = m[1].trim();
    if (inner in SPECIAL) {
      parts.push({ literal: SPECIAL[inner] });
      continue;
    }
    const [key, fallback] = inner.split(/,\s*/, 2);
    const value =
      variables.get(key.trim().toLowerCase()) ??
      (fallback ? fallback.replace(/^'(.*)'$/, '$1') : undefined);
    if (value === undefined) return undefined;
    parts.push({ literal: value });
  }
  parts.push({ glob: pattern.slice(last) });
  return parts;
}

function partsRegExp(parts: Array<{ glob?: string; literal?: string }>) {
  if (parts.length === 1 && parts[0].glob !== undefined) {
    return globRegExp(parts[0].glob, false);
  }
  const source = parts
    .map(p =>
      p.literal !== undefined
        ? escape(p.literal).replace(/[*?]/g, '\\$&')
        : escape(p.glob!).replace(/\*/g, '.*').replace(/\?/g, '.'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** `arn:partition:service:region:account:resource`, the resource keeping its colons. */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * Whether a resource (an ARN, or `*` for actions that take no resource)
 * matches a `Resource` / `NotResource` entry of a policy.
 */
export function resourceMatches(
  resource: string,
  pattern: string,
  variables?: PolicyVariables,
): boolean {
  if (pattern === '*') return true;
  // A variable may hold a colon (`${aws:username}`): such patterns are
  // matched whole.
  const pArn = pattern.includes('${') ? undefined : arnParts(pattern);
  const rArn = pArn && arnParts(resource);
  if (pArn && rArn) {
    return pArn.every((p, i) => globRegExp(p, false).test(rArn[i]));
  }
  const parts = substitute(pattern, variables);
  return parts !== undefined && partsRegExp(parts).test(resource);
}
