import type { ColumnMode } from './prepare';

export interface BiasTraceOptions {
  /** Dashboard variable a click on a row sets to the segment's value; empty: no drill-down. */
  variable: string;
  /** Optional dashboard variable set to the segment's feature (field reference) at the same time. */
  featureVariable: string;
  /** Time buckets (with the query's overTime option) or metrics as columns. */
  columns: ColumnMode;
  /** The metric of time columns; empty: the query's metric. */
  metric: string;
  /** Print the value in each cell when it is wide enough. */
  showValues: boolean;
  rowHeight: number;
}

export const DEFAULT_OPTIONS: BiasTraceOptions = {
  variable: 'segment',
  featureVariable: '',
  columns: 'auto',
  metric: '',
  showValues: true,
  rowHeight: 28,
};
