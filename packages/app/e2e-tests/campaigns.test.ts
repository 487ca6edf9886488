import { test, expect, Page } from '@playwright/test';
import fs from 'node:fs';
import { api, eventually, screenshot, signInAs } from './harness/fixtures';

test.describe.configure({ timeout: 600_000 });

/** The text of an evidence file downloaded from the campaign's page. */
async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  return fs.readFileSync((await file.path())!, 'utf8');
}

/**
 * Signs in as a demo user, once more if the app was too slow to show the
 * first time (a second portal build shares this machine's two cores).
 */
async function signIn(page: Page, title: string) {
  try {
    await signInAs(page, title);
  } catch {
    await signInAs(page, title);
  }
}

/** The first row of the review table whose identity the user may decide. */
function decidableRow(page: Page) {
  return page
    .getByRole('table', { name: 'campaign items' })
    .getByRole('row')
    .filter({
      has: page.getByRole('button', {
        name: 'Certify',
        exact: true,
        disabled: false,
      }),
    })
    .first();
}

test('a security reviewer starts a campaign; a developer certifies one identity and revokes another with a note; the export holds both decisions', async ({
  browser,
}) => {
  // The campaign's scope is read from the inventory: wait until it answers
  // for the shipping team's identities.
  const inventory = await eventually(
    () =>
      api(
        '/api/catalog/nhi/inventory?owner=group:default/shipping&limit=1',
      ).catch(e => ({ ready: false, reason: String(e) })),
    a => a.ready && a.totalCount >= 2,
    300_000,
  );
  expect(inventory.ready).toBe(true);
  const name = `Shipping access review ${Date.now()}`;

  // The security team's lead starts the campaign from the NHI page.
  const security = await (
    await browser.newContext({ viewport: { width: 1440, height: 900 } })
  ).newPage();
  await signIn(security, 'Farah Haddad');
  await security.goto('/nhi?tab=campaigns');
  await security.getByRole('button', { name: 'New campaign' }).click();
  const dialog = security.getByRole('dialog', { name: 'New campaign' });
  await dialog.getByRole('textbox', { name: /^Name/ }).fill(name);
  await dialog
    .getByRole('textbox', { name: 'Owner', exact: true })
    .fill('shipping');
  await dialog.getByRole('button', { name: /^Reviewers/ }).click();
  await security
    .getByRole('option', { name: "All of the owner team's members" })
    .click();
  await screenshot(security, 'campaign-new');
  await dialog.getByRole('button', { name: 'Start campaign' }).click();
  await expect(
    security.getByText(new RegExp(`Campaign "${name}" started: [0-9,]+`)),
  ).toBeVisible({ timeout: 120_000 });
  await expect(security).toHaveURL(/campaign=/);
  const campaignId = new URL(security.url()).searchParams.get('campaign')!;
  await expect(
    security.getByRole('list', { name: 'progress by owner' }),
  ).toContainText('shipping');
  await expect(
    security.getByText('owner group:default/shipping'),
  ).toBeVisible();

  // A developer of the shipping team finds it waiting for her.
  const developer = await (
    await browser.newContext({
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true,
    })
  ).newPage();
  await signIn(developer, 'Priya Raman');
  await developer.goto('/nhi?tab=review');
  await developer
    .getByRole('list', { name: 'campaigns waiting' })
    .getByRole('link', { name })
    .click();
  await expect(
    developer.getByRole('table', { name: 'campaign items' }),
  ).toBeVisible();

  // She certifies one identity…
  const table = developer.getByRole('table', { name: 'campaign items' });
  const first = decidableRow(developer);
  const certified = (await first.getAttribute('aria-label'))!;
  const named = table.getByRole('row', { name: certified, exact: true });
  const before = await named.count();
  await first.getByRole('button', { name: 'Certify', exact: true }).click();
  await expect(developer.getByText(`Certified: ${certified}.`)).toBeVisible();
  // decided, it leaves the queue once the list has reloaded
  await expect(named).toHaveCount(before - 1);

  // …and revokes another, with the note the evidence keeps.
  const second = decidableRow(developer);
  const revoked = (await second.getAttribute('aria-label'))!;
  await second.getByRole('button', { name: 'Revoke', exact: true }).click();
  const revoke = developer.getByRole('dialog', { name: `Revoke ${revoked}` });
  await expect(
    revoke.getByRole('button', { name: 'Revoke', exact: true }),
  ).toBeDisabled();
  const note = 'Depot scanners moved to OIDC; this key is unused.';
  await revoke.getByRole('textbox', { name: /^Note/ }).fill(note);
  await revoke.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(
    developer.getByText(`Marked for revocation: ${revoked}.`),
  ).toBeVisible();
  await screenshot(developer, 'campaign-review');

  // The campaign's progress counts both.
  const detail = await api(`/api/nhi/campaigns/${campaignId}`, {
    as: 'farah.haddad',
  });
  expect(detail.counts).toMatchObject({ certify: 1, revoke: 1 });
  const decided = await api(
    `/api/nhi/campaigns/${campaignId}/items?status=decided`,
    { as: 'farah.haddad' },
  );
  const byDecision = Object.fromEntries(
    decided.items.map((i: any) => [i.decision, i]),
  );
  expect(byDecision.certify).toMatchObject({
    title: certified,
    decidedBy: 'user:default/priya.raman',
  });
  expect(byDecision.revoke).toMatchObject({
    title: revoked,
    decidedBy: 'user:default/priya.raman',
    note,
    remediation: { action: 'revoke', status: 'open' },
  });

  // The security reviewer exports the evidence: both decisions are in it.
  await security.reload();
  const csv = await download(security, 'CSV');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toMatch(/^campaign_id,item_id,identity,title,/);
  const row = (itemId: string) =>
    lines.find(l => l.startsWith(`${campaignId},${itemId},`));
  expect(row(byDecision.certify.id)).toContain(
    ',certify,user:default/priya.raman,',
  );
  expect(row(byDecision.revoke.id)).toContain(
    `,revoke,user:default/priya.raman,`,
  );
  expect(row(byDecision.revoke.id)).toContain(note);
  const json = JSON.parse(await download(security, 'JSON'));
  const items: any[] = Array.isArray(json) ? json : json.items;
  expect(
    items
      .filter(i => i.decision && i.decision !== 'pending')
      .map(i => [i.id, i.decision, i.decidedBy])
      .sort(),
  ).toEqual(
    [
      [byDecision.certify.id, 'certify', 'user:default/priya.raman'],
      [byDecision.revoke.id, 'revoke', 'user:default/priya.raman'],
    ].sort(),
  );
});
