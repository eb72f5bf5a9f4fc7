import { type DataFrame, type Field, FieldType } from '@grafana/data';

import { isMetricName, metricKind, type MetricKind, performanceKind, scaleSpec, type ScaleSpec } from './scale';

/**
 * Turns segment tables into the heatmap's rows and columns. Two kinds of table are shown:
 *
 * - a `biasTrace` answer: a table "bias trace" (one row per segment, ranked: feature, value, [feature2, value2],
 *   count, protected_count, reference_count, disparate_impact, [disparate_impact_lower, disparate_impact_upper
 *   with a confidence level], [the query's metric], contribution, too_small) and, with `overTime`, a long table
 *   "bias trace over time" (time, feature, value, …, count, the metrics and bounds, contribution per bucket);
 * - a `performanceTrace` answer: a table "performance trace" (feature, value, count, metric, contribution,
 *   too_small; ranked), whose metadata names the metric and gives its overall value, on which the colours are
 *   centred.
 */

export const BIAS_TRACE_FRAME = 'bias trace';
export const BIAS_TRACE_OVER_TIME_FRAME = 'bias trace over time';
export const PERFORMANCE_TRACE_FRAME = 'performance trace';

export type TraceKind = 'bias' | 'performance';

export type ColumnMode = 'auto' | 'time' | 'metrics';

export interface HeatColumn {
  key: string;
  /** Header text: the metric's name or the bucket start. */
  title: string;
  /** A shorter header for narrow columns (month-day for daily buckets). */
  short: string;
  /** Which metric the cells hold. */
  metric: string;
  kind: MetricKind;
  /** The colour scale of the column (centred on the overall value for a performance metric). */
  spec: ScaleSpec;
  /** Bucket start (epoch ms) for time columns. */
  time?: number;
}

export interface HeatCell {
  value: number | null;
  /** Records behind the cell: the segment's count in that bucket, or overall. */
  count: number | null;
  /** The disparate impact interval behind the cell (its bucket's, or the segment's), when the query set one. */
  lower?: number | null;
  upper?: number | null;
  /** The interval contains 1: the disparity may be chance, so the cell is drawn grey. */
  uncertain?: boolean;
}

export interface SegmentRow {
  /** Unique key of the segment. */
  key: string;
  feature: string;
  value: string;
  feature2?: string;
  value2?: string;
  /** Human label, e.g. `region=south`. */
  label: string;
  /** What the drill-down variable is set to: the value (values joined with " & " for a pair). */
  variableValue: string;
  /** The feature(s) of the segment, for the optional feature variable. */
  variableFeature: string;
  count: number | null;
  protectedCount: number | null;
  referenceCount: number | null;
  contribution: number | null;
  tooSmall: boolean;
  /** The segment's disparate impact and its confidence interval (bias traces with a confidence level). */
  disparateImpact: number | null;
  lower: number | null;
  upper: number | null;
  /** The segment's interval contains 1 (parity): its disparity may be chance. */
  uncertain: boolean;
  /** 1-based rank among the ranked segments; null for small segments or those without contribution. */
  rank: number | null;
  cells: HeatCell[];
}

export interface BiasTraceModel {
  /** A bias trace (disparate impact) or a performance trace (a performance metric). */
  trace: TraceKind;
  /** The traced metric: disparate impact, or the performance trace's metric (e.g. accuracy, rmse). */
  traceMetric: string;
  /** The confidence level of the intervals (e.g. 0.95), when the answer has them. */
  confidence?: number;
  rows: SegmentRow[];
  columns: HeatColumn[];
  /** The metric of time columns (or the first metric column). */
  metric: string;
  /** The largest segment count, for the volume bars. */
  maxCount: number;
  /** The largest |contribution|, for the contribution bars. */
  maxContribution: number;
  /** The overall traced metric and record count, from the frame metadata when present. */
  overall?: number | null;
  records?: number;
}

export type Prepared = { ok: true; model: BiasTraceModel } | { ok: false; message: string };

