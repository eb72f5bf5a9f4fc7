/**
 * The query editor half of the host page: it loads a built data source module (dist/datasource/module.js) the
 * way Grafana does, instantiates the plugin's DataSource class with instance settings for `uid`, and renders
 * `plugin.components.QueryEditor` as a panel editor would, with the query kept in page state.
 *
 * The data source reaches its backend through @grafana/runtime's getBackendSrv, which the host provides as a
 * plain fetch to this page's origin: the test server forwards /api/ to backendhost (tests/browser/backendhost),
 * which hosts the real plugin binary. There are no dashboard variables (getTemplateSrv knows none).
 *
 * Query string: datasource=URL of module.js, uid (default vigil), from and to (RFC 3339, the query's time
 * range), theme=light|dark, width (of the editor in pixels, default 1200), query=JSON of the initial query over
 * the data source's default query.
 *
 * Like Grafana's page, the host sets the element resets of Grafana's global styles that decide the layout of
 * forms (border-box sizing, bare fieldsets and legends); the rest of them (fonts served by Grafana) is left out.
 *
 * It exposes on window: __query (the latest query the editor changed to), __runs (how many times the editor
 * asked to run the query), __runQuery() (runs the latest query through DataSource.query and resolves to a
 * summary of the response), __lastResult (that summary, for the latest run), __setQuery(query) (replaces the
 * query, as a dashboard's saved query would be opened), __setWidth(px) (resizes the editor) and
 * __setGrafanaResets(on) (applies or drops those element resets).
 */
import React, { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  CoreApp,
  createTheme,
  type DataQuery,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type DataSourcePlugin,
  type DataSourcePluginMeta,
  dateTime,
  type QueryEditorProps,
  ThemeContext,
  type TimeRange,
} from '@grafana/data';
import {
  type BackendSrv,
  type BackendSrvRequest,
  type DataSourceSrv,
  type DataSourceWithBackend,
  type FetchResponse,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  type TemplateSrv,
} from '@grafana/runtime';
import { lastValueFrom, Observable } from 'rxjs';

import { loadAmd } from './amd';

/** What the test reads of a query response: each frame's shape and length, and the errors. */
export interface ResultSummary {
  state?: string;
  errors: string[];
  frames: Array<{ name?: string; refId?: string; length: number; fields: Array<{ name: string; type: string }> }>;
}

declare global {
  interface Window {
    __query?: DataQuery & Record<string, unknown>;
    __runs: number;
    __runQuery: () => Promise<ResultSummary>;
    __lastResult?: ResultSummary;
    __setQuery: (query: DataQuery & Record<string, unknown>) => void;
    __setWidth: (px: number) => void;
    __setGrafanaResets: (on: boolean) => void;
  }
}

/** A fetch-shaped error as Grafana's backend service throws it: status, statusText and the parsed body. */
function fetchError(response: Response, data: unknown, options: BackendSrvRequest) {
  return { status: response.status, statusText: response.statusText, data, config: options };
}

/** getBackendSrv().fetch as data sources use it: a request to Grafana's HTTP API, answered once. */
function fetchBackend<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable<FetchResponse<T>>((subscriber) => {
    const controller = new AbortController();
    const url = new URL(options.url, window.location.origin);
    for (const [key, value] of Object.entries(options.params ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(key, String(item));
      }
    }
    const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
    let body: string | undefined;
    if (options.data !== undefined) {
      body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
      headers['Content-Type'] ??= 'application/json';
    }
    fetch(url, { method: options.method ?? 'GET', headers, body, signal: controller.signal })
      .then(async (response) => {
        const text = await response.text();
        let data: unknown = text;
        if (options.responseType !== 'text') {
          try {
            data = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: the text as it is.
          }
        }
        if (!response.ok) {
          subscriber.error(fetchError(response, data, options));
          return;
        }
        subscriber.next({
          data: data as T,
          status: response.status,
          statusText: response.statusText,
          ok: response.ok,
          headers: response.headers,
          redirected: response.redirected,
          type: response.type,
          url: response.url,
          config: options,
        });
        subscriber.complete();
      })
      .catch((err: unknown) => subscriber.error(err));
    return () => controller.abort();
  });
}

