/**
 * Who a CODEOWNERS file names for a whole repository: the owners of its
 * last catch-all rule (`*` or `/*`, later rules win as on GitHub), teams
 * (`@org/team`) first.
 *
 * @public
 */
export interface CodeownersOwners {
  /** Team slugs, e.g. `payments` for `@acme/payments`. */
  teams: string[];
  /** User logins, e.g. `octocat` for `@octocat`. */
  users: string[];
  /** E-mail addresses. */
  emails: string[];
}

const CATCH_ALL = new Set(['*', '/*', '/**', '**']);

/**
 * Parses a CODEOWNERS file and returns the owners of its last catch-all
 * rule, or undefined when it has none (owners of paths do not own the
 * repository). Comments, blank lines and escaped spaces are handled as
 * GitHub does.
 *
 * @public
 */
export function repositoryOwnersFromCodeowners(
  text: string,
): CodeownersOwners | undefined {
  let found: CodeownersOwners | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/(?<!\\)\s+/);
    if (!CATCH_ALL.has(pattern)) continue;
    const result: CodeownersOwners = { teams: [], users: [], emails: [] };
    for (const owner of owners) {
      const team = /^@[\w.-]+\/([\w.-]+)$/.exec(owner);
      if (team) result.teams.push(team[1]);
      else if (/^@[\w-]+$/.test(owner)) result.users.push(owner.slice(1));
      else if (/^[^@\s]+@[^@\s]+$/.test(owner)) result.emails.push(owner);
    }
    // A catch-all rule with no owners removes ownership, as on GitHub.
    found = result;
  }
  return found;
}