function fieldByName(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

function num(field: Field | undefined, i: number): number | null {
  const v = field?.values[i];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(field: Field | undefined, i: number): string {
  const v = field?.values[i];
  return v === null || v === undefined ? '' : String(v);
}

function isSegmentTable(frame: DataFrame): boolean {
  if (frame.name === BIAS_TRACE_FRAME || frame.name === PERFORMANCE_TRACE_FRAME) {
    return true;
  }
  return (
    frame.name !== BIAS_TRACE_OVER_TIME_FRAME &&
    !frame.fields.some((f) => f.type === FieldType.time) &&
    ['feature', 'value', 'contribution'].every((n) => fieldByName(frame, n))
  );
}

function isOverTimeTable(frame: DataFrame): boolean {
  if (frame.name === BIAS_TRACE_OVER_TIME_FRAME) {
    return true;
  }
  return (
    frame.fields.some((f) => f.type === FieldType.time) && ['feature', 'value'].every((n) => fieldByName(frame, n))
  );
}

/** The display name of a field reference: features are shown bare, tags and others as they are. */
export function featureLabel(ref: string): string {
  return ref.startsWith('features.') ? ref.slice('features.'.length) : ref;
}

function segmentKey(feature: string, value: string, feature2: string, value2: string): string {
  return JSON.stringify([feature, value, feature2, value2]);
}

/** The metric fields of a frame, in frame order. */
function metricFields(frame: DataFrame): Field[] {
  return frame.fields.filter((f) => f.type === FieldType.number && isMetricName(f.name));
}

/** Formats a bucket start for a column header (UTC, as the buckets are); short drops the year. */
export function bucketTitle(ms: number, stepMs: number, short = false): string {
  const iso = new Date(ms).toISOString();
  const date = short ? iso.slice(5, 10) : iso.slice(0, 10);
  if (stepMs >= 24 * 3600 * 1000 && iso.endsWith('T00:00:00.000Z')) {
    return date;
  }
  return `${date} ${iso.slice(11, 16)}`;
}

/**
 * Prepares the heatmap. `metric` picks the metric of time columns ('' = the query's metric when the table has
 * one besides disparate impact, else disparate impact); `mode` picks time buckets or metrics as columns.
 */
export function prepareBiasTrace(frames: DataFrame[], mode: ColumnMode = 'auto', metric = ''): Prepared {
  const table = frames.find(isSegmentTable);
  if (!table) {
    return {
      ok: false,
      message:
        'This panel shows a Vigil biasTrace or performanceTrace query: a table with feature, value, count and contribution.',
    };
  }
  const custom = (table.meta?.custom ?? {}) as Record<string, unknown>;
  const performance =
    table.name === PERFORMANCE_TRACE_FRAME ||
    (table.name !== BIAS_TRACE_FRAME &&
      fieldByName(table, 'metric') !== undefined &&
      !fieldByName(table, 'disparate_impact'));
  if (performance) {
    return preparePerformanceTrace(table, custom, mode);
  }
  const overTime = frames.find((f) => f !== table && isOverTimeTable(f));
  const f = {
    feature: fieldByName(table, 'feature'),
    value: fieldByName(table, 'value'),
    feature2: fieldByName(table, 'feature2'),
    value2: fieldByName(table, 'value2'),
    count: fieldByName(table, 'count'),
    protectedCount: fieldByName(table, 'protected_count'),
    referenceCount: fieldByName(table, 'reference_count'),
    contribution: fieldByName(table, 'contribution'),
    tooSmall: fieldByName(table, 'too_small'),
    di: fieldByName(table, 'disparate_impact'),
    lower: fieldByName(table, 'disparate_impact_lower'),
    upper: fieldByName(table, 'disparate_impact_upper'),
  };
  const metrics = metricFields(table);
  const bounded = f.lower !== undefined && f.upper !== undefined;
  const metricNames = metrics.map((m) => m.name);
  let chosen = metric && metricNames.includes(metric) ? metric : '';
  if (!chosen) {
    chosen = metricNames.find((n) => n !== 'disparate_impact') ?? metricNames[0] ?? '';
  }
  const useTime = mode === 'time' || (mode === 'auto' && overTime !== undefined);

  const rows: SegmentRow[] = [];
  const index = new Map<string, number>();
  let rank = 0;
  let maxCount = 0;
  let maxContribution = 0;
  for (let i = 0; i < table.length; i++) {
    const feature = str(f.feature, i);
    const value = str(f.value, i);
    const feature2 = str(f.feature2, i);
    const value2 = str(f.value2, i);
    const tooSmall = f.tooSmall?.values[i] === true;
    const contribution = num(f.contribution, i);
    const count = num(f.count, i);
    const pair = feature2 !== '';
    const label = pair
      ? `${featureLabel(feature)}=${value}, ${featureLabel(feature2)}=${value2}`
      : `${featureLabel(feature)}=${value}`;
    const key = segmentKey(feature, value, feature2, value2);
    const lower = num(f.lower, i);
    const upper = num(f.upper, i);
    const uncertain = containsParity(lower, upper);
    index.set(key, rows.length);
    rows.push({
      key,
      feature,
      value,
      feature2: pair ? feature2 : undefined,
      value2: pair ? value2 : undefined,
      label,
      variableValue: pair ? `${value} & ${value2}` : value,
      variableFeature: pair ? `${feature} & ${feature2}` : feature,
      count,
      protectedCount: num(f.protectedCount, i),
      referenceCount: num(f.referenceCount, i),
      contribution,
      tooSmall,
      disparateImpact: num(f.di, i),
      lower,
      upper,
      uncertain,
      rank: !tooSmall && contribution !== null ? ++rank : null,
      cells: useTime
        ? []
        : metrics.map((m) =>
            bounded ? { value: num(m, i), count, lower, upper, uncertain } : { value: num(m, i), count }
          ),
    });
    maxCount = Math.max(maxCount, count ?? 0);
    maxContribution = Math.max(maxContribution, Math.abs(contribution ?? 0));
  }

  let columns: HeatColumn[];
  if (!useTime) {
    columns = metrics.map((m) => ({
      key: m.name,
      title: m.name,
      short: m.name,
      metric: m.name,
      kind: metricKind(m.name),
      spec: scaleSpec(metricKind(m.name)),
    }));
  } else if (!overTime) {
    return {
      ok: false,
      message: 'Time columns need the query option "Over time" (overTime): the answer holds no per-bucket table.',
    };
  } else {
    columns = timeColumns(overTime, chosen, rows, index);
  }

  return {
    ok: true,
    model: {
      trace: 'bias',
      traceMetric: 'disparate_impact',
      confidence: typeof custom.confidence === 'number' ? custom.confidence : undefined,
      rows,
      columns,
      metric: chosen,
      maxCount,
      maxContribution,
      overall:
        typeof custom.disparateImpact === 'number'
          ? custom.disparateImpact
          : custom.disparateImpact === null
            ? null
            : undefined,
      records: typeof custom.records === 'number' ? custom.records : undefined,
    },
  };
}

/** Pivots the long per-bucket table into one column per bucket, filling each row's cells in place. */
function timeColumns(frame: DataFrame, metric: string, rows: SegmentRow[], index: Map<string, number>): HeatColumn[] {
  const time = frame.fields.find((f) => f.type === FieldType.time);
  const fields = {
    feature: fieldByName(frame, 'feature'),
    value: fieldByName(frame, 'value'),
    feature2: fieldByName(frame, 'feature2'),
    value2: fieldByName(frame, 'value2'),
    count: fieldByName(frame, 'count'),
    metric: fieldByName(frame, metric) ?? metricFields(frame)[0],
    lower: fieldByName(frame, 'disparate_impact_lower'),
    upper: fieldByName(frame, 'disparate_impact_upper'),
  };
  const starts = new Set<number>();
  for (let i = 0; i < frame.length; i++) {
    const t = time?.values[i];
    const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Number(t);
    if (Number.isFinite(ms)) {
      starts.add(ms);
    }
  }
  const sorted = [...starts].sort((a, b) => a - b);
  const step = sorted.length > 1 ? Math.min(...sorted.slice(1).map((t, i) => t - sorted[i])) : 24 * 3600 * 1000;
  const column = new Map(sorted.map((t, i) => [t, i]));
  for (const row of rows) {
    row.cells = sorted.map(() => ({ value: null, count: null }));
  }
  for (let i = 0; i < frame.length; i++) {
    const t = time?.values[i];
    const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Number(t);
    const r = index.get(
      segmentKey(str(fields.feature, i), str(fields.value, i), str(fields.feature2, i), str(fields.value2, i))
    );
    const c = column.get(ms);
    if (r === undefined || c === undefined) {
      continue;
    }
    const cell: HeatCell = { value: num(fields.metric, i), count: num(fields.count, i) };
    if (fields.lower && fields.upper) {
      cell.lower = num(fields.lower, i);
      cell.upper = num(fields.upper, i);
      cell.uncertain = containsParity(cell.lower, cell.upper);
    }
    rows[r].cells[c] = cell;
  }
  const name = fields.metric?.name ?? metric;
  return sorted.map((t) => ({
    key: String(t),
    title: bucketTitle(t, step),
    short: bucketTitle(t, step, true),
    metric: name,
    kind: metricKind(name),
    spec: scaleSpec(metricKind(name)),
    time: t,
  }));
}

/** Whether an interval is known and contains parity (disparate impact 1). */
export function containsParity(lower: number | null, upper: number | null): boolean {
  return lower !== null && upper !== null && lower <= 1 && upper >= 1;
}

/**
 * A performance trace: one column, the segment's metric, coloured around the overall metric in the direction
 * the metric improves.
 */
function preparePerformanceTrace(table: DataFrame, custom: Record<string, unknown>, mode: ColumnMode): Prepared {
  if (mode === 'time') {
    return { ok: false, message: 'A performance trace has no time buckets: set Columns to Auto or Metrics.' };
  }
  const name = typeof custom.metric === 'string' && custom.metric ? custom.metric : 'metric';
  let kind = performanceKind(name);
  if (kind === undefined) {
    kind = custom.higherIsBetter === false ? 'lowerBetter' : 'higherBetter';
  }
  const overall = typeof custom.overall === 'number' && Number.isFinite(custom.overall) ? custom.overall : null;
  const f = {
    feature: fieldByName(table, 'feature'),
    value: fieldByName(table, 'value'),
    count: fieldByName(table, 'count'),
    metric: fieldByName(table, 'metric') ?? fieldByName(table, name),
    contribution: fieldByName(table, 'contribution'),
    tooSmall: fieldByName(table, 'too_small'),
  };
  const rows: SegmentRow[] = [];
  let rank = 0;
  let maxCount = 0;
  let maxContribution = 0;
  for (let i = 0; i < table.length; i++) {
    const feature = str(f.feature, i);
    const value = str(f.value, i);
    const tooSmall = f.tooSmall?.values[i] === true;
    const contribution = num(f.contribution, i);
    const count = num(f.count, i);
    rows.push({
      key: segmentKey(feature, value, '', ''),
      feature,
      value,
      label: `${featureLabel(feature)}=${value}`,
      variableValue: value,
      variableFeature: feature,
      count,
      protectedCount: null,
      referenceCount: null,
      contribution,
      tooSmall,
      disparateImpact: null,
      lower: null,
      upper: null,
      uncertain: false,
      rank: !tooSmall && contribution !== null ? ++rank : null,
      cells: [{ value: num(f.metric, i), count }],
    });
    maxCount = Math.max(maxCount, count ?? 0);
    maxContribution = Math.max(maxContribution, Math.abs(contribution ?? 0));
  }
  return {
    ok: true,
    model: {
      trace: 'performance',
      traceMetric: name,
      rows,
      columns: [{ key: 'metric', title: name, short: name, metric: name, kind, spec: scaleSpec(kind, overall ?? 0) }],
      metric: name,
      maxCount,
      maxContribution,
      overall,
      records: typeof custom.recordsWithActuals === 'number' ? custom.recordsWithActuals : undefined,
    },
  };
}