/** getBackendSrv() as a plain fetch to this page's origin (the test server forwards /api/ to backendhost). */
export function installBackendSrv() {
  const request = <T,>(options: BackendSrvRequest) => lastValueFrom(fetchBackend<T>(options)).then((r) => r.data);
  const backendSrv = {
    fetch: fetchBackend,
    request,
    datasourceRequest: (options: BackendSrvRequest) => lastValueFrom(fetchBackend(options)),
    get: (
      url: string,
      params?: BackendSrvRequest['params'],
      requestId?: string,
      options?: Partial<BackendSrvRequest>
    ) => request({ ...options, url, params, requestId, method: 'GET' }),
    post: (url: string, data?: unknown, options?: Partial<BackendSrvRequest>) =>
      request({ ...options, url, data, method: 'POST' }),
    put: (url: string, data?: unknown, options?: Partial<BackendSrvRequest>) =>
      request({ ...options, url, data, method: 'PUT' }),
    patch: (url: string, data?: unknown, options?: Partial<BackendSrvRequest>) =>
      request({ ...options, url, data, method: 'PATCH' }),
    delete: (url: string, data?: unknown, options?: Partial<BackendSrvRequest>) =>
      request({ ...options, url, data, method: 'DELETE' }),
    resolveCancelerIfExists: () => {},
  };
  setBackendSrv(backendSrv as unknown as BackendSrv);
}

/** A dashboard without variables: nothing to list, every text stays as it is. */
function installTemplateSrv() {
  const templateSrv = {
    getVariables: () => [],
    replace: (target?: string) => target ?? '',
    containsTemplate: () => false,
    updateTimeRange: () => {},
  };
  setTemplateSrv(templateSrv as unknown as TemplateSrv);
}

/** Grafana's list of data sources: this one only. */
function installDataSourceSrv(settings: DataSourceInstanceSettings, instance: unknown) {
  const matches = (ref: unknown) =>
    ref === undefined ||
    ref === null ||
    ref === settings.uid ||
    ref === settings.name ||
    (typeof ref === 'object' && (ref as { uid?: string }).uid === settings.uid);
  const dataSourceSrv = {
    get: (ref: unknown) =>
      matches(ref) ? Promise.resolve(instance) : Promise.reject(new Error('unknown data source')),
    getInstanceSettings: (ref: unknown) => (matches(ref) ? settings : undefined),
    getList: () => [settings],
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => {},
  };
  setDataSourceSrv(dataSourceSrv as unknown as DataSourceSrv);
}

function summarize(response: { state?: string; data: unknown[]; errors?: Array<{ message?: string }> }) {
  const summary: ResultSummary = { state: response.state, errors: [], frames: [] };
  for (const error of response.errors ?? []) {
    summary.errors.push(error.message ?? JSON.stringify(error));
  }
  for (const frame of response.data as Array<{
    name?: string;
    refId?: string;
    length: number;
    fields: Array<{ name: string; type: string }>;
  }>) {
    summary.frames.push({
      name: frame.name,
      refId: frame.refId,
      length: frame.length,
      fields: frame.fields.map((field) => ({ name: field.name, type: field.type })),
    });
  }
  return summary;
}

type Query = DataQuery & Record<string, unknown>;
type Props = QueryEditorProps<DataSourceWithBackend<Query>, Query>;

function Editor({
  Component,
  datasource,
  initial,
  range,
  onQuery,
}: {
  Component: React.ComponentType<Props>;
  datasource: DataSourceWithBackend<Query>;
  initial: Query;
  range: TimeRange;
  onQuery: (query: Query) => void;
}) {
  const [query, setQuery] = useState(initial);
  useEffect(() => {
    window.__setQuery = (next: Query) => {
      onQuery(next);
      setQuery(next);
    };
  }, [onQuery]);
  const onChange = useCallback(
    (next: Query) => {
      onQuery(next);
      setQuery(next);
    },
    [onQuery]
  );
  const onRunQuery = useCallback(() => {
    window.__runs++;
  }, []);
  return (
    <Component
      datasource={datasource}
      query={query}
      onChange={onChange}
      onRunQuery={onRunQuery}
      range={range}
      app={CoreApp.PanelEditor}
    />
  );
}

