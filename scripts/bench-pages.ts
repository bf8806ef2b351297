/* eslint-disable no-console */
/**
 * `yarn bench:pages`: how fast the cluster page and the fleet page show their
 * first rows at fleet scale. Starts the portal the way the browser tests do
 * (`bash scripts/start.sh` in its own process group, stopped by PID at the
 * end) with `SANDBOX_SCALE=staging:1000` (1,000 generated instances on the
 * staging cluster besides the seed's), waits until the catalog and the status
 * backend hold them, then, in Chromium, signs in as the guest and times, per
 * page, from the navigation to the first table row on screen:
 * - a full load (`page.goto`: the app's scripts from the browser's cache,
 *   sign-in refresh, the page's requests) and
 * - a navigation inside the app (a click on a link, the app already loaded).
 * Each is measured RUNS times after one warm-up; median and worst are printed.
 * The frontend is the development build (`backstage-cli repo start`): a
 * production bundle is smaller and faster.
 */
import { chromium, type Page } from '@playwright/test';
import path from 'path';
import {
  APP_URL,
  BACKEND_URL,
  OUTPUT_DIR,
  guestToken,
  startPortal,
  stopPortal,
} from '../e2e/portal';

const SCALE = process.env.SANDBOX_SCALE ?? 'staging:1000';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BUDGET_MS = 2_000;
const STAGING = 'staging';

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${BACKEND_URL}${path}`, {
    headers: { Authorization: `Bearer ${await guestToken()}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return (await res.json()) as T;
}

/** Waits (bounded) until the catalog and the status backend see `min` staging instances. */
async function waitForScale(min: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [catalog, fleet] = await Promise.all([
      getJson<{ totalItems: number }>(
        `/api/catalog/entities/by-query?filter=kind=component,spec.type=openedx-instance,metadata.namespace=${STAGING}&limit=1`,
      ).catch(() => ({ totalItems: 0 })),
      getJson<{ summary: { total: number } }>(
        `/api/launchpad/clusters/${STAGING}/fleet?limit=1`,
      ).catch(() => ({ summary: { total: 0 } })),
    ]);
    if (catalog.totalItems >= min && fleet.summary.total >= min) {
      return { catalog: catalog.totalItems, fleet: fleet.summary.total };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `after ${timeoutMs} ms the catalog holds ${catalog.totalItems} and the fleet ${fleet.summary.total} staging instances, not ${min}`,
      );
    }
    await new Promise(r => setTimeout(r, 3_000));
  }
}

interface PageCase {
  name: string;
  url: string;
  /** Where a click brings the app to the page (starting from `from`). */
  from: string;
  link: (page: Page) => ReturnType<Page['getByRole']>;
  /** The first row of the page's (first) table. */
  firstRow: (page: Page) => ReturnType<Page['locator']>;
}

const CASES: PageCase[] = [
  {
    name: 'cluster page (staging, 1,004 instances)',
    url: `/catalog/${STAGING}/resource/${STAGING}`,
    from: '/catalog?filters[kind]=resource&filters[type]=kubernetes-cluster&filters[user]=all',
    link: page => page.getByRole('link', { name: 'Staging', exact: true }),
    // The Open edX instances card's first row (the card with the LMS column).
    firstRow: page =>
      page
        .getByRole('table')
        .filter({ has: page.getByRole('columnheader', { name: 'LMS' }) })
        .locator('tbody tr')
        .first()
        .getByRole('link')
        .first(),
  },
  {
    name: 'cluster page, status table',
    url: `/catalog/${STAGING}/resource/${STAGING}`,
    from: '/catalog?filters[kind]=resource&filters[type]=kubernetes-cluster&filters[user]=all',
    link: page => page.getByRole('link', { name: 'Staging', exact: true }),
    firstRow: page =>
      page
        .getByRole('table')
        .filter({ has: page.getByRole('columnheader', { name: 'Verdict' }) })
        .locator('tbody tr')
        .first()
        .getByRole('link')
        .first(),
  },
  {
    name: 'fleet page (1,008 instances)',
    url: '/launchpad/fleet',
    from: '/',
    link: page => sidebarFleetLink(page),
    firstRow: page =>
      page
        .getByRole('table')
        .filter({ has: page.getByRole('columnheader', { name: 'Verdict' }) })
        .locator('tbody tr')
        .first()
        .getByRole('link')
        .first(),
  },
];

