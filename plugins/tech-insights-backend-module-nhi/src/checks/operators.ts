import { Operator } from 'json-rules-engine';

/**
 * A threshold in percent: a number (`90`) or a string with or without a
 * percent sign (`'90%'`, `'90'`); undefined when it is not a number from 0
 * to 100. A fraction such as `0.9` is taken as 0.9 %, not 90 %.
 */
export function parsePercent(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string') {
    const digits = value.trim().replace(/%$/, '').trim();
    // Number('') is 0: an empty threshold must not mean 0 %.
    if (!digits) return undefined;
    n = Number(digits);
  } else {
    return undefined;
  }
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}

/**
 * json-rules-engine operator `atLeastPercent`: the fact, a percentage from 0
 * to 100, is at least the threshold, given as a number or as `'90%'`.
 *
 * It fails closed: a fact that is not a number from 0 to 100 (missing, a
 * fraction written by a retriever that counts 0–1, a string) or a threshold
 * that is not one never passes, so a mistyped check shows as failing instead
 * of passing silently.
 *
 * @example
 * ```yaml
 * - fact: ownershipCoverage
 *   operator: atLeastPercent
 *   value: 90
 * ```
 *
 * @public
 */
export const atLeastPercentOperator = new Operator<unknown, unknown>(
  'atLeastPercent',
  (factValue, threshold) => {
    const min = parsePercent(threshold);
    return min !== undefined && (factValue as number) >= min;
  },
  factValue =>
    typeof factValue === 'number' &&
    Number.isFinite(factValue) &&
    factValue >= 0 &&
    factValue <= 100,
);

/**
 * json-rules-engine operator `atMostPercent`: the fact, a percentage from 0
 * to 100, is at most the threshold, given as a number or as `'10%'`. Fails
 * closed like {@link atLeastPercentOperator}: a fact or threshold that is
 * not a percentage never passes.
 *
 * @example
 * ```yaml
 * - fact: dormantShare
 *   operator: atMostPercent
 *   value: 10
 * ```
 *
 * @public
 */
export const atMostPercentOperator = new Operator<unknown, unknown>(
  'atMostPercent',
  (factValue, threshold) => {
    const max = parsePercent(threshold);
    return max !== undefined && (factValue as number) <= max;
  },
  factValue =>
    typeof factValue === 'number' &&
    Number.isFinite(factValue) &&
    factValue >= 0 &&
    factValue <= 100,
);

/**
 * The json-rules-engine operators the NHI checks use, for a
 * `JsonRulesEngineFactCheckerFactory`'s `operators`.
 *
 * @public
 */
export const nhiOperators: Operator[] = [
  atLeastPercentOperator,
  atMostPercentOperator,
];
