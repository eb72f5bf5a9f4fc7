// The embeddings panel in headless Chromium, loaded from the built plugin (dist/) the way Grafana loads it, with
// the projection worker chunk served from the app's folder as Grafana serves it. Its data is an `embeddings`
// query answered by the real plugin binary (backendhost, beside this file), and its exports go to the same
// binary's export route. Run with `npm run test:browser` after `npm run build` and `go tool mage`; see README.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { artifacts, demoEnd, dist, pluginBase, startBackendSession } from './common.mjs';
import { decodePNG } from './png.mjs';

const panelModule = `${pluginBase}panels/embeddings/module.js`;
// The dashboard's query (src/dashboards/embeddings.json): production against training, over the demo's last ten
// days, when the Spanish reviews (from day 21 of 30) are there.
const embeddingsQuery = {
  queryType: 'embeddings',
  model: 'review-sentiment',
  environment: 'production',
  reference: { type: 'environment', environment: 'training' },
};
const from = '2026-10-22T00:00:00Z';
const width = 1100;
const height = 620;

// Every Spanish review of the demo (pkg/demo/texts.go) names one of these products; no English one does.
const spanishProducts = ['móvil', 'portátil', 'altavoz', 'reloj inteligente', 'libro electrónico', 'teclado'];
const looksSpanish = (text) => spanishProducts.some((p) => text.includes(p));

/** Whether (x, y) is inside or on a convex polygon given counter-clockwise as [[x, y], …]. */
function inConvex(x, y, hull, epsilon = 1e-6) {
  if (hull.length < 3) {
    return false;
  }
  for (let i = 0; i < hull.length; i++) {
    const [ax, ay] = hull[i];
    const [bx, by] = hull[(i + 1) % hull.length];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (cross / Math.hypot(bx - ax, by - ay) < -epsilon) {
      return false;
    }
  }
  return true;
}

