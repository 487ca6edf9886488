import { test, expect } from '@playwright/test';
import { api, eventually, screenshot, signInAsGuest } from './harness/fixtures';

const count = async (filter: string) =>
  (
    await api<{ totalItems: number }>(
      `/api/catalog/entities/by-query?limit=0&filter=${encodeURIComponent(
        filter,
      )}`,
    )
  ).totalItems;

test.describe('non-human identities in the catalog', () => {
  test.beforeAll(async () => {
    // The demo inventory (2,000 identities) goes through the pipeline first.
    const total = await eventually(
      () => count('kind=nonhumanidentity'),
      n => n >= 2000,
      240_000,
    );
    expect(total).toBeGreaterThanOrEqual(2000);
  });

  test('unowned identities are explicit and filterable through the catalog API', async () => {
    const total = await count('kind=nonhumanidentity');
    const unowned = await count(
      'kind=nonhumanidentity,spec.ownership.status=unowned',
    );
    const owned = await count(
      'kind=nonhumanidentity,spec.ownership.status=owned',
    );
    expect(unowned + owned).toBe(total);
    expect(unowned / total).toBeGreaterThan(0.1);
    expect(unowned / total).toBeLessThan(0.22);
    const sources = await api<{ items: any[] }>('/api/catalog/nhi/sources');
    expect(sources.items[0]).toMatchObject({
      key: 'file:demo',
      lastRun: { status: 'succeeded', counts: { read: 2000, invalid: 0 } },
    });
    expect(sources.items[1]).toMatchObject({
      key: 'aws:demo',
      lastRun: { status: 'succeeded', counts: { invalid: 0 } },
    });
  });

  test('the kind picker lists NonHumanIdentity and opens an identity page', async ({
    page,
  }) => {
    await signInAsGuest(page);
    await page.getByLabel('Kind').click();
    await page.getByRole('option', { name: 'NonHumanIdentity' }).click();
    await expect(
      page.getByText(/All Non ?Human ?Identities \(\d+\)/i),
    ).toBeVisible();
    await screenshot(page, 'catalog-nonhumanidentity');
    await page.getByPlaceholder('Filter').fill('legacy-reporting-token');
    await page.getByRole('link', { name: 'legacy-reporting-token' }).click();
    await expect(
      page
        .getByText(
          'Token a forgotten reporting job used to pull shipment data.',
        )
        .first(),
    ).toBeVisible();
    await screenshot(page, 'identity-page');
  });

  test('a component lists the identities it declares among its relations', async ({
    page,
  }) => {
    const component = await api(
      '/api/catalog/entities/by-name/component/default/payments-api',
    );
    const declared = component.relations.filter(
      (r: any) =>
        r.type === 'dependsOn' && r.targetRef.startsWith('nonhumanidentity:'),
    );
    expect(declared.length).toBeGreaterThan(3);
    await signInAsGuest(page);
    await page.goto('/catalog/default/component/payments-api/dependencies');
    await expect(
      page.getByRole('heading', { name: 'payments-api' }),
    ).toBeVisible();
    await screenshot(page, 'component-dependencies');
  });

  test("a team's page counts the identities it owns", async ({ page }) => {
    const owned = await count(
      'kind=nonhumanidentity,relations.ownedBy=group:default/payments',
    );
    expect(owned).toBeGreaterThan(50);
    await signInAsGuest(page);
    await page.goto('/catalog/default/group/payments');
    // the card's title; the scorecard's checks also name non-human identities
    await expect(
      page.getByText('Non-human identities', { exact: true }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', {
        name: new RegExp(`^${owned} identities owned`),
      }),
    ).toBeVisible();
    await screenshot(page, 'team-page');
  });
});
