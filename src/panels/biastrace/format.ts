import type { HeatCell, HeatColumn, SegmentRow } from './prepare';
import { inParityBand, scaleSpec } from './scale';

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
  const spec = scaleSpec(column.kind);
  if (!spec.band || value === null) {
    return '';
  }
  const band = `${spec.band[0]}–${spec.band[1]}`;
  return inParityBand(spec, value) ? ` (inside the parity band ${band})` : ` (outside the parity band ${band})`;
}

/**
 * The tooltip of a row, or of one of its cells: plain text lines, rendered as text nodes (never HTML), so a
 * segment value such as `<b>` shows as typed.
 */
export function tooltipLines(row: SegmentRow, column?: HeatColumn, cell?: HeatCell): string[] {
  const lines = [row.label];
  if (column && cell) {
    const where = column.time !== undefined ? `${column.title}: ` : '';
    lines.push(`${where}${column.metric} ${formatValue(cell.value)}${bandPhrase(column, cell.value)}`);
    if (column.time !== undefined) {
      lines.push(`${formatCount(cell.count)} records in this bucket`);
    }
  }
  const groups =
    row.protectedCount !== null && row.referenceCount !== null
      ? ` (protected ${formatCount(row.protectedCount)}, reference ${formatCount(row.referenceCount)})`
      : '';
  lines.push(`${formatCount(row.count)} records${groups}`);
  if (row.tooSmall) {
    lines.push('Too small to rank (under the query’s minCount)');
  }
  const effect =
    row.contribution === null
      ? ''
      : row.contribution > 0
        ? ': removing it would bring disparate impact closer to parity'
        : row.contribution < 0
          ? ': it pulls disparate impact towards parity'
          : '';
  lines.push(`Contribution ${formatContribution(row.contribution)}${effect}`);
  return lines;
}
