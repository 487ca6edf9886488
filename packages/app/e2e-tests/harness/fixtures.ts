/* Helpers for the end-to-end tests: sign-in and screenshots. */
import { expect, Page } from '@playwright/test';
import path from 'node:path';
import { E2E } from './env';

/** Signs in through the guest provider on the sign-in page, if it is shown. */
export async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
}

/** Saves a full-page screenshot under e2e-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({
    path: path.join(E2E.resultsDir, 'screenshots', `${name}.png`),
    fullPage: true,
  });
}
