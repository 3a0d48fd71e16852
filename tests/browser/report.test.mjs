// The HTML report in a real browser (Debian's Chromium, driven by playwright-core): the report of
// each example policy's cases, and of 2,000 generated cases, checked on the page itself against
// the JSON report of the same input. Run by `.ci/run`; by hand:
//
//   cargo build --release && cd tests/browser && npm ci && node --test
//
// COVENANT names the binary (default: ../../target/release/covenant), CHROMIUM the browser
// (default: /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const covenant = resolve(here, process.env.COVENANT ?? '../../target/release/covenant');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const asOf = '2026-07-01T00:00:00+08:00';
const work = mkdtempSync(join(tmpdir(), 'covenant-browser-'));

/// Runs covenant; `eval` exits 1 when something is breached, which is not a failure here.
function run(args) {
  try {
    return execFileSync(covenant, args, { cwd: root, maxBuffer: 1 << 30, encoding: 'utf8' });
  } catch (error) {
    if (error.status === 1) return error.stdout;
    throw error;
  }
}

/// The example policies: each folder of policies/ with a policy file and a cases/ folder.
function examples() {
  const folders = readdirSync(join(root, 'policies'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join('policies', entry.name))
    .filter((folder) => existsSync(join(root, folder, 'cases')));
  return folders.map((folder) => {
    const policy = readdirSync(join(root, folder)).find((name) => name.endsWith('.policy'));
    return { name: folder.split('/').pop(), policy: join(folder, policy), cases: join(folder, 'cases') };
  });
}

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
});

/// Opens `file` in a new page; the returned list collects console errors and page errors.
async function open(file, viewport = { width: 1200, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // Nothing is fetched: any request but the file itself is an error.
  page.on('request', (request) => {
    if (!request.url().startsWith('file://') && !request.url().startsWith('data:')) {
      errors.push(`request to ${request.url()}`);
    }
  });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, errors };
}

/// When the page first painted content, in milliseconds after navigation started.
function firstPaint(page) {
  return page.evaluate(() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
      const entry = list.getEntriesByName('first-contentful-paint')[0];
      if (entry) resolve(entry.startTime);
    }).observe({ type: 'paint', buffered: true });
  }));
}

/// The rows shown: each case's id, status and breaches (`rule kind at`).
function shownRows(page) {
  return page.$$eval('#rows tr.case', (rows) => rows.map((row) => ({
    id: row.getAttribute('data-case'),
    status: row.querySelector('.badge').textContent,
    breaches: [...row.querySelectorAll('.chips li')].map((li) => li.title),
  })));
}

