import type { DataSourceJsonData } from '@grafana/data';

export * from '../shared/query';

/** Settings of one Vigil data source, stored in its jsonData. */
export interface VigilDataSourceOptions extends DataSourceJsonData {
  /** DuckDB database file of the embedded store, as seen by the Grafana server. */
  path?: string;
  /** Seconds one query may run before it is cancelled. */
  queryTimeout?: number;
  /** Upper bound on store rows one query may scan. */
  maxRowsScanned?: number;
  /** Upper bound on sampled points (embeddings, KS and Wasserstein samples). */
  maxSampleSize?: number;
}

/**
 * Secrets of one Vigil data source; Grafana never sends them back to the browser.
 * Empty for the embedded DuckDB store; the ClickHouse password will live here.
 */
export type VigilSecureJsonData = Record<string, never>;

/** Values the backend applies when a setting is left empty; shown as placeholders in the config editor. */
export const DEFAULT_SETTINGS = {
  queryTimeout: 30,
  maxRowsScanned: 50_000_000,
  maxSampleSize: 50_000,
} as const;
