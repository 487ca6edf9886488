import { test, expect } from '@playwright/test';
import { api, eventually, screenshot, signInAsGuest } from './harness/fixtures';

test.describe.configure({ timeout: 300_000 });

test('the inventory opens with the riskiest identities first', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/nhi?tab=inventory');
  const chips = page.getByLabel(/^risk /);
  await expect(chips.first()).toBeVisible();
  // each chip reads "critical · 96": level and score
  const rows = await chips.evaluateAll(els =>
    els.map(e => {
      const [level, score] = (e.textContent ?? '').split(' · ');
      return { level, score: Number(score) };
    }),
  );
  expect(rows.length).toBeGreaterThan(1);
  expect(rows[0].level).toBe('critical');
  // by risk score, highest first
  const scores = rows.map(r => r.score);
  expect(scores.every(Number.isFinite)).toBe(true);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await screenshot(page, 'inventory-riskiest-first');
});

type SearchAnswer = {
  results: Array<{ type: string; document: { title: string; text: string } }>;
};

test('pasting a key id into the portal’s search finds its identity first', async ({
  page,
}) => {
  const key = 'tok_demo_legacy_reporting';
  // the identities are indexed on the search schedule after ingestion
  const answer = await eventually(
    // 500 (missing index) until the first indexing run has finished
    () =>
      api<SearchAnswer>(`/api/search/query?term=${key}`).catch(() => ({
        results: [],
      })),
    // indexed: the identity's document is in (a partial index may rank others)
    a => a.results.some(r => r.document.title === 'legacy-reporting-token'),
    240_000,
  );
  expect(answer.results[0].type).toBe('nhi-identity');
  expect(answer.results[0].document.title).toBe('legacy-reporting-token');
  expect(answer.results[0].document.text).toContain(key);

  await signInAsGuest(page);
  await page.goto(`/search?query=${key}`);
  const first = page.getByRole('link', { name: 'legacy-reporting-token' });
  await expect(first.first()).toBeVisible();
  await screenshot(page, 'search-key-id');
  await first.first().click();
  await expect(page).toHaveURL(/\/catalog\/default\/nonhumanidentity\//);
});
