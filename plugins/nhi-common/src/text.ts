/**
 * Names a few items and counts the rest, for evidence and messages that
 * must stay short: `a, b, c` or `a, b, c and 4 more`.
 *
 * @param max - how many to name at most (3)
 *
 * @public
 */
export function shortList(items: readonly string[], max = 3): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
