// Measures an HTML report in headless Chromium: its size, when it first painted content, when
// its document was parsed and loaded, how long the last case's timeline takes to open, and the
// page's JavaScript heap. The figures of docs/report.md were taken with it:
//
//   covenant generate --cases 100000 > cases.jsonl
//   covenant eval --policy src/generate/contact-centre.policy cases.jsonl --format html \
//     --at 2026-09-01T00:00:00Z > report.html
//   node tests/browser/measure.mjs report.html
//
// With `--screenshot FILE`, the page is then saved as a PNG: its breached cases shown, the first
// one searched for and its timeline opened (docs/report.png is taken so, see docs/report.md).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const file = resolve(process.argv[2] ?? 'report.html');
const shot = process.argv[3] === '--screenshot' ? resolve(process.argv[4]) : null;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--enable-precise-memory-info',
  ],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors = [];
page.on('pageerror', (error) => errors.push(error.message));
const started = Date.now();
await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 600_000 });
const loaded = Date.now() - started;
const timing = await page.evaluate(() => new Promise((done) => {
  new PerformanceObserver((list) => {
    const paint = list.getEntriesByName('first-contentful-paint')[0];
    if (!paint) return;
    const navigation = performance.getEntriesByType('navigation')[0];
    done({
      firstContentfulPaintMs: Math.round(paint.startTime),
      domContentLoadedMs: Math.round(navigation.domContentLoadedEventEnd),
      loadMs: Math.round(navigation.loadEventEnd),
      rows: document.querySelectorAll('#rows tr.case').length,
      status: document.getElementById('status').textContent,
    });
  }).observe({ type: 'paint', buffered: true });
}));
// The last case: found by search, opened, its timeline drawn from its (inflated) block.
const last = await page.evaluate(() => {
  const rows = JSON.parse(document.getElementById('case-rows').textContent).rows;
  return rows[rows.length - 1][0];
});
const opening = Date.now();
await page.fill('#search', last);
await page.locator(`#rows tr.case[data-case="${last}"] button`).click();
await page.locator('#rows tr.detail svg.tl').waitFor({ timeout: 60_000 });
const openMs = Date.now() - opening;
const heapMB = await page.evaluate(() => Math.round(performance.memory.usedJSHeapSize / 1e6));
if (shot) {
  await page.fill('#search', '');
  await page.click('input[name=filter][value=breached]');
  const first = await page.getAttribute('#rows tr.case >> nth=0', 'data-case');
  await page.fill('#search', first);
  await page.click(`#rows tr.case[data-case="${first}"] button`);
  await page.locator('#rows tr.detail svg.tl').waitFor();
  await page.screenshot({ path: shot, fullPage: true });
}
console.log(JSON.stringify({
  file,
  bytes: statSync(file).size,
  ...timing,
  wallToLoadMs: loaded,
  openLastCaseMs: openMs,
  heapMB,
  errors,
}, null, 2));
await browser.close();
