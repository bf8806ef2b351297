/**
 * `yarn docs:images`: runs the browser specs that save the README's
 * screenshots (e2e/.output/*.png, full-page PNGs at 1280 px; the harness starts
 * and stops its own portal), then copies them into docs/images/ as JPEGs
 * at most 1200 px wide, each under 200 KB. Chromium does the resizing and the
 * compression (Playwright's JPEG screenshots), so nothing else needs
 * installing. `--no-run` only copies what the last browser test run saved.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { chromium } from '@playwright/test';

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'e2e', '.output');
const TARGET = path.join(ROOT, 'docs', 'images');
/** Wider screenshots are scaled down to this; narrower ones keep their width. */
const WIDTH = 1200;
/** Tall pages are cut here: the README shows the top of each page. */
const MAX_HEIGHT = 1400;
const MAX_BYTES = 200 * 1024;

/**
 * The README's images: the screenshot the browser tests save (e2e/.output/
 * <name>.png), the spec saving it (e2e/<spec>.spec.ts), the image in
 * docs/images/ (<image>.jpg) and, where what it shows is lower, its height.
 */
const CHOSEN: Array<
  [name: string, spec: string, image: string, maxHeight?: number]
> = [
  ['home', 'first-impression', 'home'],
  ['catalog', 'catalog', 'clusters-list'],
  ['instance-status-demo', 'instance-status', 'instance-page'],
  // physics-101's ArgoCD card down to its Drift row's revision.
  ['instance-status-out-of-sync', 'instance-status', 'instance-drift', 1800],
  ['cluster-page', 'cluster-page', 'cluster-page'],
  ['fleet-page', 'fleet', 'fleet-page'],
  // The card alone (the spec's element screenshot, 662 px wide).
  ['history-card-demo-card', 'history-card', 'history-card'],
  ['live-status-fleet', 'live-status', 'live-fleet'],
  ['create-instance-form', 'create-instance', 'new-instance-form'],
  ['upgrade-instance-form', 'upgrade-deprovision', 'upgrade-form'],
  ['deprovision-instance-form', 'upgrade-deprovision', 'deprovision-form'],
];

/**
 * Runs the specs that save the chosen screenshots (Playwright runs them in
 * file order, as the whole suite would). Their old PNGs are removed first, so
 * a spec failing before its screenshot leaves it missing rather than stale.
 */
function runSpecs(): boolean {
  const specs = new Set(CHOSEN.map(([, spec]) => `e2e/${spec}.spec.ts`));
  for (const [name] of CHOSEN) {
    fs.rmSync(path.join(SOURCE, `${name}.png`), { force: true });
  }
  const cli = require.resolve('@playwright/test/cli');
  const run = spawnSync(process.execPath, [cli, 'test', ...specs], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return run.status === 0;
}

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(file: Buffer): { width: number; height: number } {
  if (file.toString('ascii', 1, 4) !== 'PNG') throw new Error('not a PNG');
  return { width: file.readUInt32BE(16), height: file.readUInt32BE(20) };
}

async function main() {
  const ran = process.argv.includes('--no-run') ? true : runSpecs();
  fs.mkdirSync(TARGET, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.LAUNCHPAD_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  let missing = 0;
  try {
    for (const [name, , image, maxHeight = MAX_HEIGHT] of CHOSEN) {
      const [from, to] = [`${name}.png`, `${image}.jpg`];
      const source = path.join(SOURCE, from);
      if (!fs.existsSync(source)) {
        console.error(
          `missing ${path.relative(
            ROOT,
            source,
          )}: its spec failed or did not run`,
        );
        missing++;
        continue;
      }
      const png = fs.readFileSync(source);
      const size = pngSize(png);
      const width = Math.min(WIDTH, size.width);
      const height = Math.min(
        maxHeight,
        Math.round((size.height * width) / size.width),
      );
      const page = await browser.newPage({
        viewport: { width, height },
      });
      await page.setContent(
        `<body style="margin:0"><img style="width:${width}px;display:block" src="data:image/png;base64,${png.toString(
          'base64',
        )}"></body>`,
      );
      await page
        .locator('img')
        .evaluate(img => (img as HTMLImageElement).decode());
      let quality = 85;
      let jpeg = await page.screenshot({ type: 'jpeg', quality });
      while (jpeg.length > MAX_BYTES && quality > 30) {
        quality -= 10;
        jpeg = await page.screenshot({ type: 'jpeg', quality });
      }
      await page.close();
      if (jpeg.length > MAX_BYTES) {
        throw new Error(
          `${to} is still ${jpeg.length} bytes at quality ${quality}`,
        );
      }
      fs.writeFileSync(path.join(TARGET, to), jpeg);
      console.log(
        `docs/images/${to}: ${width}×${height}, quality ${quality}, ${Math.round(
          jpeg.length / 1024,
        )} KB (from ${from}, ${size.width}×${size.height})`,
      );
    }
  } finally {
    await browser.close();
  }
  if (missing || !ran) process.exitCode = 1;
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
