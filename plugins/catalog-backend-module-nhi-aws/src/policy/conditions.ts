import { ConditionClause } from './document';
import { resourceMatches } from './patterns';

/**
 * What the analysis knows of a request's context: for each key it knows,
 * the values (lower-cased key), or `null` for a key known to be absent.
 * Every other key is unknown: a condition on it may hold or not.
 */
export type KnownContext = ReadonlyMap<string, readonly string[] | null>;

/** The outcome of a statement's conditions for a request. */
export type ConditionResult = 'true' | 'false' | 'unknown';

const NEGATED =
  /^(StringNotEquals|StringNotEqualsIgnoreCase|StringNotLike|ArnNotEquals|ArnNotLike|NumericNotEquals|NotIpAddress|DateNotEquals)$/;

function matchesOne(base: string, value: string, expected: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
      return value === expected;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return value.toLowerCase() === expected.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return resourceMatches(value, expected);
    case 'ArnLike':
    case 'ArnNotLike':
      return resourceMatches(value, expected);
    case 'Bool':
      return value.toLowerCase() === expected.toLowerCase();
    default:
      return false;
  }
}

const EVALUATED =
  /^(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase|StringLike|StringNotLike|ArnEquals|ArnNotEquals|ArnLike|ArnNotLike|Bool)$/;

/** One clause against a known key. */
function clause(c: ConditionClause, values: readonly string[] | null) {
  let operator = c.operator;
  let set: 'any' | 'all' | undefined;
  if (operator.startsWith('ForAnyValue:')) {
    set = 'any';
    operator = operator.slice('ForAnyValue:'.length);
  } else if (operator.startsWith('ForAllValues:')) {
    set = 'all';
    operator = operator.slice('ForAllValues:'.length);
  }
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  if (base === 'Null') {
    const absent = values === null || values.length === 0;
    return c.values.some(v => v.toLowerCase() === String(absent))
      ? 'true'
      : 'false';
  }
  if (values === null || values.length === 0) {
    // An absent key: ...IfExists and the negated operators hold, as does
    // ForAllValues (over no values); everything else does not.
    if (ifExists || set === 'all') return 'true';
    if (set === 'any') return 'false';
    return NEGATED.test(base) ? 'true' : 'false';
  }
  if (!EVALUATED.test(base)) return 'unknown';
  const negated = NEGATED.test(base);
  const matchesValue = (v: string) =>
    c.values.some(expected => matchesOne(base, v, expected));
  let holds: boolean;
  if (set === 'all') {
    holds = values.every(v => (negated ? !matchesValue(v) : matchesValue(v)));
  } else if (negated) {
    // StringNotEquals with several request values: none may match.
    holds = values.every(v => !matchesValue(v));
  } else {
    holds = values.some(matchesValue);
  }
  return holds ? 'true' : 'false';
}

/**
 * Evaluates a statement's conditions (all must hold) against what is known
 * of the request: `false` when one known condition fails, `unknown` when
 * one depends on a key the analysis does not know, `true` otherwise.
 */
export function evaluateConditions(
  conditions: readonly ConditionClause[],
  known: KnownContext,
): ConditionResult {
  let result: ConditionResult = 'true';
  for (const c of conditions) {
    const values = known.get(c.key);
    const r = values === undefined ? 'unknown' : clause(c, values);
    if (r === 'false') return 'false';
    if (r === 'unknown') result = 'unknown';
  }
  return result;
}
