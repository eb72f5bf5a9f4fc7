/**
 * A small stand-in for Grafana's frontend: it loads a built panel module (dist/panels/NAME/module.js, an AMD
 * module) the way Grafana's plugin loader does, handing it the shared modules Grafana provides (react, react-dom,
 * @grafana/data, @grafana/ui, @grafana/runtime, @emotion/css, rxjs — the externals of create-plugin's webpack
 * config) from node_modules, and renders its panel with frames read from frames.json.
 *
 * With datasource=URL of a data source's module.js it mounts that data source's query editor instead; see
 * queryeditor.tsx.
 *
 * Query string: module=URL of module.js, frames=URL of the frames JSON (a QueryData response as `vigil query`
 * prints it), refId, theme=light|dark, width, height, options=JSON of panel options over the plugin's defaults.
 * Instead of frames, query=JSON of a query (with from and to, RFC 3339) runs it through the page's /api/ds/query
 * on data source `uid` (default vigil), as Grafana's panel query runner would, and passes it to the panel as
 * data.request.targets; getBackendSrv then reaches the same backend (queryeditor.tsx). debug=1 sets
 * window.__vigilEmbeddingsDebug, which asks the embeddings panel for its debug view.
 *
 * It exposes on window: __locationCalls (every locationService.partial call), __hostReady (true once the panel
 * rendered), __hostError (a message when loading failed).
 */
import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  createTheme,
  dataFrameFromJSON,
  type DataFrameJSON,
  getDefaultTimeRange,
  LoadingState,
  PanelOptionsEditorBuilder,
  type PanelPlugin,
  type PanelProps,
  standardEditorsRegistry,
  ThemeContext,
} from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';

import { loadAmd } from './amd';
import { installBackendSrv, mountQueryEditor } from './queryeditor';

declare global {
  interface Window {
    __locationCalls: Array<{ query: Record<string, unknown>; replace?: boolean }>;
    __hostReady?: boolean;
    __hostError?: string;
    __vigilEmbeddingsDebug?: boolean;
  }
}

// Grafana registers its option editors at start-up; the host only reads defaults, so each editor renders nothing.
const editorIds = ['text', 'number', 'slider', 'select', 'multiSelect', 'radio', 'boolean', 'color', 'unit', 'links'];
standardEditorsRegistry.setInit(() => editorIds.map((id) => ({ id, name: id, editor: () => null })));

/** The panel options Grafana would start from: each option's default, from the plugin's own builder. */
function defaultOptions(plugin: PanelPlugin): Record<string, unknown> {
  const builder = new PanelOptionsEditorBuilder<Record<string, unknown>>();
  const supplier = plugin.getPanelOptionsSupplier();
  supplier(builder, { data: [] });
  const out: Record<string, unknown> = {};
  for (const item of builder.getItems()) {
    if (item.defaultValue !== undefined) {
      out[item.path] = item.defaultValue;
    }
  }
  return out;
}

// Every drill-down goes through locationService.partial, as in Grafana: record it, then let it change the URL.
window.__locationCalls = [];
const location = grafanaRuntime.locationService;
const partial = location.partial.bind(location);
location.partial = (query: Record<string, unknown>, replace?: boolean) => {
  window.__locationCalls.push({ query, replace });
  partial(query, replace);
};

/** Dashboard variables come from the URL (var-NAME), as Grafana keeps them. */
function replaceVariables(value: string): string {
  const search = location.getSearchObject() as Record<string, unknown>;
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const v = search[`var-${a ?? b}`];
    return v === undefined ? whole : String(v);
  });
}

function Host({ plugin, props }: { plugin: PanelPlugin; props: PanelProps }) {
  const [, setTick] = useState(0);
  useEffect(() => location.getHistory().listen(() => setTick((t) => t + 1)), []);
  const Panel = plugin.panel!;
  return <Panel {...props} replaceVariables={replaceVariables} />;
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  if (params.has('datasource')) {
    await mountQueryEditor(params);
    window.__hostReady = true;
    return;
  }
  const mode = params.get('theme') === 'dark' ? 'dark' : 'light';
  const theme = createTheme({ colors: { mode } });
  const width = Number(params.get('width') ?? 960);
  const height = Number(params.get('height') ?? 480);
  document.body.style.background = theme.colors.background.canvas;
  document.body.style.color = theme.colors.text.primary;
  document.body.style.fontFamily = theme.typography.fontFamily;
  document.body.style.fontSize = `${theme.typography.fontSize}px`;
  document.body.style.margin = '0';

  const mod = await loadAmd(params.get('module')!);
  const plugin = mod.plugin as PanelPlugin;
  if (!plugin || typeof plugin.getPanelOptionsSupplier !== 'function' || !plugin.panel) {
    throw new Error('the module exports no panel plugin');
  }
  if (params.get('debug') === '1') {
    window.__vigilEmbeddingsDebug = true;
  }
  const refId = params.get('refId') ?? 'A';
  let response;
  let targets: Array<Record<string, unknown>> = [];
  if (params.has('query')) {
    installBackendSrv();
    const uid = params.get('uid') ?? 'vigil';
    const target = { ...JSON.parse(params.get('query')!), refId, datasource: { type: 'vigil-mlobs-datasource', uid } };
    targets = [target];
    const answer = await fetch('/api/ds/query', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        queries: [target],
        from: String(Date.parse(params.get('from')!)),
        to: String(Date.parse(params.get('to')!)),
      }),
    });
    response = await answer.json();
  } else {
    response = await (await fetch(params.get('frames')!)).json();
  }
  const result = response.results[refId];
  if (result.error) {
    throw new Error(`the query failed: ${result.error}`);
  }
  const series = (result.frames as DataFrameJSON[]).map((f) => dataFrameFromJSON(f));
  const options = { ...defaultOptions(plugin), ...JSON.parse(params.get('options') ?? '{}') };
  const timeRange = getDefaultTimeRange();
  const props = {
    id: 1,
    data: { series, state: LoadingState.Done, timeRange, request: { targets } },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
    width,
    height,
    title: params.get('title') ?? 'Bias trace',
    transparent: false,
    renderCounter: 0,
    replaceVariables,
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    eventBus: undefined,
  } as unknown as PanelProps;

  const container = document.getElementById('panel')!;
  container.style.width = `${width}px`;
  container.style.height = `${height}px`;
  container.style.padding = '8px';
  container.style.background = theme.colors.background.primary;
  container.style.border = `1px solid ${theme.colors.border.weak}`;
  createRoot(container).render(
    <ThemeContext.Provider value={theme}>
      <Host plugin={plugin} props={props} />
    </ThemeContext.Provider>
  );
  window.__hostReady = true;
}

main().catch((err: unknown) => {
  window.__hostError = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
