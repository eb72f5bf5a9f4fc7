import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

export * from '../shared/query';

/** Settings of one Vigil data source, stored in its jsonData; the backend reads the same keys. */
export interface VigilDataSourceOptions extends DataSourceJsonData {
  /** DuckDB database file of the embedded store, as seen by the Grafana server; empty keeps an in-memory store. */
  path?: string;
  /** Seconds one query may run before it is cancelled (1…3600). */
  queryTimeout?: number;
  /** Upper bound on the groups one store aggregate may return (series × buckets × bins). */
  maxGroups?: number;
  /** Upper bound on sampled points (embeddings, KS and Wasserstein samples). */
  maxSampleSize?: number;
  /** Upper bound on the time buckets of one query. */
  maxBuckets?: number;
  /** Upper bound on the values one query answers with (series points plus table cells). */
  maxPoints?: number;
  /** Upper bound on the estimated size of one query's frames, in bytes. */
  maxResponseBytes?: number;
  /** Largest body one ingest request may carry, in bytes. */
  ingestMaxBytes?: number;
  /** Ingest requests that may wait for the single writer before new ones are refused (1…1000). */
  ingestQueue?: number;
  /** DuckDB worker threads; empty uses DuckDB's default (one per core). */
  threads?: number;
  /** DuckDB memory limit such as `4GB`; empty uses DuckDB's default. */
  memoryLimit?: string;
}

/**
 * Secrets of one Vigil data source; Grafana never sends them back to the browser.
 * Empty for the embedded DuckDB store.
 */
export type VigilSecureJsonData = Record<string, never>;

/** Numeric settings whose empty value means the backend default. */
export type NumericSetting =
  | 'queryTimeout'
  | 'maxGroups'
  | 'maxSampleSize'
  | 'maxBuckets'
  | 'maxPoints'
  | 'maxResponseBytes'
  | 'ingestMaxBytes'
  | 'ingestQueue'
  | 'threads';

/** Values the backend applies when a setting is left empty; shown as placeholders in the config editor. */
export const DEFAULT_SETTINGS: Record<NumericSetting, number | string> = {
  queryTimeout: 30,
  maxGroups: 2_000_000,
  maxSampleSize: 50_000,
  maxBuckets: 10_000,
  maxPoints: 1_000_000,
  maxResponseBytes: 64 * 1024 * 1024,
  ingestMaxBytes: 64 * 1024 * 1024,
  ingestQueue: 4,
  threads: 'one per core',
};

/** One model as listed by `GET models`. */
export interface ModelSummary {
  name: string;
  versions: string[];
  environments: string[];
  records: number;
  embeddingDim: number;
}

/** One feature or tag of a model as listed by `GET models/{model}/features`. */
export interface FieldSummary {
  name: string;
  /** Field reference, `features.NAME` or `tags.NAME`. */
  ref: string;
  kind: 'feature' | 'tag';
  type: 'numeric' | 'categorical';
}

/** One (version, environment) of a model as listed by `GET models/{model}/versions`. */
export interface VersionSummary {
  version: string;
  environment: string;
  status?: string;
  statusSince?: string;
  firstSeen?: string;
  lastSeen?: string;
  records: number;
  actuals: number;
}

/** One distinct value of a field as listed by `GET models/{model}/values?field=REF`, most frequent first. */
export interface ValueCount {
  value: string;
  count: number;
}

export const VARIABLE_KINDS = ['models', 'versions', 'environments', 'features', 'values'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

/**
 * The query of a dashboard variable, saved in the dashboard as
 * `{"kind": "versions", "model": "$model"}` or `{"kind": "values", "model": "$model", "field": "tags.sex"}`.
 */
export interface VigilVariableQuery extends DataQuery {
  kind: VariableKind;
  /** The model whose versions, environments, features or values are listed; may be a variable. */
  model?: string;
  /** Field reference whose values are listed (`values`); may be a variable. */
  field?: string;
}
