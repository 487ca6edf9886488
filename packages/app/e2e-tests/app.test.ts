import { test, expect } from '@playwright/test';
import { screenshot, signInAsGuest } from './harness/fixtures';

test('the catalog shows the demo company', async ({ page }) => {
  await signInAsGuest(page);
  await expect(page.getByText('Lumen Freight Catalog')).toBeVisible();
  await expect(page.getByText(/All Components \(\d+\)/)).toBeVisible();
  await expect(page.getByRole('link', { name: 'payments-api' })).toBeVisible();
  await screenshot(page, 'catalog');

  await page.getByPlaceholder('Filter').fill('tracking');
  await expect(page.getByRole('link', { name: 'tracking-api' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'payments-api' })).toBeHidden();

  await page.getByRole('link', { name: 'tracking-api' }).click();
  await expect(
    page.getByText('Public shipment tracking API.').first(),
  ).toBeVisible();
  await screenshot(page, 'component-page');
});