export async function mountQueryEditor(params: URLSearchParams) {
  const mode = params.get('theme') === 'dark' ? 'dark' : 'light';
  const theme = createTheme({ colors: { mode } });
  document.body.style.background = theme.colors.background.canvas;
  document.body.style.color = theme.colors.text.primary;
  document.body.style.fontFamily = theme.typography.fontFamily;
  document.body.style.fontSize = `${theme.typography.fontSize}px`;
  document.body.style.margin = '0';

  const moduleUrl = params.get('datasource')!;
  const mod = await loadAmd(moduleUrl);
  const plugin = mod.plugin as DataSourcePlugin<DataSourceWithBackend<Query>, Query>;
  if (!plugin?.DataSourceClass || !plugin.components.QueryEditor) {
    throw new Error('the module exports no data source plugin with a query editor');
  }
  const pluginJson = await (await fetch(new URL('plugin.json', new URL(moduleUrl, window.location.href)))).json();
  const meta = { ...pluginJson, module: moduleUrl, baseUrl: moduleUrl.replace(/\/module\.js$/, '') };
  plugin.meta = meta as DataSourcePluginMeta;
  const uid = params.get('uid') ?? 'vigil';
  const settings = {
    id: 1,
    uid,
    type: pluginJson.id,
    name: 'Vigil',
    meta,
    jsonData: {},
    access: 'proxy',
    readOnly: false,
  } as unknown as DataSourceInstanceSettings;

  installBackendSrv();
  installTemplateSrv();
  const datasource = new plugin.DataSourceClass(settings) as DataSourceWithBackend<Query>;
  datasource.meta = meta as DataSourcePluginMeta;
  installDataSourceSrv(settings, datasource);

  const from = dateTime(params.get('from') ?? Date.now() - 6 * 3600_000);
  const to = dateTime(params.get('to') ?? Date.now());
  const range: TimeRange = { from, to, raw: { from, to } };
  const initial: Query = {
    refId: 'A',
    datasource: { type: settings.type, uid },
    ...datasource.getDefaultQuery?.(CoreApp.PanelEditor),
    ...JSON.parse(params.get('query') ?? '{}'),
  };

  // The latest query, as the panel would keep it, and a way to run it as the panel would.
  let latest = initial;
  window.__query = initial;
  window.__runs = 0;
  let run = 0;
  window.__runQuery = async () => {
    const request = {
      requestId: `host-${++run}`,
      app: CoreApp.PanelEditor,
      range,
      interval: '1h',
      intervalMs: 3600_000,
      maxDataPoints: 1000,
      scopedVars: {},
      targets: [latest],
      timezone: 'utc',
      startTime: Date.now(),
    } as unknown as DataQueryRequest<Query>;
    const summary = summarize(await lastValueFrom(datasource.query(request) as Observable<never>));
    window.__lastResult = summary;
    return summary;
  };
  const onQuery = (query: Query) => {
    latest = query;
    window.__query = query;
  };

  // Grafana's element resets that forms depend on (its GlobalStyles, elements part).
  const reset = document.createElement('style');
  reset.textContent = [
    'html { box-sizing: border-box; }',
    '*, *::before, *::after { box-sizing: inherit; }',
    'fieldset { min-width: 0; padding: 0; margin: 0; border: 0; }',
    'legend { display: block; width: 100%; padding: 0; margin: 0; border: 0; font-size: inherit; line-height: inherit; }',
    'label { display: inline-block; }',
    'input, button, select, textarea { font-family: inherit; font-size: inherit; line-height: inherit; }',
  ].join('\n');
  document.head.appendChild(reset);
  window.__setGrafanaResets = (on: boolean) => {
    reset.disabled = !on;
  };

  const container = document.getElementById('panel')!;
  container.style.width = `${Number(params.get('width') ?? 1200)}px`;
  window.__setWidth = (px: number) => {
    container.style.width = `${px}px`;
  };
  container.style.padding = '8px';
  container.style.background = theme.colors.background.primary;
  container.style.border = `1px solid ${theme.colors.border.weak}`;
  const Component = plugin.components.QueryEditor as unknown as React.ComponentType<Props>;
  createRoot(container).render(
    <ThemeContext.Provider value={theme}>
      <Editor Component={Component} datasource={datasource} initial={initial} range={range} onQuery={onQuery} />
    </ThemeContext.Provider>
  );
}