/** Even–odd point-in-polygon, for the lasso's expected selection. */
function inPolygon(x, y, polygon) {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

/** The ids of an RFC 4180 CSV answer (quoted fields may hold commas, quotes and line breaks). */
function csvIds(text) {
  const records = [];
  let field = '';
  let record = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  const idColumn = records[0].indexOf('id');
  assert.ok(idColumn >= 0, `no id column in ${records[0]}`);
  return records.slice(1).map((r) => r[idColumn]);
}

const sorted = (ids) => [...ids].sort();

describe('embeddings panel in Chromium against the plugin binary', () => {
  let session;
  let browser;
  let base;
  const pageErrors = [];

  before(async () => {
    for (const file of ['module.js', 'plugin.json']) {
      assert.ok(
        fs.existsSync(path.join(dist, 'panels', 'embeddings', file)),
        `dist/panels/embeddings/${file} is missing: run npm run build first`
      );
    }
    session = await startBackendSession('vigil-browser-emb-', 'embeddings panel host');
    ({ base, browser } = session);
  });

  after(async () => {
    await session?.close();
  });

  /** Opens the panel with the query, waits for the final layout and returns the page and what it exposes. */
  async function open(theme, options = {}) {
    const page = await browser.newPage({ viewport: { width: width + 40, height: height + 40 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => pageErrors.push(`${theme}: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(`${theme}: ${m.text()}`));
    page.on('response', (r) => r.status() >= 400 && pageErrors.push(`${theme}: ${r.status()} ${r.url()}`));
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    const q = new URLSearchParams({
      module: panelModule,
      query: JSON.stringify(embeddingsQuery),
      from,
      to: demoEnd,
      theme,
      width: String(width),
      height: String(height),
      title: 'Embeddings',
      options: JSON.stringify(options),
      debug: '1',
    });
    await page.goto(`${base}/index.html?${q}`);
    await page.waitForFunction(() => window.__hostReady || window.__hostError, null, { timeout: 60000 });
    const error = await page.evaluate(() => window.__hostError);
    assert.equal(error, undefined, `the host failed: ${error}`);
    await page.waitForFunction(
      () => window.__vigilEmbeddings?.state().done || window.__vigilEmbeddings?.state().error,
      null,
      {
        timeout: 120000,
      }
    );
    const state = await page.evaluate(() => window.__vigilEmbeddings.state());
    assert.equal(state.error, undefined, `the projection failed: ${state.error}`);
    // One more frame, so the final layout is drawn.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const info = await page.evaluate(() => {
      const d = window.__vigilEmbeddings;
      return { ids: d.ids, texts: d.texts, current: d.current, layout: d.layout(), outlines: d.outlines() };
    });
    return { page, info, workers };
  }

  /** Clicks Export and returns the export route's answer (its body) and what the panel made of it. */
  async function exportSelection(page) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/resources/export') && r.request().method() === 'POST'),
      page.locator('[data-testid="export"]').click(),
    ]);
    assert.equal(response.status(), 200, await response.text());
    await page.locator('[data-testid="export-message"]').waitFor();
    const body = await response.text();
    const request = JSON.parse(response.request().postData());
    const panel = await page.evaluate(() => window.__vigilEmbeddings.lastExport());
    return { body, request, panel, headers: response.headers() };
  }

  /** Saves a screenshot of the panel and checks it; returns nothing. */
  async function screenshot(page, theme) {
    const file = path.join(artifacts, `embeddings-${theme}.png`);
    const panel = await page.locator('#panel').boundingBox();
    const canvas = await page.locator('[data-testid="embeddings-canvas"]').boundingBox();
    await page.locator('#panel').screenshot({ path: file });
    checkScreenshot(file, theme, { ...canvas, x: canvas.x - panel.x, y: canvas.y - panel.y });
  }

  let light;

  it('projects the sample and flags the Spanish reviews as a new cluster (screenshot tests/artifacts/embeddings-light.png)', async () => {
    light = await open('light');
    const { page, info, workers } = light;
    // The projection ran in the worker chunk, loaded from the app's folder under Grafana's plugin path.
    assert.ok(
      workers.some((url) => url.startsWith(`${base}${pluginBase}vigil-embeddings-umap.js`)),
      `workers: ${workers.join(', ')}`
    );
    const n = info.ids.length;
    assert.ok(n > 500, `only ${n} points sampled`);
    assert.equal(info.layout.length, 2 * n);
    assert.ok(info.layout.every(Number.isFinite), 'the layout has non-finite coordinates');

    // The novel clusters are listed with their sizes, and outlined.
    assert.ok(info.outlines.length >= 1, 'no new cluster is outlined');
    const first = page.locator('[data-testid="cluster-1"]');
    await first.waitFor();
    assert.match(await first.textContent(), /^#1 · \d+ points/);

    const spanish = info.texts.map((t, i) => (looksSpanish(t) ? i : -1)).filter((i) => i >= 0);
    assert.ok(spanish.length >= 30, `only ${spanish.length} Spanish reviews in the sample`);
    assert.ok(
      spanish.every((i) => info.current[i] === 1),
      'a Spanish review is in the reference (training) sample'
    );
    // The flagged cluster is the Spanish one: most of its members are Spanish …
    const byId = new Map(info.ids.map((id, i) => [id, i]));
    const outline = info.outlines[0];
    const members = outline.members.map((id) => byId.get(id));
    const spanishMembers = members.filter((i) => looksSpanish(info.texts[i])).length;
    assert.ok(spanishMembers >= 0.9 * members.length, `${spanishMembers} of ${members.length} members are Spanish`);
    // … and at least 90% of the Spanish points lie inside its outline in the layout (one hull per blob of the
    // cluster: a cluster the layout splits is outlined blob by blob).
    assert.ok(outline.hulls.length >= 1, 'the cluster has no outline');
    const inOutline = (i) => outline.hulls.some((hull) => inConvex(info.layout[2 * i], info.layout[2 * i + 1], hull));
    const inside = spanish.filter(inOutline).length;
    assert.ok(inside >= 0.9 * spanish.length, `${inside} of ${spanish.length} Spanish points inside the outline`);
    // The outline is local: it holds few of the English points.
    const english = info.texts.map((t, i) => (looksSpanish(t) ? -1 : i)).filter((i) => i >= 0);
    const englishInside = english.filter(inOutline).length;
    assert.ok(englishInside <= 0.05 * english.length, `${englishInside} English points inside the outline`);

    await screenshot(page, 'light');
  });

  it('shows a point’s text on hover, as text', async () => {
    const { page, info } = light;
    const spanish = info.texts.findIndex((t) => looksSpanish(t));
    const [x, y] = await page.evaluate(
      ([lx, ly]) => window.__vigilEmbeddings.toClient(lx, ly),
      [info.layout[2 * spanish], info.layout[2 * spanish + 1]]
    );
    await page.mouse.move(x, y);
    const tooltip = page.locator('[data-testid="point-tooltip"]');
    await tooltip.waitFor();
    // The nearest point under the cursor: the Spanish one or a neighbour at the same spot.
    const text = await tooltip.locator('div').first().textContent();
    assert.ok(info.texts.includes(text), `the tooltip shows ${text}`);
    await page.mouse.move(1, 1);
  });

  it('selects the points inside a lasso and exports exactly those', async () => {
    const { page, info } = light;
    await page.getByRole('radio', { name: 'Lasso' }).click();
    const canvas = await page.locator('[data-testid="embeddings-canvas"]').boundingBox();
    // A concave polygon (an arrow head) over the middle of the plot.
    const cx = canvas.x + canvas.width / 2;
    const cy = canvas.y + canvas.height / 2;
    const w = canvas.width * 0.3;
    const h = canvas.height * 0.3;
    const polygon = [
      [cx - w, cy - h],
      [cx + w, cy - h * 0.2],
      [cx + w * 0.2, cy + h],
      [cx, cy],
    ];
    await page.mouse.move(...polygon[0]);
    await page.mouse.down();
    for (const p of [...polygon.slice(1), polygon[0]]) {
      await page.mouse.move(...p, { steps: 8 });
    }
    await page.mouse.up();

    const screen = await page.evaluate((layout) => {
      const out = [];
      for (let i = 0; i < layout.length; i += 2) {
        out.push(window.__vigilEmbeddings.toClient(layout[i], layout[i + 1]));
      }
      return out;
    }, info.layout);
    const expected = info.ids.filter((_, i) => inPolygon(screen[i][0], screen[i][1], polygon));
    assert.ok(expected.length >= 20, `the lasso covers only ${expected.length} points`);
    const selected = await page.evaluate(() => window.__vigilEmbeddings.selection());
    assert.deepEqual(sorted(selected), sorted(expected));
    assert.equal(
      (await page.locator('[data-testid="selection-count"]').textContent()).trim(),
      `${expected.length.toLocaleString('en-US')} selected`
    );

    const exported = await exportSelection(page);
    assert.equal(exported.request.model, 'review-sentiment');
    assert.equal(exported.request.format, 'csv');
    assert.deepEqual(sorted(exported.request.ids), sorted(expected));
    assert.deepEqual(sorted(csvIds(exported.body)), sorted(expected));
    assert.deepEqual(sorted(exported.panel.ids), sorted(expected));
    assert.equal(exported.headers['x-vigil-missing-ids'], '0');
  });

  it('selects a listed cluster with one click and exports its points', async () => {
    const { page, info } = light;
    await page.locator('[data-testid="cluster-1"]').click();
    const members = info.outlines[0].members;
    const selected = await page.evaluate(() => window.__vigilEmbeddings.selection());
    assert.deepEqual(sorted(selected), sorted(members));
    const exported = await exportSelection(page);
    assert.deepEqual(sorted(csvIds(exported.body)), sorted(members));
    await page.close();
  });

  it('renders in the dark theme and exports NDJSON (screenshot tests/artifacts/embeddings-dark.png)', async () => {
    const { page, info } = await open('dark', { exportFormat: 'ndjson', colorBy: 'cluster' });
    assert.ok(info.outlines.length >= 1);
    await screenshot(page, 'dark');
    await page.locator('[data-testid="cluster-1"]').click();
    const exported = await exportSelection(page);
    assert.equal(exported.request.format, 'ndjson');
    const ids = exported.body
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).id);
    assert.deepEqual(sorted(ids), sorted(info.outlines[0].members));
    await page.close();
  });

  it('logged no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});

/**
 * The screenshot is bright (light) or dark, and inside the canvas (clip, in screenshot pixels) the scatter drew
 * many pixels that differ from the plot's background.
 */
function checkScreenshot(file, theme, clip) {
  const img = decodePNG(fs.readFileSync(file));
  const total = img.width * img.height;
  let light = 0;
  for (let i = 0; i < total; i++) {
    const [r, g, b] = img.pixel(i);
    light += (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  }
  const meanLight = light / total;
  if (theme === 'light') {
    assert.ok(meanLight > 0.7, `light theme: mean luminance ${meanLight}`);
  } else {
    assert.ok(meanLight < 0.3, `dark theme: mean luminance ${meanLight}`);
  }
  // Inside the canvas the most common colour is the plot's background; the points differ from it.
  const inClip = [];
  for (let y = Math.ceil(clip.y); y < Math.floor(clip.y + clip.height); y++) {
    for (let x = Math.ceil(clip.x); x < Math.floor(clip.x + clip.width); x++) {
      inClip.push(y * img.width + x);
    }
  }
  const plotCounts = new Map();
  for (const i of inClip) {
    const [r, g, b] = img.pixel(i);
    const key = (r << 16) | (g << 8) | b;
    plotCounts.set(key, (plotCounts.get(key) ?? 0) + 1);
  }
  const background = [...plotCounts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const [br, bg, bb] = [(background >> 16) & 255, (background >> 8) & 255, background & 255];
  let drawn = 0;
  for (const i of inClip) {
    const [r, g, b] = img.pixel(i);
    if (Math.abs(r - br) + Math.abs(g - bg) + Math.abs(b - bb) > 60) {
      drawn++;
    }
  }
  assert.ok(drawn > 2000, `${theme}: only ${drawn} pixels of the plot differ from its background`);
}
