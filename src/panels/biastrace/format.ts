import type { BiasTraceModel, HeatCell, HeatColumn, SegmentRow } from './prepare';
import { inParityBand } from './scale';

/** A metric value with three significant digits; an em dash when absent. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) {
    return '—';
  }
  if (v === 0) {
    return '0';
  }
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) {
    return v.toExponential(2);
  }
  return String(Number(v.toPrecision(3)));
}

/** A count with thousands separators. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US');
}

/** A contribution with its sign. */
export function formatContribution(v: number | null): string {
  if (v === null) {
    return '—';
  }
  return (v > 0 ? '+' : '') + formatValue(v);
}

function bandPhrase(column: HeatColumn, value: number | null): string {
  const spec = column.spec;
  if (column.kind === 'higherBetter' || column.kind === 'lowerBetter') {
    if (value === null || value === spec.parity) {
      return '';
    }
    const better = column.kind === 'higherBetter' ? value > spec.parity : value < spec.parity;
    return ` (${better ? 'better' : 'worse'} than ${formatValue(spec.parity)} overall)`;
  }
  if (!spec.band || value === null) {
    return '';
  }
  const band = `${spec.band[0]}–${spec.band[1]}`;
  return inParityBand(spec, value) ? ` (inside the parity band ${band})` : ` (outside the parity band ${band})`;
}

/** The confidence level as a percentage, e.g. "95%"; "the" when unknown. */
function level(confidence: number | undefined): string {
  return confidence === undefined ? 'confidence' : `${Number((confidence * 100).toPrecision(4))}%`;
}

/** The lines that give a disparate impact interval, and say when it contains parity. */
function intervalLines(
  what: string,
  value: number | null | undefined,
  lower: number | null | undefined,
  upper: number | null | undefined,
  confidence: number | undefined
): string[] {
  if (lower === undefined || upper === undefined) {
    return [];
  }
  if (lower === null || upper === null) {
    return [`${what}: no ${level(confidence)} interval (a group has no favourable prediction)`];
  }
  const interval = `${level(confidence)} interval ${formatValue(lower)}–${formatValue(upper)}`;
  const lines = [value === undefined ? `${what}: ${interval}` : `${what} ${formatValue(value)}, ${interval}`];
  if (lower <= 1 && upper >= 1) {
    lines.push('The interval contains 1 (parity): this disparity may be chance');
  }
  return lines;
}

type TooltipContext = Pick<BiasTraceModel, 'trace' | 'traceMetric' | 'confidence'>;

const BIAS_CONTEXT: TooltipContext = { trace: 'bias', traceMetric: 'disparate_impact' };

/**
 * The tooltip of a row, or of one of its cells: plain text lines, rendered as text nodes (never HTML), so a
 * segment value such as `<b>` shows as typed.
 */
export function tooltipLines(
  row: SegmentRow,
  column?: HeatColumn,
  cell?: HeatCell,
  context: TooltipContext = BIAS_CONTEXT
): string[] {
  const lines = [row.label];
  if (column && cell) {
    const where = column.time !== undefined ? `${column.title}: ` : '';
    lines.push(`${where}${column.metric} ${formatValue(cell.value)}${bandPhrase(column, cell.value)}`);
    if (column.time !== undefined) {
      lines.push(`${formatCount(cell.count)} records in this bucket`);
      lines.push(
        ...intervalLines('Disparate impact in this bucket', undefined, cell.lower, cell.upper, context.confidence)
      );
    }
  }
  if (context.trace === 'bias') {
    lines.push(...intervalLines('Disparate impact', row.disparateImpact, row.lower, row.upper, context.confidence));
  }
  const groups =
    row.protectedCount !== null && row.referenceCount !== null
      ? ` (protected ${formatCount(row.protectedCount)}, reference ${formatCount(row.referenceCount)})`
      : '';
  lines.push(`${formatCount(row.count)} records${groups}`);
  if (row.tooSmall) {
    lines.push('Too small to rank (under the query’s minCount)');
  }
  const target = context.trace === 'performance' ? context.traceMetric : 'disparate impact';
  const effect =
    row.contribution === null
      ? ''
      : context.trace === 'performance'
        ? row.contribution > 0
          ? `: removing it would improve ${target}`
          : row.contribution < 0
            ? `: removing it would make ${target} worse`
            : ''
        : row.contribution > 0
          ? ': removing it would bring disparate impact closer to parity'
          : row.contribution < 0
            ? ': it pulls disparate impact towards parity'
            : '';
  lines.push(`Contribution ${formatContribution(row.contribution)}${effect}`);
  return lines;
}
