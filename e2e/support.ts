import { expect, Page } from '@playwright/test';
import path from 'path';
import { OUTPUT_DIR } from './portal';

/** Opens the portal and signs in with the guest provider's "Enter" button. */
export async function signInAsGuest(page: Page): Promise<void> {
  await page.goto('/');
  const enter = page.getByRole('button', { name: /enter/i });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(enter).toBeHidden();
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
