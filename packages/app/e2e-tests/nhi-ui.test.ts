import { test, expect, Page } from '@playwright/test';
import { api, eventually, screenshot, signInAs } from './harness/fixtures';

test.describe.configure({ timeout: 240_000 });

async function ownedCount(page: Page) {
  const link = page.getByRole('link', { name: /identit(y|ies) owned/ });
  await expect(link).toBeVisible();
  return Number((await link.textContent())!.replace(/[^0-9]/g, ''));
}

test('claim an unowned identity, approve it as the team lead, see the owner on the identity and team pages', async ({
  browser,
}) => {
  await eventually(
    async () =>
      (
        await api(
          '/api/catalog/entities/by-query?limit=0&filter=kind=nonhumanidentity',
        )
      ).totalItems,
    n => n >= 2000,
    240_000,
  );
  const { items } = await api(
    '/api/catalog/entities/by-query?limit=1&filter=kind=nonhumanidentity,metadata.title=legacy-reporting-token',
  );
  const name = items[0].metadata.name;
  const identityUrl = `/catalog/default/nonhumanidentity/${name}`;

  // A developer finds the unowned identity and claims it for their team.
  const developer = await (
    await browser.newContext({ viewport: { width: 1440, height: 900 } })
  ).newPage();
  await signInAs(developer, 'Priya Raman');
  await developer.goto('/nhi?tab=unowned');
  await developer
    .getByLabel('search identities')
    .fill('tok_demo_legacy_reporting');
  await developer.getByRole('link', { name: 'legacy-reporting-token' }).click();
  await expect(developer.getByText('Unowned', { exact: true })).toBeVisible();
  await expect(
    developer.getByText('Credential found by a secret scanner'),
  ).toBeVisible();
  // the finding's evidence, which the page reads from the identity's detail
  await expect(
    developer.getByText(/found by gitleaks in .* commit [0-9a-f]{12}/).first(),
  ).toBeVisible();
  await screenshot(developer, 'identity-unowned');
  await developer.getByRole('button', { name: 'Claim', exact: true }).click();
  const dialog = developer.getByRole('dialog');
  await expect(dialog.getByText('Claim legacy-reporting-token')).toBeVisible();
  await dialog.getByRole('radio', { name: 'shipping' }).check();
  await expect(
    dialog.getByRole('button', { name: 'Send claim' }),
  ).toBeDisabled();
  await dialog
    .getByLabel('justification')
    .fill('Our depot reports used this token; we will retire it.');
  await screenshot(developer, 'claim-dialog');
  await dialog.getByRole('button', { name: 'Send claim' }).click();
  await expect(
    developer.getByText(
      'Claim for group:default/shipping sent; reviewers are notified.',
    ),
  ).toBeVisible();
  // the claimant cannot approve their own claim
  await expect(
    developer.getByRole('button', { name: 'Approve' }),
  ).toBeDisabled();

  // The team lead reviews it on the team page.
  const lead = await (
    await browser.newContext({ viewport: { width: 1440, height: 900 } })
  ).newPage();
  await signInAs(lead, 'Omar Farouk');
  await lead.goto('/catalog/default/group/shipping');
  const before = await ownedCount(lead);
  await expect(
    lead.getByText(/Claims waiting for review \(\d+\)/),
  ).toBeVisible();
  await expect(
    lead.getByText('“Our depot reports used this token; we will retire it.”', {
      exact: false,
    }),
  ).toBeVisible();
  await screenshot(lead, 'team-review');
  const row = lead
    .getByRole('listitem')
    .filter({ hasText: 'legacy-reporting-token' });
  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(
    lead.getByText('Approved: group:default/shipping owns it now.'),
  ).toBeVisible();

  // The identity's page shows the new owner and where it came from.
  await expect(async () => {
    await lead.goto(identityUrl);
    await expect(
      lead.getByText(
        /claimed by user:default\/priya.raman, approved by user:default\/omar.farouk/,
      ),
    ).toBeVisible({ timeout: 8000 });
  }).toPass({ timeout: 40_000 });
  await expect(lead.getByText('Owned by')).toBeVisible();
  await screenshot(lead, 'identity-owned');

  // The team's page counts it.
  await lead.goto('/catalog/default/group/shipping');
  await expect
    .poll(() => ownedCount(lead), { timeout: 20_000 })
    .toBe(before + 1);
  await screenshot(lead, 'team-owned');
});

test('the NHI page filters to critical identities and finds an identity by its key id', async ({
  page,
}) => {
  await signInAs(page, 'Farah Haddad');
  await page.goto('/nhi');
  await expect(page.getByLabel('ownership coverage')).toBeVisible();
  await screenshot(page, 'nhi-overview');

  await page.getByRole('link', { name: 'critical' }).first().click();
  await expect(
    page.getByRole('tab', { name: 'Inventory', selected: true }),
  ).toBeVisible();
  await expect(page.getByLabel('Risk level')).toContainText('critical');
  const chips = page.getByLabel(/^risk /);
  await expect(chips.first()).toBeVisible();
  for (const label of await chips.evaluateAll(els =>
    els.map(e => e.getAttribute('aria-label')),
  )) {
    expect(label).toBe('risk critical');
  }
  await screenshot(page, 'nhi-critical');

  // "Who owns this key?" — search by a credential id
  const legacy = (
    await api(
      '/api/catalog/entities/by-query?limit=1&filter=kind=nonhumanidentity,metadata.title=legacy-reporting-token',
    )
  ).items[0];
  await page.goto('/nhi?tab=inventory');
  await page.getByLabel('search identities').fill('tok_demo_legacy_reporting');
  await expect(
    page.getByRole('link', { name: 'legacy-reporting-token' }),
  ).toBeVisible();
  await expect(page.locator('a[href*="/nonhumanidentity/"]')).toHaveCount(1);
  await screenshot(page, 'nhi-search-key');
  expect(legacy.metadata.title).toBe('legacy-reporting-token');

  await page.goto('/nhi?tab=review');
  await expect(page.getByText('Claims you can review')).toBeVisible();
  await page.goto('/nhi?tab=rules');
  await expect(
    page.getByText('Credential found by a secret scanner'),
  ).toBeVisible();
});
