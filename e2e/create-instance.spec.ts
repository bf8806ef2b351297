import { expect, Locator, Page, test } from '@playwright/test';
import { BACKEND_URL, guestToken } from './portal';
import { chooseTemplate, saveScreenshot, signInAsGuest } from './support';

// The sandbox (its admin API moves the clock) and the staging cluster's
// repository (packages/sandbox/src/seed).
const SANDBOX = 'http://127.0.0.1:7100';
const REPOSITORY = 'acme-edu/launchpad-cluster-staging';
const DOMAIN = 'staging.learn.acme.test';

/** Moves the sandbox's clock on: its workflows, builds and syncs run on it. */
async function advanceSandboxClock(ms: number): Promise<void> {
  const res = await fetch(`${SANDBOX}/_sandbox/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advanceMs: ms }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.ok).toBe(true);
}

interface Task {
  status: string;
}

async function readTask(id: string): Promise<Task> {
  const res = await fetch(`${BACKEND_URL}/api/scaffolder/v2/tasks/${id}`, {
    headers: { Authorization: `Bearer ${await guestToken()}` },
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.ok).toBe(true);
  return (await res.json()) as Task;
}

async function taskLog(id: string): Promise<string> {
  const res = await fetch(
    `${BACKEND_URL}/api/scaffolder/v2/tasks/${id}/events`,
    {
      headers: { Authorization: `Bearer ${await guestToken()}` },
      signal: AbortSignal.timeout(10_000),
    },
  );
  const events = (await res.json()) as Array<{ body: { message?: string } }>;
  return events.map(e => e.body.message ?? '').join('\n');
}

/** A Backstage InfoCard by its exact title. */
function card(page: Page, title: string): Locator {
  return page.locator('.MuiCard-root').filter({
    has: page.locator('.MuiCardHeader-title', {
      hasText: new RegExp(`^${title}$`),
    }),
  });
}

/** The Workflows the status watch still sees in the instance namespace. */
async function liveWorkflows(slug: string): Promise<number> {
  const res = await fetch(
    `${BACKEND_URL}/api/launchpad/instances/staging/${slug}/status`,
    {
      headers: { Authorization: `Bearer ${await guestToken()}` },
      signal: AbortSignal.timeout(10_000),
    },
  );
  expect(res.ok).toBe(true);
  return ((await res.json()) as { workflows: unknown[] }).workflows.length;
}

/**
 * The Provisioning and builds card names the three provision runs, a build
 * and the first sync. Reloads until it does: the build runs are polled from
 * GitHub (every 10 s in app-config.yaml).
 */
async function expectRecordedHistory(page: Page): Promise<void> {
  await expect(async () => {
    await page.reload();
    const history = card(page, 'Provisioning and builds');
    const timeline = history.getByRole('list', { name: 'Instance history' });
    await expect(timeline).toBeVisible({ timeout: 10_000 });
    // The card shows the newest 12; the provision runs are the oldest.
    const showAll = history.getByRole('button', { name: /^Show all \d+$/ });
    if ((await showAll.count()) > 0) await showAll.click();
    for (const purpose of [
      'MySQL provision',
      'MongoDB provision',
      'Bucket provision',
    ]) {
      await expect(timeline.getByText(purpose, { exact: true })).toBeVisible({
        timeout: 5_000,
      });
    }
    await expect(
      timeline.getByText(/^Build of the \w+ image$/).first(),
    ).toBeVisible({ timeout: 2_000 });
    await expect(timeline.getByText(/^Synced/).first()).toBeVisible({
      timeout: 2_000,
    });
  }).toPass({ timeout: 40_000, intervals: [2_000, 4_000] });
}

/** Opens the template's form from /create. */
async function openTemplate(page: Page): Promise<void> {
  await signInAsGuest(page, '/create');
  await chooseTemplate(page, 'New Open edX instance');
  await expect(page.getByText('Instance name (slug)').first()).toBeVisible();
}

/** Picks the sample platform team in Backstage's OwnerPicker. */
async function chooseOwner(page: Page): Promise<void> {
  await page.getByRole('textbox', { name: 'Owner' }).click();
  await page.getByRole('option', { name: 'Platform team' }).click();
}

test('a new instance from the template: form with hosts and availability, task log, catalog entity', async ({
  page,
}) => {
  test.setTimeout(210_000);
  const id = Date.now().toString(36).slice(-6);
  const platformName = `E2E Course ${id}`;
  const slug = `e2e-course-${id}`;

  await openTemplate(page);
  // The cluster picker lists the configured clusters; staging is the default.
  await expect(page.getByTestId('launchpad-cluster-picker')).toContainText(
    'Staging',
  );
  await page.getByLabel(/^Platform name/).fill(platformName);
  // The slug follows the platform name, then the backend says it is free.
  await expect(page.getByTestId('launchpad-slug-input')).toHaveValue(slug);
  await expect(page.getByTestId('launchpad-slug-status')).toHaveText(
    `${slug} is available in staging`,
  );
  await expect(page.getByTestId('launchpad-slug-hosts')).toHaveText(
    `LMS: https://${slug}.${DOMAIN} · Studio: https://studio.${slug}.${DOMAIN}`,
  );
  await chooseOwner(page);
  await saveScreenshot(page, 'create-instance-form');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('launchpad-release-input')).toHaveValue(
    'release/teak.3',
  );
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  await page.waitForURL(/\/create\/tasks\/[^/]+$/);
  const taskId = page.url().split('/').pop()!;

  // Drive the task: the sandbox's clock on, so workflows, builds and the
  // sync do not take minutes (the first build renders env/ for ArgoCD).
  await expect
    .poll(
      async () => {
        await advanceSandboxClock(120_000);
        return (await readTask(taskId)).status;
      },
      { timeout: 100_000, intervals: [2_000] },
    )
    .toMatch(/^(completed|failed)$/);
  const log = await taskLog(taskId);
  expect(log, log).not.toContain('Error:');
  expect((await readTask(taskId)).status).toBe('completed');
  for (const workflow of ['mysql', 'mongodb', 'storage']) {
    expect(log).toContain(
      `Workflow ${slug}/${workflow}-provision-${slug} Succeeded`,
    );
  }

  // The task page: the output links, and the log with the workflow names.
  const catalogLink = page.getByRole('link', { name: 'Open in the catalog' });
  await expect(catalogLink).toBeVisible();
  await expect(page.getByRole('link', { name: 'LMS' })).toHaveAttribute(
    'href',
    `https://${slug}.${DOMAIN}`,
  );
  // The task page lists the steps by their template names (the log lines
  // naming each workflow are checked above through the task's events: the
  // page's log viewer renders only the lines scrolled into view).
  for (const step of [
    'Provision MySQL',
    'Provision MongoDB',
    'Provision the bucket',
    'Refresh the catalog',
  ]) {
    await expect(page.getByText(step, { exact: true }).first()).toBeVisible();
  }
  await saveScreenshot(page, 'create-instance-task');

  // The instance in the catalog (the create step asked the provider to re-read).
  await catalogLink.click();
  await expect(page).toHaveURL(
    new RegExp(`/catalog/staging/component/${slug}`),
  );
  await expect(page.getByText(platformName).first()).toBeVisible();
  await saveScreenshot(page, 'create-instance-entity');

  // Its history: the provision runs, the build and the first sync, in the
  // database, so still there once Argo's GC has removed the Workflows (the
  // template's ttlStrategy: 10 min after they finish, on the sandbox clock).
  await expectRecordedHistory(page);
  await advanceSandboxClock(3_600_000);
  await expect
    .poll(() => liveWorkflows(slug), { timeout: 15_000, intervals: [1_000] })
    .toBe(0);
  await expectRecordedHistory(page);
  await saveScreenshot(page, 'create-instance-history');

  // Drift: the seed's physics-101 runs an older image than its config.yml
  // names and ArgoCD has not synced the branch head; production's
  // legacy-campus is degraded but not drifted.
  await page.goto('/launchpad/fleet?filter=drifted');
  const fleet = page
    .getByRole('table')
    .filter({ has: page.getByRole('columnheader', { name: 'Drift' }) });
  await expect(
    fleet.getByRole('link', { name: 'physics-101', exact: true }),
  ).toBeVisible();
  await expect(
    fleet.getByRole('link', { name: 'legacy-campus', exact: true }),
  ).toHaveCount(0);
  await saveScreenshot(page, 'fleet-page-drifted');
});

test('a taken slug shows the reason in the form and cannot go on', async ({
  page,
}) => {
  await openTemplate(page);
  await page.getByLabel(/^Platform name/).fill('Demo');
  await expect(page.getByTestId('launchpad-slug-input')).toHaveValue('demo');
  await expect(page.getByTestId('launchpad-slug-status')).toContainText(
    `slug "demo" is taken in staging: instances/demo exists in ${REPOSITORY}`,
  );
  await chooseOwner(page);
  await page.getByRole('button', { name: 'Next' }).click();
  // The field's validation keeps the form on this step: its helper text
  // (the field's description until then) now carries the error.
  await expect(page.locator('#root_slug-helper-text')).toContainText(
    'slug "demo" is taken in staging',
  );
  await expect(page.getByTestId('launchpad-slug-input')).toBeVisible();
  await expect(page.getByTestId('launchpad-release-input')).toHaveCount(0);
  await saveScreenshot(page, 'create-instance-taken');
});
