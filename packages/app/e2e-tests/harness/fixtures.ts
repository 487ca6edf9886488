/* Helpers for the end-to-end tests: sign-in and screenshots. */
import { expect, Page } from '@playwright/test';
import path from 'node:path';
import { E2E } from './env';

/** Signs in as the guest from the demo sign-in page. */
export async function signInAsGuest(page: Page) {
  await page.goto('/');
  // the sign-in page can take long to render on a busy machine
  await page
    .getByRole('button', { name: 'Enter as guest' })
    .click({ timeout: 60_000 });
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  // Signed in once the app shows; a test that navigates before that would
  // abort the sign-in and land on the sign-in page again.
  await expect(page.getByText('Lumen Freight Catalog')).toBeVisible();
}

/** Signs in as a demo user (development sign-in), e.g. "Priya Raman". */
export async function signInAs(page: Page, title: string) {
  await page.goto('/');
  await page
    .getByRole('button', { name: `Sign in as ${title}` })
    .click({ timeout: 60_000 });
  await expect(page.getByText('Lumen Freight Catalog')).toBeVisible();
}

/** Saves a full-page screenshot under e2e-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({
    path: path.join(E2E.resultsDir, 'screenshots', `${name}.png`),
    fullPage: true,
  });
}

/** A token of the guest user, or of a demo user (development sign-in). */
export async function tokenOf(demoUser?: string): Promise<string> {
  const refresh = await fetch(
    `${E2E.backendUrl}/api/auth/${
      demoUser ? 'demo' : 'guest'
    }/refresh?env=development`,
    {
      headers: {
        'X-Requested-With': 'XMLHttpRequest',
        ...(demoUser ? { 'x-nhi-demo-user': demoUser } : {}),
      },
    },
  );
  if (!refresh.ok)
    throw new Error(`sign-in as ${demoUser ?? 'guest'}: ${refresh.status}`);
  return (await refresh.json()).backstageIdentity.token;
}

/** Calls the portal's backend API as the guest user (or `init.as`, a demo user). */
export async function api<T = any>(
  apiPath: string,
  init?: RequestInit & { as?: string },
): Promise<T> {
  const token = await tokenOf(init?.as);
  const res = await fetch(`${E2E.backendUrl}${apiPath}`, {
    ...init,
    headers: {
      ...init?.headers,
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
  });
  if (!res.ok) {
    throw new Error(
      `${init?.method ?? 'GET'} ${apiPath}: ${res.status} ${await res.text()}`,
    );
  }
  return res.json();
}

/** Polls `fn` until `check` passes (or the time is up) and returns the last value. */
export async function eventually<T>(
  fn: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await fn();
  while (!check(value) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 1000));
    value = await fn();
  }
  return value;
}
