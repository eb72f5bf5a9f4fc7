import { PluginType, type DataSourceInstanceSettings } from '@grafana/data';

import { DataSource } from '../datasource/datasource';
import type {
  FieldSummary,
  ModelSummary,
  ValueCount,
  VersionSummary,
  VigilDataSourceOptions,
} from '../datasource/types';

/** A small store: two models, the credit-risk one with features, tags, versions in three environments. */
export const INVENTORY = {
  models: [
    {
      name: 'credit-risk',
      versions: ['v1', 'v2'],
      environments: ['training', 'production'],
      records: 12000,
      embeddingDim: 0,
    },
    { name: 'fraud', versions: ['f1'], environments: ['production'], records: 500, embeddingDim: 8 },
  ] satisfies ModelSummary[],
  features: {
    'credit-risk': [
      { name: 'age', ref: 'features.age', kind: 'feature', type: 'numeric' },
      { name: 'income', ref: 'features.income', kind: 'feature', type: 'numeric' },
      { name: 'region', ref: 'features.region', kind: 'feature', type: 'categorical' },
      { name: 'sex', ref: 'tags.sex', kind: 'tag', type: 'categorical' },
      { name: 'channel', ref: 'tags.channel', kind: 'tag', type: 'categorical' },
    ],
    fraud: [{ name: 'amount', ref: 'features.amount', kind: 'feature', type: 'numeric' }],
  } satisfies Record<string, FieldSummary[]>,
  versions: {
    'credit-risk': [
      { version: 'v1', environment: 'training', status: 'deprecated', records: 5000, actuals: 5000 },
      { version: 'v1', environment: 'production', status: 'deprecated', records: 3000, actuals: 2000 },
      { version: 'v2', environment: 'production', status: 'active', records: 4000, actuals: 1000 },
    ],
    fraud: [{ version: 'f1', environment: 'production', status: 'active', records: 500, actuals: 0 }],
  } satisfies Record<string, VersionSummary[]>,
  values: {
    'credit-risk': {
      'tags.sex': [
        { value: 'M', count: 7000 },
        { value: 'F', count: 5000 },
      ],
      'tags.channel': [
        { value: 'web', count: 8000 },
        { value: 'app', count: 4000 },
      ],
      'features.region': [
        { value: 'north', count: 6000 },
        { value: 'south', count: 6000 },
      ],
      'prediction.label': [
        { value: '0', count: 9000 },
        { value: '1', count: 3000 },
      ],
      'actual.label': [
        { value: '0', count: 8000 },
        { value: '1', count: 3000 },
      ],
    },
  } as Record<string, Record<string, ValueCount[]>>,
};

/** An error as Grafana's backend service throws it for a failed resource call. */
export function fetchError(status: number, message: string) {
  return { status, statusText: status === 404 ? 'Not Found' : 'Error', data: { error: message } };
}

/**
 * Answers the resource routes from INVENTORY the way the backend does (404 for an unknown model).
 * `overrides` replaces the answer of a path (`models`, `models/credit-risk/features`, …): a promise to
 * control timing, or a function that throws.
 */
export function fakeResourceApi(overrides: Record<string, () => Promise<unknown>> = {}) {
  return jest.fn(async (path: string, params?: Record<string, string>): Promise<unknown> => {
    const key = params?.field ? `${path}?field=${params.field}` : path;
    const override = overrides[key] ?? overrides[path];
    if (override) {
      return override();
    }
    if (path === 'models') {
      return INVENTORY.models;
    }
    const match = /^models\/([^/]+)\/(features|versions|values)$/.exec(path);
    if (!match) {
      throw fetchError(404, `no route ${path}`);
    }
    const model = decodeURIComponent(match[1]);
    if (!INVENTORY.models.some((m) => m.name === model)) {
      throw fetchError(404, `unknown model "${model}"`);
    }
    switch (match[2]) {
      case 'features':
        return INVENTORY.features[model as keyof typeof INVENTORY.features] ?? [];
      case 'versions':
        return INVENTORY.versions[model as keyof typeof INVENTORY.versions] ?? [];
      default:
        return INVENTORY.values[model]?.[params?.field ?? ''] ?? [];
    }
  });
}

export const instanceSettings = {
  id: 1,
  uid: 'vigil',
  type: 'vigil-mlobs-datasource',
  name: 'Vigil',
  access: 'proxy',
  readOnly: false,
  jsonData: { path: 'vigil.duckdb' },
  meta: { id: 'vigil-mlobs-datasource', name: 'Vigil', type: PluginType.datasource },
} as unknown as DataSourceInstanceSettings<VigilDataSourceOptions>;

/** A real data source whose resource calls are answered by `api`. */
export function dataSourceWith(api: ReturnType<typeof fakeResourceApi> = fakeResourceApi()) {
  const datasource = new DataSource(instanceSettings);
  jest.spyOn(datasource, 'getResource').mockImplementation(api as unknown as DataSource['getResource']);
  return { datasource, api };
}

/** A promise settled from outside, to hold a resource call in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
