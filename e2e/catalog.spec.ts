import { expect, test } from '@playwright/test';
import { saveScreenshot, signInAsGuest } from './support';

test('a guest lands on the home page and finds the clusters in the catalog', async ({
  page,
}) => {
  await signInAsGuest(page);
  // The landing page's "Where things are" widget points at the instances and
  // the clusters (the sidebar does too: first-impression.spec.ts).
  await expect(page).toHaveURL(/\/$/);
  const clusters = page.getByRole('link', {
    name: 'Kubernetes clusters',
    exact: true,
  });
  await expect(
    page.getByRole('link', { name: 'Open edX instances', exact: true }),
  ).toBeVisible();

  await clusters.click();
  await expect(page).toHaveURL(
    /filters%5Btype%5D=kubernetes-cluster|filters\[type\]=kubernetes-cluster/,
  );
  // The sandbox's two sample clusters, discovered from their cluster repositories.
  await expect(
    page.getByRole('link', { name: 'Staging', exact: true }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Production', exact: true }),
  ).toBeVisible();
  await saveScreenshot(page, 'catalog');
});
