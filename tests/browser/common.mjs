// What the browser tests share: paths, the demo store, the host page bundle, file serving and Chromium.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import esbuild from 'esbuild';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const dist = path.join(root, 'dist');
export const artifacts = path.join(root, 'tests', 'artifacts');
/** The plugin binary `go tool mage` builds; backendhost runs it. */
export const pluginBinary = path.join(dist, 'datasource', 'gpx_vigil_linux_amd64');
/** Where Grafana serves an app plugin's files (nested plugins below it). */
export const pluginBase = '/public/plugins/vigil-mlobs-app/';

// The demo is deterministic for a given end, seed and scale.
export const demoEnd = '2026-11-01T00:00:00Z';
export const demoFrom = '2026-10-02T00:00:00Z';

export const contentTypes = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (r.error || r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed: ${r.error ?? ''}\n${r.stderr}\n${(r.stdout ?? '').slice(0, 2000)}`
    );
  }
  return r.stdout;
}

/** Builds the vigil CLI into work and fills a demo store there; returns both paths. */
export function demoStore(work) {
  const vigil = path.join(work, 'vigil');
  run('go', ['build', '-tags', 'duckdb_arrow', '-o', vigil, './pkg/cmd/vigil'], { cwd: root });
  const db = path.join(work, 'demo.duckdb');
  run(vigil, ['demo', '--db', db, '--scale', '0.05', '--seed', '7', '--end', demoEnd]);
  return { vigil, db };
}

/** Bundles the host page (host/host.tsx) into work/host.js and writes work/index.html. */
export async function buildHostPage(work, title) {
  await esbuild.build({
    entryPoints: [path.join(here, 'host', 'host.tsx')],
    bundle: true,
    format: 'iife',
    outfile: path.join(work, 'host.js'),
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: {
      '.svg': 'text',
      '.css': 'empty',
      '.woff': 'empty',
      '.woff2': 'empty',
      '.ttf': 'empty',
      '.png': 'empty',
    },
    logLevel: 'error',
  });
  fs.writeFileSync(
    path.join(work, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">` +
      // What Grafana's index page sets before its bundles run.
      '<script>window.grafanaBootData={assets:{dark:"",light:""},settings:{},user:{},navTree:[]};</script>' +
      '</head><body><div id="panel"></div><script src="/host.js"></script></body></html>'
  );
}

/** The file under dir that a URL path below base names, or undefined when it would leave dir. */
export function fileBelow(dir, base, pathname) {
  const file = path.resolve(dir, pathname.slice(base.length));
  return file.startsWith(dir + path.sep) ? file : undefined;
}

/** Answers with a file, or 404 when there is none. */
export function sendFile(res, file) {
  if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

/** Debian's chromium, or CHROMIUM_PATH; never a downloaded browser. */
function chromiumPath() {
  if (process.env.CHROMIUM_PATH) {
    return process.env.CHROMIUM_PATH;
  }
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  const p = found.stdout.trim().split('\n')[0];
  if (!p) {
    throw new Error('no chromium on PATH: apt-get install -y chromium, or set CHROMIUM_PATH');
  }
  return p;
}

/** Launches headless Chromium with the flags this network needs. */
export function launchChromium() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Starts backendhost (built at bin) on the store db and resolves ready to its base URL once it listens. */
export function startBackend(bin, db) {
  const child = spawn(bin, ['-db', db, '-bin', pluginBinary, '-timeout', '5m'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`backendhost did not start in time\n${stderr}`)), 60000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`backendhost exited with ${code}\n${stderr}`));
    });
  });
  return { child, ready };
}

/** Stops a backendhost started by startBackend: closes its stdin, then kills it if it has not exited in 5 s. */
export async function stopBackend(backend) {
  if (!backend) {
    return;
  }
  backend.child.stdin.end();
  if (backend.child.exitCode === null) {
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        backend.child.kill();
        resolve();
      }, 5000);
      backend.child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

// Grafana serves @grafana/ui's icons from public/build/img/icons/.
const iconBase = '/public/build/img/icons/';
const icons = path.join(root, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
const blankIcon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"></svg>';

/**
 * Serves the host page, its bundle, dist/ under Grafana's plugin path and @grafana/ui's icons, and forwards
 * /api/ to backendhost (at the URL backend).
 */
export function serveWithBackend(work, backend) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      const target = new URL(req.url, backend);
      const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', (err) => res.writeHead(502).end(String(err)));
      req.pipe(upstream);
      return;
    }
    let file;
    if (url.pathname === '/' || url.pathname === '/index.html') {
      file = path.join(work, 'index.html');
    } else if (url.pathname === '/host.js') {
      file = path.join(work, 'host.js');
    } else if (url.pathname.startsWith(pluginBase)) {
      file = fileBelow(dist, pluginBase, url.pathname);
    } else if (url.pathname.startsWith(iconBase)) {
      file = fileBelow(icons, iconBase, url.pathname);
    }
    if (url.pathname.startsWith(iconBase) && file && !fs.existsSync(file)) {
      // Icons Grafana ships itself rather than @grafana/ui (the loading spinner): an empty stand-in.
      res.writeHead(200, { 'content-type': contentTypes['.svg'] }).end(blankIcon);
      return;
    }
    sendFile(res, file);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * What a test against the plugin binary runs on, in a fresh work directory (prefix names it): backendhost on the
 * demo store, the host page bundle (title), a server for both (at base) and Chromium. close() stops them all and
 * removes the directory; it is also called when starting fails halfway.
 */
export async function startBackendSession(prefix, title) {
  assert.ok(fs.existsSync(pluginBinary), 'the plugin binary is missing: run go tool mage first');
  const session = { work: fs.mkdtempSync(path.join(os.tmpdir(), prefix)) };
  session.close = async () => {
    await session.browser?.close();
    await new Promise((resolve) => (session.server ? session.server.close(resolve) : resolve()));
    await stopBackend(session.backend);
    fs.rmSync(session.work, { recursive: true, force: true });
  };
  try {
    fs.mkdirSync(artifacts, { recursive: true });
    const host = path.join(session.work, 'backendhost');
    run('go', ['build', '-o', host, './tests/browser/backendhost'], { cwd: root });
    const { db } = demoStore(session.work);
    session.backend = startBackend(host, db);
    const backendURL = await session.backend.ready;
    await buildHostPage(session.work, title);
    session.server = await serveWithBackend(session.work, backendURL);
    session.base = `http://127.0.0.1:${session.server.address().port}`;
    session.browser = await launchChromium();
    return session;
  } catch (err) {
    await session.close();
    throw err;
  }
}
