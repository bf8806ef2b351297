/**
 * `yarn docs:images`: copies the README's screenshots from the last browser
 * test run (e2e/.output/*.png, full-page PNGs at 1280 px) into docs/images/
 * as JPEGs 1200 px wide, each under 200 KB. Chromium does the resizing and
 * the compression (Playwright's JPEG screenshots), so nothing else needs
 * installing. Run `yarn playwright test` first (or `bash scripts/test.sh`).
 */
import fs from 'fs';
import path from 'path';
import { chromium } from '@playwright/test';

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'e2e', '.output');
const TARGET = path.join(ROOT, 'docs', 'images');
const WIDTH = 1200;
/** Tall pages are cut here: the README shows the top of each page. */
const MAX_HEIGHT = 1400;
const MAX_BYTES = 200 * 1024;

/** The screenshot the browser tests save → the README's image. */
const CHOSEN: Array<[string, string]> = [
  ['home.png', 'home.jpg'],
  ['instance-status-demo.png', 'instance-page.jpg'],
  ['cluster-page.png', 'cluster-page.jpg'],
  ['fleet-page.png', 'fleet-page.jpg'],
  ['create-instance-form.png', 'new-instance-form.jpg'],
];

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(file: Buffer): { width: number; height: number } {
  if (file.toString('ascii', 1, 4) !== 'PNG') throw new Error('not a PNG');
  return { width: file.readUInt32BE(16), height: file.readUInt32BE(20) };
}

async function main() {
  fs.mkdirSync(TARGET, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.LAUNCHPAD_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  let missing = 0;
  try {
    for (const [from, to] of CHOSEN) {
      const source = path.join(SOURCE, from);
      if (!fs.existsSync(source)) {
        console.error(
          `missing ${path.relative(ROOT, source)}: run the browser tests first`,
        );
        missing++;
        continue;
      }
      const png = fs.readFileSync(source);
      const size = pngSize(png);
      const height = Math.min(
        MAX_HEIGHT,
        Math.round((size.height * WIDTH) / size.width),
      );
      const page = await browser.newPage({
        viewport: { width: WIDTH, height },
      });
      await page.setContent(
        `<body style="margin:0"><img style="width:${WIDTH}px;display:block" src="data:image/png;base64,${png.toString(
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
        `docs/images/${to}: ${WIDTH}×${height}, quality ${quality}, ${Math.round(
          jpeg.length / 1024,
        )} KB (from ${from}, ${size.width}×${size.height})`,
      );
    }
  } finally {
    await browser.close();
  }
  if (missing) process.exitCode = 1;
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
