// A +trace file as a person sees it: opened in headless Chromium's own
// trace viewer (the DevTools Performance panel; Chromium 156 no longer has
// chrome://tracing, and Perfetto's UI is a web site), one track per PE and
// thread, deliveries named after their entry methods, zoomed in, one
// delivery selected. Saves a PNG.
//   node dist/test/tools/traceScreenshot.js TRACE.json OUT.png   (make trace-screenshot)
import { chromium } from 'playwright-core';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

async function main(trace: string, out: string): Promise<void> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'charmts-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 900 },
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto('devtools://devtools/bundled/devtools_app.html?panel=timeline');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: /Load (profile|trace)/i }).first().click()]);
    await chooser.setFiles(trace);
    // The tracks are drawn on a canvas: positions below are those of this viewport (1600 x 900).
    await page.getByText('Summary', { exact: true }).waitFor();
    await page.waitForTimeout(4000); // the flame chart draws after the summary
    await page.mouse.click(1571, 77); // the shortcuts dialog shown on first load
    await page.mouse.click(15, 39); // hide the sidebar
    await page.waitForTimeout(500);
    await page.mouse.click(10, 150); // expand PE 1 (PEs in order: process_sort_index)
    await page.waitForTimeout(500);
    await page.mouse.click(10, 129); // expand PE 0
    await page.waitForTimeout(500);
    await page.mouse.click(20, 226); // PE 1's scheduler thread
    await page.waitForTimeout(400);
    await page.mouse.click(20, 145); // PE 0's scheduler thread
    await page.waitForTimeout(400);
    // Zoom to a few milliseconds in the middle of the run.
    await page.mouse.move(833, 82);
    await page.mouse.down();
    await page.mouse.move(950, 82, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(800);
    await page.mouse.click(20, 222); // PE 1's scheduler thread, moved by the zoom
    await page.mouse.move(800, 500); // no tooltip in the picture
    await page.waitForTimeout(800);
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main(process.argv[2], process.argv[3]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
