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
  expect(ids.length).toBeGreaterThanOrEqual(6);
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

test('a team with overdue and unowned identities fails its checks, the clean team passes, and the ranking shows that order', async ({
  page,
}) => {
  await groupResults();
  await signInAsGuest(page);

  // The team page of shipping: overdue rotation and unowned identities in its
  // services fail, with the number behind each.
  await page.goto('/catalog/default/group/shipping');
  const checks = page.getByRole('list', { name: 'NHI checks' });
  await expect(checks).toBeVisible();
  const row = (name: string) =>
    checks.getByRole('listitem').filter({ hasText: name });
  await expect(
    row('No credential past its rotation policy').getByLabel('failed'),
  ).toBeVisible();
  await expect(row('No credential past its rotation policy')).toContainText(
    /past (its )?rotation[^:]*: [1-9]/i,
  );
  await expect(row('has an owner').getByLabel('failed')).toBeVisible();
  await screenshot(page, 'scorecard-team-failing');

  // The clean team passes every check.
  await page.goto('/catalog/default/group/security');
  const securityChecks = page.getByRole('list', { name: 'NHI checks' });
  await expect(securityChecks).toBeVisible();
  await expect(securityChecks.getByLabel('failed')).toHaveCount(0);
  await expect(securityChecks.getByLabel('passed').first()).toBeVisible();
  await expect(page.getByText(/(\d+) of \1 checks pass/)).toBeVisible();
  await screenshot(page, 'scorecard-team-passing');

  // The ranking on the NHI page: teams that need help first.
  await page.goto('/nhi?tab=teams');
  const rows = page.getByTestId('team-rank-row');
  await expect(rows.first()).toBeVisible();
  const teams = await rows.evaluateAll(trs =>
    trs.map(tr => ({
      team: tr.getAttribute('data-entity-ref'),
      failing: tr.querySelectorAll('td')[2]?.textContent ?? '',
    })),
  );
  const shipping = teams.findIndex(t => t.team === 'group:default/shipping');
  const security = teams.findIndex(t => t.team === 'group:default/security');
  expect(shipping).toBeGreaterThanOrEqual(0);
  expect(security).toBeGreaterThan(shipping);
  expect(teams[security].failing).toMatch(/all \d+ pass/);
  expect(teams[shipping].failing).not.toMatch(/all \d+ pass/);
  // sorted by failing checks: no team that fails something below one that passes all
  const passes = teams.map(t => /all \d+ pass/.test(t.failing));
  expect(passes.indexOf(true)).toBeGreaterThan(passes.lastIndexOf(false));
  await screenshot(page, 'scorecard-team-ranking');
});
