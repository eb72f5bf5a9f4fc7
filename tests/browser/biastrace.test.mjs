// The bias trace panel in headless Chromium, loaded from the built plugin (dist/) the way Grafana loads it, fed
// with the frames `vigil query` answers on the demo data (the datasource's own QueryData code path).
// Run with `npm run test:browser` after `npm run build`; see README.md beside this file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  artifacts,
  buildHostPage,
  demoEnd,
  demoFrom,
  demoStore,
  dist,
  fileBelow,
  launchChromium,
  pluginBase,
  run,
  sendFile,
} from './common.mjs';
import { decodePNG } from './png.mjs';

const panelModule = `${pluginBase}panels/biastrace/module.js`;
const biasTraceQuery = {
  refId: 'A',
  queryType: 'biasTrace',
  model: 'credit-risk',
  versions: ['v2'],
  environment: 'production',
  features: ['region', 'employment_type', 'tags.channel'],
  fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
  overTime: true,
  interval: '1d',
  confidence: 0.95,
};

const performanceTraceQuery = {
  refId: 'A',
  queryType: 'performanceTrace',
  model: 'credit-risk',
  versions: ['v1'],
  environment: 'production',
  metric: 'accuracy',
  features: ['region', 'employment_type', 'tags.channel'],
};

/** Serves the host page, its bundle, the frames and dist/ under Grafana's plugin path. */
function serve(work) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file;
    if (url.pathname === '/' || url.pathname === '/index.html') {
      file = path.join(work, 'index.html');
    } else if (['/host.js', '/frames.json', '/performance.json'].includes(url.pathname)) {
      file = path.join(work, url.pathname.slice(1));
    } else if (url.pathname.startsWith(pluginBase)) {
      file = fileBelow(dist, pluginBase, url.pathname);
    }
    sendFile(res, file);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('bias trace panel in Chromium', () => {
  let work;
  let server;
  let browser;
  let base;
  let response;
  let performance;
  const pageErrors = [];

  before(async () => {
    assert.ok(
      fs.existsSync(path.join(dist, 'panels', 'biastrace', 'module.js')),
      'dist/panels/biastrace/module.js is missing: run npm run build first'
    );
    assert.ok(
      fs.existsSync(path.join(dist, 'panels', 'biastrace', 'plugin.json')),
      'dist/panels/biastrace/plugin.json is missing'
    );
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-browser-'));
    fs.mkdirSync(artifacts, { recursive: true });

    const { vigil, db } = demoStore(work);
    const out = run(vigil, [
      'query',
      '--db',
      db,
      '--from',
      demoFrom,
      '--to',
      demoEnd,
      '--query',
      JSON.stringify(biasTraceQuery),
    ]);
    fs.writeFileSync(path.join(work, 'frames.json'), out);
    response = JSON.parse(out);
    const perf = run(vigil, [
      'query',
      '--db',
      db,
      '--from',
      demoFrom,
      '--to',
      demoEnd,
      '--query',
      JSON.stringify(performanceTraceQuery),
    ]);
    fs.writeFileSync(path.join(work, 'performance.json'), perf);
    performance = JSON.parse(perf);

    await buildHostPage(work, 'panel host');
    server = await serve(work);
    base = `http://127.0.0.1:${server.address().port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
    if (work) {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  async function open(theme, frames = '/frames.json') {
    const page = await browser.newPage({ viewport: { width: 1000, height: 540 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => pageErrors.push(`${theme}: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(`${theme}: ${m.text()}`));
    const q = new URLSearchParams({ module: panelModule, frames, theme, width: '960', height: '480' });
    await page.goto(`${base}/index.html?${q}`);
    await page.waitForFunction(() => window.__hostReady || window.__hostError, null, { timeout: 30000 });
    const error = await page.evaluate(() => window.__hostError);
    assert.equal(error, undefined, `the host failed: ${error}`);
    await page.locator('[data-testid="biastrace-row"]').first().waitFor();
    return page;
  }

  it('answers the query with the ranked table and the per-day table', () => {
    const frames = response.results.A.frames;
    assert.deepEqual(
      frames.map((f) => f.schema.name),
      ['bias trace', 'bias trace over time']
    );
  });

  it('ranks region=south first for v2 and sets the variable on click and Enter', async () => {
    const page = await open('light');
    const rows = page.locator('[data-testid="biastrace-row"]');
    assert.equal(await rows.first().getAttribute('data-segment'), 'region=south');
    assert.equal((await rows.first().locator('[role="rowheader"]').textContent()).trim(), '1');
    // Time buckets as columns: #, segment, records, contribution and at least 10 days.
    assert.ok((await page.locator('[role="columnheader"]').count()) >= 14);

    await rows.first().click();
    let calls = await page.evaluate(() => window.__locationCalls);
    assert.deepEqual(calls.at(-1), { query: { 'var-segment': 'south' }, replace: true });
    assert.match(page.url(), /var-segment=south/);
    assert.equal(await rows.first().getAttribute('aria-selected'), 'true');

    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    const second = await rows.nth(1).getAttribute('data-segment');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-segment')), second);
    await page.keyboard.press('Enter');
    calls = await page.evaluate(() => window.__locationCalls);
    assert.equal(calls.length, 2);
    assert.equal(calls[1].query['var-segment'], second.slice(second.indexOf('=') + 1));

    await rows.first().locator('[role="gridcell"]').nth(3).hover();
    const tip = await page.locator('[role="tooltip"]').textContent();
    assert.match(tip, /^region=south/);
    assert.match(tip, /disparate_impact/);
    await page.close();
  });

  it('gives each segment its disparate impact interval and greys those that contain 1', async () => {
    const table = response.results.A.frames[0];
    const names = table.schema.fields.map((f) => f.name);
    assert.ok(names.includes('disparate_impact_lower') && names.includes('disparate_impact_upper'), names.join(', '));
    const page = await open('light');
    const rows = page.locator('[data-testid="biastrace-row"]');
    await rows.first().hover();
    const tip = await page.locator('[role="tooltip"]').textContent();
    assert.match(tip, /Disparate impact [0-9.]+, 95% interval [0-9.]+–[0-9.]+/);
    // South's interval is far below 1; at least one greyed cell somewhere (a thin bucket or a fair segment).
    assert.equal(await rows.first().getAttribute('data-uncertain'), null);
    assert.ok((await page.locator('[role="gridcell"][data-uncertain="true"]').count()) > 0, 'no grey cell');
    await page.close();
  });

  for (const theme of ['light', 'dark']) {
    it(`shows every count beside its bar, never under it (${theme})`, async () => {
      const page = await open(theme);
      const boxes = await page.locator('[data-testid="biastrace-row"]').evaluateAll((rows) =>
        rows.map((row) => {
          const bar = row.querySelector('[data-testid="biastrace-count-bar"]').getBoundingClientRect();
          const text = row.querySelector('[data-testid="biastrace-count"]');
          const range = document.createRange();
          range.selectNodeContents(text);
          const glyphs = range.getBoundingClientRect();
          return {
            label: row.getAttribute('data-segment'),
            count: text.textContent,
            barRight: bar.right,
            textLeft: glyphs.left,
            textRight: glyphs.right,
            cellRight: text.parentElement.getBoundingClientRect().right,
          };
        })
      );
      assert.ok(boxes.length >= 5);
      for (const b of boxes) {
        assert.ok(
          b.barRight <= b.textLeft,
          `${theme}: ${b.label}: the bar ends at ${b.barRight}, its count ${b.count} starts at ${b.textLeft}`
        );
        assert.ok(b.textRight <= b.cellRight + 0.5, `${theme}: ${b.label}: the count ${b.count} overflows its cell`);
      }
      await page.close();
    });

    it(`renders with ${theme} theme colours (screenshot tests/artifacts/biastrace-${theme}.png)`, async () => {
      const page = await open(theme);
      const file = path.join(artifacts, `biastrace-${theme}.png`);
      await page.locator('#panel').screenshot({ path: file });
      const img = decodePNG(fs.readFileSync(file));
      let light = 0;
      let red = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const [r, g, b] = img.pixel(i);
        light += (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        if (r > 150 && r > g + 60 && r > b + 60) {
          red++;
        }
      }
      const meanLight = light / (img.width * img.height);
      if (theme === 'light') {
        assert.ok(meanLight > 0.75, `light theme: mean luminance ${meanLight}`);
      } else {
        assert.ok(meanLight < 0.3, `dark theme: mean luminance ${meanLight}`);
      }
      // South's disparate impact is far below the band: its cells are strongly red in both themes.
      assert.ok(red > 500, `${theme}: ${red} strongly red pixels`);
      const southCell = await page
        .locator('[data-testid="biastrace-row"]')
        .first()
        .locator('[role="gridcell"]')
        .nth(6)
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = southCell.match(/\d+/g).map(Number);
      assert.ok(r > b && r > g, `${theme}: south's cell ${southCell} is not on the red side`);
      await page.close();
    });
  }

  for (const theme of ['light', 'dark']) {
    it(`shows a performance trace coloured around the overall accuracy (${theme})`, async () => {
      const table = performance.results.A.frames[0];
      assert.equal(table.schema.name, 'performance trace');
      const page = await open(theme, '/performance.json');
      await page.getByText(/accuracy overall [0-9.]+/).waitFor();
      assert.equal(
        await page.locator('[role="grid"]').getAttribute('aria-label'),
        'Segments ranked by contribution to accuracy'
      );
      const rows = page.locator('[data-testid="biastrace-row"]');
      assert.ok((await rows.count()) >= 5);
      await page.locator('#panel').screenshot({ path: path.join(artifacts, `performancetrace-${theme}.png`) });
      await rows.first().locator('[role="gridcell"]').nth(3).hover();
      const tip = await page.locator('[role="tooltip"]').textContent();
      assert.match(tip, /accuracy [0-9.]+ \((better|worse) than [0-9.]+ overall\)/);
      await page.close();
    });
  }

  it('logged no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