for (const example of examples()) {
  test(`the report of ${example.name}'s example cases`, async () => {
    const file = join(work, `${example.name}.html`);
    writeFileSync(file, run(['eval', '--root', 'policies', '--policy', example.policy, example.cases, '--at', asOf, '--format', 'html']));
    const json = JSON.parse(run(['eval', '--root', 'policies', '--policy', example.policy, example.cases, '--at', asOf, '--format', 'json']));
    const { page, errors } = await open(file);

    // One row per case, each with the breaches of the JSON report.
    const expected = json.cases.map((c) => ({
      id: c.case,
      breaches: c.breaches.map((b) => `${b.rule} ${b.kind} at ${b.at}`),
    }));
    const rows = await shownRows(page);
    assert.deepEqual(rows.map(({ id, breaches }) => ({ id, breaches })), expected);
    assert.equal(await page.textContent('.counts div:nth-child(1) dd'), String(json.summary.evaluated));

    // A click on the filter hides the clean cases.
    const breached = json.cases.filter((c) => c.breaches.length > 0).map((c) => c.case);
    await page.click('input[name=filter][value=breached]');
    let shown = await shownRows(page);
    assert.deepEqual(shown.map((r) => r.id), breached);
    assert.ok(shown.every((r) => r.status === 'breached'));
    const clean = json.cases.filter((c) => !c.breaches.length && !c.actions.length).map((c) => c.case);
    await page.click('input[name=filter][value=clean]');
    shown = await shownRows(page);
    assert.deepEqual(shown.map((r) => r.id), clean);

    // The filter by keyboard: arrows move through the radio group.
    await page.focus('input[name=filter][value=all]');
    await page.keyboard.press('Space');
    assert.equal((await shownRows(page)).length, json.cases.length);
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.$eval('input[name=filter]:checked', (input) => input.value), 'breached');
    assert.deepEqual((await shownRows(page)).map((r) => r.id), breached);
    await page.keyboard.press('ArrowLeft');
    assert.equal((await shownRows(page)).length, json.cases.length);

    // Search: by case id, then by a rule that some case breached.
    const last = json.cases[json.cases.length - 1].case;
    await page.fill('#search', last);
    shown = await shownRows(page);
    assert.ok(shown.some((r) => r.id === last));
    assert.ok(shown.every((r) => r.id.toLowerCase().includes(last.toLowerCase())
      || r.breaches.some((b) => b.toLowerCase().includes(last.toLowerCase()))));
    const someRule = json.cases.flatMap((c) => c.breaches.map((b) => b.rule))[0];
    if (someRule) {
      await page.fill('#search', someRule);
      shown = await shownRows(page);
      const withRule = json.cases.filter((c) => c.breaches.some((b) => b.rule.includes(someRule)));
      assert.ok(shown.length >= withRule.length && shown.length > 0);
      assert.ok(withRule.every((c) => shown.some((r) => r.id === c.case)));
    }
    await page.fill('#search', 'no case is called this');
    assert.equal((await shownRows(page)).length, 0);
    assert.equal(await page.textContent('#status'), 'No case matches.');
    await page.fill('#search', '');

    // Sorted by breaches, the most breached case comes first.
    await page.selectOption('#sort', 'breaches');
    const most = Math.max(...json.cases.map((c) => c.breaches.length));
    assert.equal((await shownRows(page))[0].breaches.length, most);
    await page.selectOption('#sort', 'input');

    // A case opened with the keyboard shows its timeline, with a tooltip on each mark and the
    // same marks as text.
    const first = json.cases[0].case;
    await page.focus(`#rows tr.case >> nth=0 >> button`);
    await page.keyboard.press('Enter');
    const detail = page.locator('#rows tr.detail').first();
    await detail.locator('svg.tl').waitFor();
    assert.match(await detail.locator('svg.tl > title').textContent(), new RegExp(`Timeline of case ${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const marks = await detail.locator('svg.tl path.mk').count();
    const titled = await detail.locator('svg.tl path.mk > title').count();
    assert.ok(marks > 0 && marks === titled, `${marks} marks, ${titled} tooltips`);
    const textRows = await detail.locator('details.as-text tbody tr').count();
    const tips = await detail.locator('svg.tl rect.bar > title, svg.tl path.mk > title').count();
    assert.equal(textRows, tips);
    assert.equal(await page.getAttribute('#rows tr.case >> nth=0 >> button', 'aria-expanded'), 'true');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#rows tr.detail').count(), 0);

    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('the report of 2,000 generated cases: paged, its timelines inflated when opened', async () => {
  const events = join(work, 'generated.jsonl');
  writeFileSync(events, run(['generate', '--cases', '2000', '--seed', '5']));
  const policy = 'src/generate/contact-centre.policy';
  const file = join(work, 'generated.html');
  const at = '2026-06-20T00:00:00Z';
  writeFileSync(file, run(['eval', '--policy', policy, events, '--at', at, '--format', 'html']));
  const json = JSON.parse(run(['eval', '--policy', policy, events, '--at', at, '--format', 'json']));
  const { page, errors } = await open(file);
  assert.ok(await firstPaint(page) > 0, 'the page painted');

  // A page of 50 rows at a time.
  assert.equal((await shownRows(page)).length, 50);
  assert.match(await page.textContent('#status'), /^Showing 1–50 of 2000 cases\.$/);
  await page.click('#next');
  const second = await shownRows(page);
  assert.deepEqual(second.map((r) => r.id), json.cases.slice(50, 100).map((c) => c.case));

  // Filters count what the JSON report says.
  await page.click('input[name=filter][value=breached]');
  const breached = json.cases.filter((c) => c.breaches.length).length;
  assert.match(await page.textContent('#status'), new RegExp(`of ${breached} cases \\(of 2000\\)\\.$`));

  // Opening a case far down the list inflates its block of timelines.
  const target = json.cases[1999];
  await page.click('input[name=filter][value=all]');
  await page.fill('#search', target.case);
  await page.click(`#rows tr.case[data-case="${target.case}"] button`);
  const detail = page.locator('#rows tr.detail').first();
  await detail.locator('svg.tl').waitFor();
  assert.match(await detail.locator('svg.tl > title').textContent(), new RegExp(`case ${target.case} `));
  const listed = await detail.locator('.breach-list li').count();
  assert.equal(listed, target.breaches.length);

  // Sorted by the next deadline: the deadlines shown are in order.
  await page.fill('#search', '');
  await page.selectOption('#sort', 'deadline');
  const deadlines = await page.$$eval('#rows tr.case td:nth-child(5) time', (times) => times.map((t) => Date.parse(t.textContent)));
  assert.ok(deadlines.length > 0);
  assert.deepEqual(deadlines, [...deadlines].sort((a, b) => a - b));

  assert.deepEqual(errors, []);
  await page.close();
});

test('the timeline of one case as SVG renders on its own', async () => {
  const svg = run(['explain', '--root', 'policies', '--policy', 'policies/logistics/complaints.policy',
    'policies/logistics/cases/three-changes-done-right.yaml', '--at', asOf, '--format', 'svg']);
  const file = join(work, 'case.svg');
  writeFileSync(file, svg);
  const { page, errors } = await open(file);
  const box = await page.$eval('svg', (svg) => {
    const b = svg.getBBox();
    return { width: b.width, height: b.height };
  });
  assert.ok(box.width > 900 && box.height > 200, JSON.stringify(box));
  // The labels of the rules are drawn in their own script.
  assert.ok(await page.$$eval('text.sub', (texts) => texts.some((t) => t.textContent.includes('换当事人'))));
  assert.deepEqual(errors, []);
  await page.close();
});
