import { expect, Page } from '@playwright/test';
import path from 'path';
import { OUTPUT_DIR } from './portal';

/** Opens `url` in the portal as the guest (the provider's "Enter" button if it asks). */
export async function signInAsGuest(page: Page, url = '/'): Promise<void> {
  // The global setup signed the guest in once and every test starts from its
  // saved storage (playwright.config.ts), so the first load is the page under
  // test; the sign-in page is still handled if the stored session is refused.
  await page.goto(url);
  const enter = page.getByRole('button', { name: /enter/i });
  // The sidebar's links (its <nav> itself has no box of its own).
  const home = page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Home' });
  await expect(enter.or(home).first()).toBeVisible();
  if (await enter.isVisible()) {
    await enter.click();
    await expect(enter).toBeHidden();
  }
}

/** Saves a full-page screenshot under the git-ignored e2e/.output folder. */
export async function saveScreenshot(
  page: Page,
  name: string,
): Promise<string> {
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  // Off the sidebar, which expands over the page while hovered.
  await page.mouse.move((page.viewportSize()?.width ?? 1280) - 1, 1);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The sandbox's admin API (packages/sandbox): its clock, faults and counters. */
export const SANDBOX_ADMIN = 'http://127.0.0.1:7100/_sandbox';

/** Moves the sandbox's clock on: its workflows, builds, backups and syncs run on it. */
export async function advanceSandboxClock(ms: number): Promise<void> {
  const res = await fetch(`${SANDBOX_ADMIN}/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advanceMs: ms }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.ok).toBe(true);
}

/**
 * Chooses a template on the Create page (already open) by its title. The list
 * is asked again if it has not come within 15 s: on a loaded machine (or after
 * the development backend restarted) its first request can stay unanswered.
 */
export async function chooseTemplate(page: Page, title: string): Promise<void> {
  // The innermost card naming the template (template groups are cards too).
  const choose = page
    .locator('.MuiCard-root')
    .filter({ hasText: title })
    .filter({ has: page.getByTestId('template-card-actions--create') })
    .last()
    .getByTestId('template-card-actions--create');
  let attempt = 0;
  await expect(async () => {
    if (attempt++ > 0) await page.reload();
    await expect(choose).toBeVisible({ timeout: 15_000 });
  }).toPass({ timeout: 45_000 });
  await choose.click();
}
