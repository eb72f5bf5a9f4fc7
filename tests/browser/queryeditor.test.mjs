// The datasource's query editor in headless Chromium, loaded from the built plugin (dist/datasource/module.js) the
// way Grafana loads it, talking to the real backend: backendhost (beside this file) runs the built plugin binary
// over the plugin protocol and serves the resource and query endpoints the frontend calls in Grafana.
// Run with `npm run test:browser` after `npm run build` and `go tool mage`; see README.md beside this file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { artifacts, demoEnd, demoFrom, dist, pluginBase, root, startBackendSession } from './common.mjs';

const datasourceModule = `${pluginBase}datasource/module.js`;

describe('datasource query editor in Chromium against the plugin binary', () => {
  let session;
  let browser;
  let page;
  const pageErrors = [];
  const resourceCalls = [];

  before(async () => {
    for (const file of [path.join(dist, 'datasource', 'module.js'), path.join(dist, 'datasource', 'plugin.json')]) {
      assert.ok(fs.existsSync(file), `${path.relative(root, file)} is missing: run npm run build first`);
    }
    session = await startBackendSession('vigil-browser-qe-', 'query editor host');
    ({ browser } = session);
    page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => pageErrors.push(`${e.message}\n${e.stack}`));
    page.on('response', (r) => r.status() >= 400 && pageErrors.push(`${r.status()} ${r.url()}`));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.includes('/resources/')) {
        resourceCalls.push(`${r.method()} ${u.pathname.slice(u.pathname.indexOf('/resources/') + 11)}`);
      }
    });
    const q = new URLSearchParams({ datasource: datasourceModule, uid: 'vigil', from: demoFrom, to: demoEnd });
    await page.goto(`${session.base}/index.html?${q}`);
    await page.waitForFunction(() => window.__hostReady || window.__hostError, null, { timeout: 30000 });
    const error = await page.evaluate(() => window.__hostError);
    assert.equal(error, undefined, `the host failed: ${error}`);
  });

  after(async () => {
    await session?.close();
  });

  /** The menu option whose label is `label` (its text starts with the label; a description may follow). */
  function option(label) {
    return page.getByRole('option').filter({ hasText: new RegExp(`^${label}`) });
  }

  /** Moves the keyboard highlight of an open picker's menu down to the option `label`. */
  async function highlight(label) {
    const target = option(label).first();
    await target.waitFor({ timeout: 15000 });
    for (let i = 0; i < 20; i++) {
      // Downshift marks the highlighted option aria-selected.
      if ((await target.getAttribute('aria-selected')) === 'true') {
        return;
      }
      await page.keyboard.press('ArrowDown');
    }
    const html = await target.evaluate((el) => el.outerHTML.slice(0, 300));
    const shown = await page.getByRole('option').allTextContents();
    assert.fail(`the keyboard never reached ${label}: ${shown.join(' | ')}\n${html}`);
  }

  it('starts on the default query', async () => {
    const query = await page.evaluate(() => window.__query);
    assert.equal(query.refId, 'A');
    assert.deepEqual(query.datasource, { type: 'vigil-mlobs-datasource', uid: 'vigil' });
    assert.equal(query.queryType, 'traffic');
  });

  it('switches the query type to drift', async () => {
    const input = page.locator('#vigil-query-type-A');
    await input.click();
    await input.pressSequentially('Drift', { delay: 20 });
    await option('Drift').first().waitFor();
    // Enter right after typing: @grafana/ui's Combobox may still highlight the saved type's index, past the
    // filtered list, and then selects nothing (undefined). The editor must take that quietly (no page error).
    await page.keyboard.press('Enter');
    if ((await page.evaluate(() => window.__query.queryType)) !== 'drift') {
      // Then as a user would: close the menu, open it again, type and click the option.
      await page.keyboard.press('Escape');
      await input.click();
      await input.pressSequentially('Drift', { delay: 20 });
      await option('Drift').first().click();
    }
    await page.waitForFunction(() => window.__query.queryType === 'drift');
    assert.equal(await input.inputValue(), 'Drift');
  });

  it('picks the model from the backend listing', async () => {
    await page.locator('#vigil-model-A').click();
    // Every model of the demo is listed: the options come from GET models.
    const options = page.getByRole('option');
    await options.filter({ hasText: 'review-sentiment' }).first().waitFor({ timeout: 15000 });
    const labels = await options.allTextContents();
    for (const model of ['credit-risk', 'delivery-eta', 'review-sentiment']) {
      assert.ok(
        labels.some((l) => l.startsWith(model)),
        `${model} is not offered: ${labels.join(' | ')}`
      );
    }
    // Typed and chosen with the keyboard: arrow down to credit-risk, then Enter.
    await page.keyboard.type('credit', { delay: 20 });
    await highlight('credit-risk');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__query.model === 'credit-risk');
    assert.equal(await page.locator('#vigil-model-A').inputValue(), 'credit-risk');
    assert.ok(resourceCalls.includes('GET models'), `resource calls: ${resourceCalls.join(', ')}`);
  });

  it('picks the feature from the model’s features', async () => {
    // MultiCombobox gives its options' checkboxes the same id, so the input is picked by its role too.
    const input = page.locator('input[role="combobox"]#vigil-features-A');
    await input.click();
    // The options are the model's features, from GET models/credit-risk/features.
    await option('debt_ratio').first().waitFor({ timeout: 15000 });
    await input.pressSequentially('inc', { delay: 20 });
    await option('income').first().click();
    await page.waitForFunction(() => (window.__query.features ?? []).includes('income'));
    await page.keyboard.press('Escape');
    assert.ok(resourceCalls.includes('GET models/credit-risk/features'), `resource calls: ${resourceCalls.join(', ')}`);
    const query = await page.evaluate(() => window.__query);
    assert.equal(query.queryType, 'drift');
    assert.equal(query.model, 'credit-risk');
    assert.deepEqual(query.features, ['income']);
    // The editor asks to run each runnable change, as in a panel editor.
    assert.ok((await page.evaluate(() => window.__runs)) > 0);
  });

  it('runs the query through the plugin binary and gets points (screenshot tests/artifacts/queryeditor.png)', async () => {
    const result = await page.evaluate(() => window.__runQuery());
    assert.deepEqual(result.errors, []);
    assert.ok(result.frames.length >= 1, `no frames: ${JSON.stringify(result)}`);
    const withPoints = result.frames.filter(
      (f) =>
        f.length > 0 && f.fields.some((field) => field.type === 'time') && f.fields.some((x) => x.type === 'number')
    );
    assert.ok(withPoints.length >= 1, `no frame with points: ${JSON.stringify(result.frames)}`);
    // Only the picked feature is compared: every series is income's.
    assert.ok(
      withPoints.every((f) => JSON.stringify(f).includes('income')),
      `a frame does not name income: ${JSON.stringify(result.frames)}`
    );
    // A click outside closes the menus and leaves the editor as a user would see it.
    await page.mouse.click(640, 700);
    await page.locator('#panel').screenshot({ path: path.join(artifacts, 'queryeditor.png') });
  });

  it('logged no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
