import { expect, test } from '@playwright/test';
import { BACKEND_URL, guestToken } from './portal';
import { saveScreenshot, signInAsGuest } from './support';

/**
 * How many instances the catalog holds now: other specs (create-instance) add
 * some. Components only: the Launchpad templates have spec.type openedx-instance too.
 */
async function instanceCount(): Promise<number> {
  const res = await fetch(
    `${BACKEND_URL}/api/catalog/entities/by-query?filter=kind=component,spec.type=openedx-instance&limit=1`,
    { headers: { Authorization: `Bearer ${await guestToken()}` } },
  );
  expect(res.ok).toBe(true);
  return ((await res.json()) as { totalItems: number }).totalItems;
}

// The sandbox seed's eight instances (packages/sandbox/src/seed/instances.ts).
const INSTANCES = [
  'demo',
  'physics-101',
  'summer-school',
  'broken-config',
  'university',
  'legacy-campus',
  'archive',
];

test('the fleet page lists every instance and filters on the server', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Fleet', exact: true })
    .click();
  await expect(page).toHaveURL(/\/launchpad\/fleet\/?$/);

  const table = page
    .getByRole('table')
    .filter({ has: page.getByRole('columnheader', { name: 'Verdict' }) });
  for (const slug of INSTANCES) {
    await expect(
      table.getByRole('link', { name: slug, exact: true }).first(),
    ).toBeVisible();
  }
  // demo runs on both clusters: the seed's 8 rows, and any instance another
  // spec created since the portal started.
  await expect(
    table.getByRole('link', { name: 'demo', exact: true }),
  ).toHaveCount(2);
  const total = await instanceCount();
  expect(total).toBeGreaterThanOrEqual(8);
  const filters = page.getByRole('group', { name: 'Fleet filters' });
  await expect(filters.getByText(`All (${total})`)).toBeVisible();

  // The row links to the instance's entity page.
  await expect(
    table.getByRole('link', { name: 'legacy-campus', exact: true }),
  ).toHaveAttribute('href', '/catalog/production/component/legacy-campus');
  await saveScreenshot(page, 'fleet-page');

  await filters.getByText(/^Degraded \(\d+\)$/).click();
  await expect(
    table.getByRole('link', { name: 'physics-101', exact: true }),
  ).toHaveCount(0);
  await expect(
    table.getByRole('link', { name: 'legacy-campus', exact: true }),
  ).toBeVisible();
  await saveScreenshot(page, 'fleet-page-degraded');
});
