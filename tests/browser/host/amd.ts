/**
 * Grafana's plugin loading, as the host pages need it: an AMD `define` that takes a built plugin module
 * (dist/.../module.js) loaded by script tag and hands it the shared modules Grafana provides (react, react-dom,
 * @grafana/data, @grafana/ui, @grafana/runtime, @emotion/css, rxjs — the externals of create-plugin's webpack
 * config) from node_modules, plus the `module` dependency (its URL, for the public path).
 */
import React from 'react';
import * as ReactJSXRuntime from 'react/jsx-runtime';
import * as ReactDOM from 'react-dom';
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUI from '@grafana/ui';
import * as rxjs from 'rxjs';

declare global {
  interface Window {
    define: AmdDefine;
  }
}

type AmdFactory = (...deps: unknown[]) => unknown;
type AmdDefine = ((deps: string[] | AmdFactory, factory?: AmdFactory) => void) & { amd: object };

// The modules Grafana shares with plugins, by the names plugin bundles import them under.
const shared: Record<string, unknown> = {
  react: React,
  'react/jsx-runtime': ReactJSXRuntime,
  'react-dom': ReactDOM,
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUI,
  '@grafana/runtime': grafanaRuntime,
  rxjs,
};

let pending: { deps: string[]; factory: AmdFactory } | undefined;
window.define = Object.assign(
  (deps: string[] | AmdFactory, factory?: AmdFactory) => {
    pending = typeof deps === 'function' ? { deps: [], factory: deps } : { deps, factory: factory! };
  },
  { amd: {} }
);

/** Loads one AMD module by script tag and resolves its dependencies from the shared modules. */
export function loadAmd(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`cannot load ${url}`));
    script.onload = () => {
      const def = pending;
      pending = undefined;
      if (!def) {
        reject(new Error(`${url} defined no AMD module`));
        return;
      }
      const exports: Record<string, unknown> = {};
      const deps = def.deps.map((name) => {
        if (name === 'module') {
          return { id: url, uri: new URL(url, window.location.href).href, exports };
        }
        if (name === 'exports') {
          return exports;
        }
        if (!(name in shared)) {
          throw new Error(`${url} needs ${name}, which Grafana does not share`);
        }
        return shared[name];
      });
      const result = def.factory(...deps);
      resolve((result as Record<string, unknown>) ?? exports);
    };
    document.head.appendChild(script);
  });
}
