import { test, expect } from '@playwright/test';
import { api, eventually, screenshot, signInAsGuest } from './harness/fixtures';

test.describe.configure({ timeout: 300_000 });

type Bulk = Array<{
  entity: string;
  results: Array<{ check: { id: string }; result: boolean }>;
}>;

/** Waits until Tech Insights has group facts computed over the whole inventory. */
async function groupResults(): Promise<Bulk> {
  const checks: Array<{ id: string }> = await api('/api/tech-insights/checks');
  const ids = checks.map(c => c.id).filter(id => id.startsWith('nhi-group-'));
  // the four graded checks, no leaked credential, agents expire
  expect(ids).toEqual(
    expect.arrayContaining([
      'nhi-group-ownership-coverage',
      'nhi-group-credentials-within-policy',
      'nhi-group-dormant-share',
      'nhi-group-critical-per-100',
    ]),
  );
  return eventually(
    () =>
      api<Bulk>('/api/tech-insights/checks/run', {
        method: 'POST',
        body: JSON.stringify({
          entities: ['group:default/shipping', 'group:default/security'],
          checks: ids,
        }),
      }),
    // facts exist for both and the shipping ones were computed after ingestion
    r =>
      r.length === 2 &&
      r.every(e => e.results.length === ids.length) &&
      r[0].results.some(c => c.result === false),
    240_000,
  );
}

test('teams are graded on shares: a team that keeps its house in order passes, a messy one fails, one with no identities is not graded, and the ranking shows that order', async ({
  page,
}) => {
  const results = await groupResults();
  // the measures behind the grades, in the test's output
  for (const r of results) {
    const measures = r.results.map(
      (c: any) =>
        `${c.check.id}=${c.result} ${JSON.stringify(
          Object.fromEntries(
            Object.entries(c.facts ?? {}).map(([k, v]: any) => [k, v.value]),
          ),
        )}`,
    );
    process.stdout.write(`${r.entity}: ${measures.join('; ')}\n`);
  }
  await signInAsGuest(page);

  // The team page of shipping: a graded check fails, with its measure.
  await page.goto('/catalog/default/group/shipping');
  const checks = page.getByRole('list', { name: 'NHI checks' });
  await expect(checks).toBeVisible();
  const failed = checks
    .getByRole('listitem')
    .filter({ has: page.getByLabel('failed') });
  await expect(failed.first()).toBeVisible();
  await expect(failed.first()).toContainText(/: [\d.]+%?/);
  await screenshot(page, 'scorecard-team-failing');

  // The clean team passes every check.
  await page.goto('/catalog/default/group/security');
  const securityChecks = page.getByRole('list', { name: 'NHI checks' });
  await expect(securityChecks).toBeVisible();
  await expect(securityChecks.getByLabel('failed')).toHaveCount(0);
  await expect(securityChecks.getByLabel('passed').first()).toBeVisible();
  await expect(page.getByText(/(\d+) of \1 checks pass/)).toBeVisible();
  await screenshot(page, 'scorecard-team-passing');

  // The ranking on the NHI page: teams that need help first, guests (no
  // identities) last and not passing.
  await page.goto('/nhi?tab=teams');
  const rows = page.getByTestId('team-rank-row');
  await expect(rows.first()).toBeVisible();
  const teams = await rows.evaluateAll(trs =>
    trs.map(tr => ({
      team: tr.getAttribute('data-entity-ref'),
      failing: tr.querySelectorAll('td')[2]?.textContent ?? '',
    })),
  );
  const at = (ref: string) => teams.findIndex(t => t.team === ref);
  const shipping = at('group:default/shipping');
  const security = at('group:default/security');
  expect(shipping).toBeGreaterThanOrEqual(0);
  expect(security).toBeGreaterThan(shipping);
  expect(teams[security].failing).toMatch(/all \d+ pass/);
  expect(teams[shipping].failing).not.toMatch(/all \d+ pass/);
  // the guests group owns nothing: not graded, and not passing
  const guests = at('group:default/guests');
  expect(guests).toBeGreaterThan(security);
  expect(teams[guests].failing).toBe('no identities: nothing to grade');
  // sorted by failing checks: no team that fails something below one that
  // passes all; the teams with nothing to grade after both
  const graded = teams.filter(t => !/nothing to grade/.test(t.failing));
  expect(teams.slice(graded.length).map(t => t.failing)).toEqual(
    teams.slice(graded.length).map(() => 'no identities: nothing to grade'),
  );
  const passes = graded.map(t => /all \d+ pass/.test(t.failing));
  expect(passes.indexOf(true)).toBeGreaterThan(passes.lastIndexOf(false));
  await screenshot(page, 'scorecard-team-ranking');
});
