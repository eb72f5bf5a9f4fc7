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

// One backend session (backendhost on the demo store, the host page, Chromium) serves every test of this file.
let sessionStarted;
function backendSession() {
  sessionStarted ??= startBackendSession('vigil-browser-qe-', 'query editor host');
  return sessionStarted;
}
after(async () => {
  await (await sessionStarted?.catch(() => undefined))?.close();
});

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
    session = await backendSession();
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
    await page?.close();
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

/**
 * Every query type's form, with the options that make it widest: several versions and features, a filter, the
 * reference variants. The layout check opens each one as a saved query.
 */
const credit = { model: 'credit-risk', versions: ['v1', 'v2'], environment: 'production', interval: '1d' };
const fairness = { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' };
const filters = [
  { field: 'tags.channel', op: 'in', value: ['web', 'app'] },
  { field: 'features.income', op: '>=', value: 40000 },
];
const LAYOUT_FORMS = [
  {
    name: 'traffic',
    query: { queryType: 'traffic', metric: 'share', status: ['active', 'deprecated'], interval: '1d' },
  },
  { name: 'models', query: { queryType: 'models', status: ['deprecated'] } },
  {
    name: 'drift, environment reference',
    query: {
      queryType: 'drift',
      ...credit,
      target: 'feature',
      features: ['income', 'region', 'employment_type'],
      metric: 'wasserstein_norm',
      reference: { type: 'environment', environment: 'training', version: 'v1' },
      binning: { strategy: 'uniform', bins: 20 },
      filters,
    },
  },
  {
    name: 'drift, fixed window',
    query: {
      queryType: 'drift',
      ...credit,
      features: ['income'],
      metric: 'psi',
      reference: { type: 'window', from: '2026-10-02T00:00:00Z', to: '2026-10-09T00:00:00Z' },
    },
  },
  {
    name: 'drift of predictions, rolling window',
    query: { queryType: 'drift', ...credit, target: 'prediction', reference: { type: 'rolling', window: '7d' } },
  },
  {
    name: 'distribution, version reference',
    query: {
      queryType: 'distribution',
      ...credit,
      features: ['income'],
      reference: { type: 'version', version: 'v1' },
    },
  },
  {
    name: 'embeddingDrift',
    query: {
      queryType: 'embeddingDrift',
      model: 'review-sentiment',
      metric: 'cosine',
      reference: { type: 'rolling', window: '7d' },
    },
  },
  {
    name: 'embeddings',
    query: {
      queryType: 'embeddings',
      model: 'review-sentiment',
      environment: 'production',
      limit: 5000,
      referenceLimit: 2000,
      currentLimit: 3000,
      reduce: 'none',
      minClusterSize: 25,
      reference: { type: 'environment', environment: 'training' },
    },
  },
  {
    name: 'performance',
    query: {
      queryType: 'performance',
      ...credit,
      metric: 'f1',
      positive: '1',
      groupBy: ['tags.channel', 'version'],
      filters,
    },
  },
  { name: 'fairness', query: { queryType: 'fairness', ...credit, metric: 'statistical_parity_difference', fairness } },
  {
    name: 'biasTrace',
    query: {
      queryType: 'biasTrace',
      ...credit,
      metric: 'disparate_impact',
      fairness,
      features: ['features.region', 'features.employment_type', 'tags.channel'],
      overTime: true,
      pairs: true,
      minCount: 30,
      limit: 50,
      reference: { type: 'environment', environment: 'training', version: 'v1' },
      binning: { bins: 5 },
    },
  },
  {
    name: 'drift p-values, adjusted',
    query: {
      queryType: 'drift',
      ...credit,
      metric: 'ks_pvalue',
      adjust: 'bh',
      reference: { type: 'environment', environment: 'training' },
    },
  },
  {
    name: 'fairness with an interval',
    query: {
      queryType: 'fairness',
      ...credit,
      metric: 'disparate_impact',
      fairness,
      confidence: 0.95,
      minGroupSize: 50,
      bound: 'lower',
    },
  },
  {
    name: 'dataQuality',
    query: {
      queryType: 'dataQuality',
      ...credit,
      features: ['income', 'region'],
      metric: 'out_of_range_rate',
      reference: { type: 'environment', environment: 'training' },
      filters,
    },
  },
  {
    name: 'estimatedPerformance',
    query: { queryType: 'estimatedPerformance', ...credit, metric: 'f1', calibration: 'isotonic', positive: '1' },
  },
  {
    name: 'performanceTrace',
    query: {
      queryType: 'performanceTrace',
      ...credit,
      metric: 'accuracy',
      features: ['features.region', 'tags.channel'],
      minCount: 50,
      limit: 20,
      binning: { bins: 5 },
    },
  },
];

/** Widths of the editor the layout is checked at, in pixels. */
const LAYOUT_WIDTHS = [800, 1200, 1600];

/**
 * Runs in the page: for every wrapping flex row of the editor (EditorRow, EditorFieldGroup, a filter's row), the
 * extent of each item (the union of the boxes of everything drawn inside it, so a control wider than its field
 * counts) must not meet another item's, nor leave the editor. Returns the problems found, in words.
 */
function layoutProblems() {
  const panel = document.getElementById('panel');
  const bounds = panel.getBoundingClientRect();
  const drawn = (el) => {
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  const extent = (el) => {
    let box;
    for (const node of [el, ...el.querySelectorAll('*')]) {
      const r = node.getBoundingClientRect();
      if (r.width < 2 || r.height < 2 || !drawn(node)) {
        continue; // nothing drawn, or a visually hidden label
      }
      box = box
        ? {
            left: Math.min(box.left, r.left),
            top: Math.min(box.top, r.top),
            right: Math.max(box.right, r.right),
            bottom: Math.max(box.bottom, r.bottom),
          }
        : { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }
    return box;
  };
  const describe = (el) => {
    const label = el.querySelector('label, legend');
    const text = (label?.textContent || el.textContent || el.tagName).trim().replace(/\s+/g, ' ');
    return `"${text.slice(0, 40)}"`;
  };
  const problems = [];
  const rows = [...panel.querySelectorAll('*')].filter((el) => {
    const style = getComputedStyle(el);
    return style.display === 'flex' && style.flexWrap === 'wrap' && style.flexDirection === 'row';
  });
  for (const row of rows) {
    const items = [...row.children]
      .filter(drawn)
      .map((el) => ({ el, box: extent(el) }))
      .filter((item) => item.box);
    for (const item of items) {
      if (item.box.left < bounds.left - 0.5 || item.box.right > bounds.right + 0.5) {
        problems.push(
          `${describe(item.el)} leaves the editor (${item.box.left}…${item.box.right} of ${bounds.left}…${bounds.right})`
        );
      }
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i].box;
        const b = items[j].box;
        const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (overlapX > 0.5 && overlapY > 0.5) {
          problems.push(
            `${describe(items[i].el)} and ${describe(items[j].el)} overlap by ${overlapX.toFixed(1)} × ${overlapY.toFixed(1)} px`
          );
        }
      }
    }
  }
  return problems;
}

for (const theme of ['light', 'dark']) {
  describe(`query editor layout (${theme} theme)`, () => {
    let session;
    let page;
    const pageErrors = [];

    before(async () => {
      session = await backendSession();
      page = await session.browser.newPage({ viewport: { width: 1700, height: 900 }, deviceScaleFactor: 1 });
      page.on('pageerror', (e) => pageErrors.push(`${e.message}\n${e.stack}`));
      page.on('response', (r) => r.status() >= 400 && pageErrors.push(`${r.status()} ${r.url()}`));
      page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
      const q = new URLSearchParams({ datasource: datasourceModule, uid: 'vigil', from: demoFrom, to: demoEnd, theme });
      await page.goto(`${session.base}/index.html?${q}`);
      await page.waitForFunction(() => window.__hostReady || window.__hostError, null, { timeout: 30000 });
      assert.equal(await page.evaluate(() => window.__hostError), undefined);
    });

    after(async () => {
      await page?.close();
    });

    /** Opens a form at a width and waits until the model's listings have arrived. */
    async function open(query, width) {
      await page.evaluate(
        ({ query, width }) => {
          window.__setWidth(width);
          window.__setQuery({ refId: 'A', datasource: { type: 'vigil-mlobs-datasource', uid: 'vigil' }, ...query });
        },
        { query, width }
      );
      await page.waitForFunction(
        () => ![...document.querySelectorAll('#panel input')].some((input) => input.placeholder === 'Loading…'),
        null,
        { timeout: 15000 }
      );
      // One more frame for the pickers that size themselves to their values.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    }

    for (const width of LAYOUT_WIDTHS) {
      it(`lays out every query type's form without overlaps at ${width} px`, async () => {
        const found = [];
        for (const form of LAYOUT_FORMS) {
          await open(form.query, width);
          const type = await page.evaluate(() => window.__query.queryType);
          assert.equal(type, form.query.queryType, `${form.name}: the editor changed the query type`);
          for (const problem of await page.evaluate(layoutProblems)) {
            found.push(`${form.name} at ${width} px: ${problem}`);
          }
        }
        assert.deepEqual(found, []);
      });
    }

    if (theme === 'light') {
      it('keeps that layout in a page without Grafana’s global styles (800 px)', async () => {
        await page.evaluate(() => window.__setGrafanaResets(false));
        try {
          const found = [];
          for (const form of LAYOUT_FORMS) {
            await open(form.query, 800);
            for (const problem of await page.evaluate(layoutProblems)) {
              found.push(`${form.name}: ${problem}`);
            }
          }
          assert.deepEqual(found, []);
        } finally {
          await page.evaluate(() => window.__setGrafanaResets(true));
        }
      });
    }

    it(`saves screenshots of the drift and bias trace forms (tests/artifacts/queryeditor-${theme}.png)`, async () => {
      await open(LAYOUT_FORMS[2].query, 1200);
      await page.locator('#panel').screenshot({ path: path.join(artifacts, `queryeditor-${theme}.png`) });
      await open(LAYOUT_FORMS.find((f) => f.name === 'biasTrace').query, 800);
      await page.locator('#panel').screenshot({ path: path.join(artifacts, `queryeditor-biastrace-800-${theme}.png`) });
      // The theme reached the editor: its rows are light or dark.
      const background = await page.evaluate(() => getComputedStyle(document.getElementById('panel')).backgroundColor);
      const [r, g, b] = background.match(/\d+/g).map(Number);
      const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      assert.ok(theme === 'light' ? luminance > 0.8 : luminance < 0.2, `${theme} theme, background ${background}`);
    });

    it('logged no errors in the page', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
