import { expect, test } from '@playwright/test';
import { saveScreenshot, signInAsGuest } from './support';

// The sandbox seed's staging cluster (packages/sandbox/src/seed) holds the
// instance folders demo, physics-101, summer-school and broken-config.
test('a cluster page lists the instances found in its cluster repository', async ({
  page,
}) => {
  await signInAsGuest(page, '/catalog/staging/resource/staging');

  await expect(
    page.getByRole('heading', { name: 'Staging' }).first(),
  ).toBeVisible();
  // The "Open edX instances" card's table, with its Title and LMS columns
  // (the fleet status card lists the instances too, with other columns).
  const instances = page
    .getByRole('table')
    .filter({ has: page.getByRole('columnheader', { name: 'LMS' }) });
  for (const slug of [
    'demo',
    'physics-101',
    'summer-school',
    'broken-config',
  ]) {
    await expect(
      instances.getByRole('link', { name: slug, exact: true }),
    ).toBeVisible();
  }
  // Only this cluster's instances: production's university is not listed.
  await expect(instances.getByRole('link', { name: 'university' })).toHaveCount(
    0,
  );
  await saveScreenshot(page, 'cluster-page');
});
