import { expect, test } from '@playwright/test';
import { BACKEND_URL, guestToken } from './portal';
import { saveScreenshot, signInAsGuest } from './support';

/** The fleet counts of one cluster, as the status backend answers them. */
async function clusterSummary(cluster: string) {
  const res = await fetch(
    `${BACKEND_URL}/api/launchpad/clusters/${cluster}/fleet?limit=1`,
    { headers: { Authorization: `Bearer ${await guestToken()}` } },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    summary: {
      total: number;
      outOfSync: number;
      degraded: number;
      atMax: number;
      backupOverdue: number;
    };
  };
  return body.summary;
}

test('the sidebar lists what this portal is for, and nothing that leads nowhere', async ({
  page,
}) => {
  await signInAsGuest(page);
  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await expect(
    nav.getByRole('img', { name: 'Launchpad Portal' }),
  ).toBeVisible();
  for (const entry of [
    'Home',
    'Instances',
    'Clusters',
    'Fleet',
    'Create',
    'Notifications',
    'Settings',
    // The guest is in the platform team, who may register components.
    'Register component',
  ]) {
    // By its text too: the logo's link is also labelled "Home".
    await expect(
      nav.getByRole('link', { name: entry, exact: true }).filter({
        hasText: entry,
      }),
    ).toBeVisible();
  }
  await expect(nav.getByText('Search', { exact: true }).first()).toBeVisible();
  for (const absent of ['APIs', 'Docs', 'Catalog', 'Visualizer']) {
    await expect(
      nav.getByRole('link', { name: absent, exact: true }),
    ).toHaveCount(0);
  }
  await expect(page).toHaveTitle('Home | Launchpad Portal');

  await nav.getByRole('link', { name: 'Clusters', exact: true }).click();
  await expect(page).toHaveURL(
    /filters(%5B|\[)type(%5D|\])=kubernetes-cluster/,
  );
  await expect(
    page.getByRole('link', { name: 'Staging', exact: true }),
  ).toBeVisible();
  await expect(page).toHaveTitle('Clusters | Launchpad Portal');
});

test('the home page shows a card per cluster with the fleet counts, each linking to the filtered fleet', async ({
  page,
}) => {
  await signInAsGuest(page);
  await expect(page).toHaveURL(/\/$/);
  for (const cluster of ['staging', 'production']) {
    const summary = await clusterSummary(cluster);
    // The sandbox seed: four instances or more on each cluster (another spec
    // may have created one), physics-101 out of sync on staging; production's
    // legacy-campus degraded, university at max, archive's backups failing.
    expect(summary.total).toBeGreaterThanOrEqual(4);
    await expect(
      page.getByRole('link', {
        name: `${summary.total} instances on ${cluster}`,
      }),
    ).toHaveAttribute('href', `/launchpad/fleet?cluster=${cluster}`);
    for (const [label, filter, n] of [
      ['out of sync', 'out-of-sync', summary.outOfSync],
      ['degraded', 'degraded', summary.degraded],
      ['at max replicas', 'at-max', summary.atMax],
      ['backup overdue', 'backup-overdue', summary.backupOverdue],
    ] as const) {
      await expect(
        page.getByRole('link', { name: `${n} ${label} on ${cluster}` }),
      ).toHaveAttribute(
        'href',
        `/launchpad/fleet?cluster=${cluster}&filter=${filter}`,
      );
    }
  }
  const production = await clusterSummary('production');
  expect(production.degraded).toBeGreaterThanOrEqual(1);
  // The user's own instances and the way to a new one.
  await expect(page.getByText(/^Your instances \(\d+\)$/)).toBeVisible();
  await expect(
    page.getByRole('button', { name: 'New instance' }),
  ).toHaveAttribute('href', '/create/templates/default/new-openedx-instance');
  await saveScreenshot(page, 'home');

  // A count opens the fleet page filtered that way.
  await page
    .getByRole('link', {
      name: `${production.degraded} degraded on production`,
    })
    .click();
  await expect(page).toHaveURL(
    /\/launchpad\/fleet\?cluster=production&filter=degraded$/,
  );
  const table = page
    .getByRole('table')
    .filter({ has: page.getByRole('columnheader', { name: 'Verdict' }) });
  await expect(
    table.getByRole('link', { name: 'legacy-campus', exact: true }),
  ).toBeVisible();
  // Only the degraded ones (well under a page of 20).
  // (the table pads a page with empty rows: count the rows with an instance)
  await expect(
    table
      .locator('tbody tr')
      .filter({ has: page.locator('a[href^="/catalog/"]') }),
  ).toHaveCount(production.degraded);
  await expect(
    page.getByRole('button', { name: /^Degraded \(\d+\)$/ }),
  ).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveTitle('Fleet | Launchpad Portal');
});

test('an instance without docs has no TechDocs tab; its cluster is configured, so it has a Kubernetes tab', async ({
  page,
}) => {
  await signInAsGuest(page, '/catalog/staging/component/demo');
  await expect(
    page.getByText('Open edX instance', { exact: true }),
  ).toBeVisible();
  // The entity page's tabs are links to its sub-routes.
  await expect(
    page
      .locator('a[href="/catalog/staging/component/demo/kubernetes"]')
      .first(),
  ).toBeVisible();
  await expect(
    page.locator('a[href="/catalog/staging/component/demo/docs"]'),
  ).toHaveCount(0);
  // No relations graph on a cluster page (it would draw every instance).
  await page.goto('/catalog/staging/resource/staging');
  await expect(
    page.getByText('Kubernetes cluster', { exact: true }),
  ).toBeVisible();
  await expect(page.getByText(/^Open edX instances \(\d+\)$/)).toBeVisible();
  await expect(page.getByText('Relations', { exact: true })).toHaveCount(0);
});
