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