/** The sidebar's Fleet entry (the fleet page's breadcrumb links there too). */
const sidebarFleetLink = (page: Page) =>
  page
    .getByTestId('sidebar-root')
    .getByRole('link', { name: 'Fleet', exact: true });

/** Waits for the first row; on a timeout, keeps a screenshot of what was there. */
async function firstRowVisible(page: Page, c: PageCase, timeout: number) {
  try {
    await c.firstRow(page).waitFor({ state: 'visible', timeout });
  } catch (e) {
    const file = path.join(OUTPUT_DIR, 'bench-pages-timeout.png');
    await page.screenshot({ path: file }).catch(() => undefined);
    console.error(`${c.name}: no first row after ${timeout} ms; see ${file}`);
    throw e;
  }
}

/**
 * A full load, and how much of it the app's own start took (until its
 * sidebar shows: scripts, config, sign-in refresh), which every page pays.
 */
async function timeFullLoad(
  page: Page,
  c: PageCase,
  timeout = 60_000,
): Promise<{ total: number; appStart: number }> {
  await page.goto('about:blank');
  const started = Date.now();
  await page.goto(`${APP_URL}${c.url}`);
  await sidebarFleetLink(page).waitFor({ state: 'visible', timeout });
  const appStart = Date.now() - started;
  await firstRowVisible(page, c, timeout);
  return { total: Date.now() - started, appStart };
}

async function timeInApp(page: Page, c: PageCase): Promise<number> {
  await page.goto(`${APP_URL}${c.from}`);
  const link = c.link(page);
  await link.waitFor({ state: 'visible', timeout: 60_000 });
  const started = Date.now();
  await link.click();
  await firstRowVisible(page, c, 60_000);
  return Date.now() - started;
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  process.env.SANDBOX_SCALE = SCALE;
  const started = Date.now();
  // BENCH_ATTACH=1: measure a portal started beforehand (with the same
  // SANDBOX_SCALE), e.g. to look at it in a browser too; it is left running.
  if (process.env.BENCH_ATTACH !== '1') {
    await startPortal(10 * 60_000);
    console.log(
      `portal ready in ${Math.round(
        (Date.now() - started) / 1000,
      )} s (SANDBOX_SCALE=${SCALE})`,
    );
  }
  const scale = await waitForScale(1_000, 10 * 60_000);
  console.log(
    `staging: ${scale.catalog} instances in the catalog, ${scale.fleet} in the status backend`,
  );

  const browser = await chromium.launch({
    executablePath: process.env.LAUNCHPAD_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
    ],
  });
  const rows: string[] = [];
  let over = 0;
  try {
    const page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
    });
    await page.goto(APP_URL);
    await page.getByRole('button', { name: /enter/i }).click();
    await sidebarFleetLink(page).waitFor({
      state: 'visible',
      timeout: 120_000,
    });
    for (const c of CASES) {
      // Warm-up: the development server compiles a page's chunks on first use.
      await timeFullLoad(page, c, 180_000);
      const full: number[] = [];
      const appStart: number[] = [];
      const page_: number[] = [];
      const inApp: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const load = await timeFullLoad(page, c);
        full.push(load.total);
        appStart.push(load.appStart);
        page_.push(load.total - load.appStart);
        inApp.push(await timeInApp(page, c));
      }
      for (const [how, xs, budgeted] of [
        ['full load', full, false],
        ['  of which app start', appStart, false],
        ['  of which the page', page_, true],
        ['in-app navigation', inApp, true],
      ] as const) {
        const line = `${c.name.padEnd(42)} ${how.padEnd(22)} median ${String(
          median(xs),
        ).padStart(5)} ms   worst ${String(Math.max(...xs)).padStart(5)} ms`;
        if (budgeted && median(xs) > BUDGET_MS) over++;
        rows.push(line);
        console.log(line);
      }
    }
  } finally {
    await browser.close();
    if (process.env.BENCH_ATTACH !== '1') stopPortal();
  }
  console.log(
    `\n${RUNS} runs each, first table row visible; budget ${BUDGET_MS} ms (median of the page's own part and of in-app navigation): ${
      over === 0 ? 'all within' : `${over} over`
    }`,
  );
  if (over) process.exitCode = 1;
}

main().catch(e => {
  console.error(e);
  if (process.env.BENCH_ATTACH !== '1') stopPortal();
  process.exitCode = 1;
});
