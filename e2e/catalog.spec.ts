import { expect, test } from '@playwright/test';
import { saveScreenshot, signInAsGuest } from './support';

test('a guest signs in and sees the Launchpad clusters in the catalog', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto(
    '/catalog?filters[kind]=resource&filters[type]=kubernetes-cluster',
  );
  // The sandbox's two sample clusters, discovered from their cluster repositories.
  await expect(
    page.getByRole('link', { name: /staging/i }).first(),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: /production/i }).first(),
  ).toBeVisible();
  await saveScreenshot(page, 'catalog');
});
