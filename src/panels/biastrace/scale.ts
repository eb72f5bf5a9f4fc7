/**
 * The colour scale of the bias trace heatmap: diverging around parity.
 *
 * - `ratio` metrics (disparate impact, predictive parity ratio): parity is 1 and the scale is logarithmic, so 0.8
 *   and 1.25 (the four-fifths band) are equally far from parity; it saturates at 1/4 and 4.
 * - `difference` metrics (statistical parity, equal opportunity, average odds): parity is 0, linear, band ±0.1,
 *   saturating at ±0.5.
 * - `rate` (selection rates): sequential from 0 to 1, no parity.
 * - `higherBetter` / `lowerBetter` (a performance trace's metric): centred on the overall metric, so a segment's
 *   colour says whether the model does better (+) or worse (−) there than overall. Higher-better metrics (accuracy,
 *   precision, recall, f1, auc, r2) are linear, saturating 0.25 away from the overall value; lower-better ones
 *   (log_loss, rmse, mae, mape) are logarithmic, saturating at twice or half the overall value.
 *
 * Positions run from −1 (protected group disadvantaged, rate 0, or worse than overall) through 0 (parity, or the
 * overall value) to +1.
 */

export type MetricKind = 'ratio' | 'difference' | 'rate' | 'higherBetter' | 'lowerBetter';

/** Performance metrics where a higher value is better, and those where a lower one is. */
export const HIGHER_BETTER_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'r2'];
export const LOWER_BETTER_METRICS = ['log_loss', 'rmse', 'mae', 'mape'];

const PERFORMANCE_SATURATION = 0.25;
const PERFORMANCE_RATIO_SATURATION = 2;

/** The kind of a performance metric by its direction; undefined for a name that is not one. */
export function performanceKind(metric: string): MetricKind | undefined {
  if (HIGHER_BETTER_METRICS.includes(metric)) {
    return 'higherBetter';
  }
  if (LOWER_BETTER_METRICS.includes(metric)) {
    return 'lowerBetter';
  }
  return undefined;
}

export interface ScaleSpec {
  kind: MetricKind;
  /** The value of parity (position 0). */
  parity: number;
  /** The band around parity counted as fair, in metric units; absent for rates. */
  band?: [number, number];
  /** Values at positions −1 and +1 (the scale saturates beyond). */
  domain: [number, number];
}

export const FOUR_FIFTHS_BAND: [number, number] = [0.8, 1.25];

const RATIO_SATURATION = 4;
const DIFFERENCE_SATURATION = 0.5;
const DIFFERENCE_BAND = 0.1;

const RATIO_METRICS = ['disparate_impact', 'predictive_parity_ratio'];
const DIFFERENCE_METRICS = ['statistical_parity_difference', 'equal_opportunity_difference', 'average_odds_difference'];

/** The kind of a metric column, by its name; unknown names are treated as ratios only when they say so. */
export function metricKind(name: string): MetricKind {
  if (RATIO_METRICS.includes(name) || name.endsWith('_ratio')) {
    return 'ratio';
  }
  if (DIFFERENCE_METRICS.includes(name) || name.endsWith('_difference')) {
    return 'difference';
  }
  return 'rate';
}

/** Whether a field name is a metric the heatmap can colour. */
export function isMetricName(name: string): boolean {
  return (
    RATIO_METRICS.includes(name) ||
    DIFFERENCE_METRICS.includes(name) ||
    name.startsWith('selection_rate') ||
    name.endsWith('_ratio') ||
    name.endsWith('_difference')
  );
}

/**
 * The scale of a metric kind; `overall` is the centre of the performance kinds (the overall metric of the
 * trace).
 */
export function scaleSpec(kind: MetricKind, overall = 0): ScaleSpec {
  switch (kind) {
    case 'higherBetter':
      return { kind, parity: overall, domain: [overall - PERFORMANCE_SATURATION, overall + PERFORMANCE_SATURATION] };
    case 'lowerBetter':
      return {
        kind,
        parity: overall,
        domain: [overall * PERFORMANCE_RATIO_SATURATION, overall / PERFORMANCE_RATIO_SATURATION],
      };
    case 'ratio':
      return { kind, parity: 1, band: FOUR_FIFTHS_BAND, domain: [1 / RATIO_SATURATION, RATIO_SATURATION] };
    case 'difference':
      return {
        kind,
        parity: 0,
        band: [-DIFFERENCE_BAND, DIFFERENCE_BAND],
        domain: [-DIFFERENCE_SATURATION, DIFFERENCE_SATURATION],
      };
    default:
      return { kind, parity: 0, domain: [0, 1] };
  }
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * The position of a value on the scale, in [−1, 1]; null for a missing or meaningless value (a ratio must be
 * positive). A rate maps 0…1 to 0…1.
 */
export function scalePosition(spec: ScaleSpec, value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return null;
  }
  switch (spec.kind) {
    case 'ratio':
      if (value <= 0) {
        return value === 0 ? -1 : null;
      }
      return clamp(Math.log(value) / Math.log(spec.domain[1]), -1, 1);
    case 'difference':
      return clamp(value / spec.domain[1], -1, 1);
    case 'higherBetter':
      return clamp((value - spec.parity) / PERFORMANCE_SATURATION, -1, 1);
    case 'lowerBetter':
      if (spec.parity <= 0 || value <= 0) {
        // Nothing is better than a perfect overall value; a perfect segment is as good as it gets.
        return value <= 0 ? (spec.parity <= 0 ? 0 : 1) : -1;
      }
      return clamp(-Math.log(value / spec.parity) / Math.log(PERFORMANCE_RATIO_SATURATION), -1, 1);
    default:
      return clamp(value, 0, 1);
  }
}

/** The value at a position: the inverse of scalePosition inside the domain (used to label the legend). */
export function valueAt(spec: ScaleSpec, position: number): number {
  switch (spec.kind) {
    case 'ratio':
      return Math.exp(position * Math.log(spec.domain[1]));
    case 'difference':
      return position * spec.domain[1];
    case 'higherBetter':
      return spec.parity + position * PERFORMANCE_SATURATION;
    case 'lowerBetter':
      return spec.parity * PERFORMANCE_RATIO_SATURATION ** -position;
    default:
      return position;
  }
}

/** Whether a value lies in the parity band (inclusive); rates have no band. */
export function inParityBand(spec: ScaleSpec, value: number | null | undefined): boolean {
  if (!spec.band || value === null || value === undefined || !Number.isFinite(value)) {
    return false;
  }
  return value >= spec.band[0] && value <= spec.band[1];
}

export interface Palette {
  /** Colour at position −1. */
  below: string;
  /** Colour at parity (position 0): the panel background, so parity reads as "nothing to see". */
  parity: string;
  /** Colour at position +1. */
  above: string;
  /** The grey of a cell whose interval contains parity. */
  uncertain: string;
}

type RGBA = [number, number, number, number];

/** Parses #rgb, #rrggbb, #rrggbbaa, rgb() and rgba() colours. */
export function parseColor(color: string): RGBA {
  const c = color.trim().toLowerCase();
  if (c.startsWith('#')) {
    let hex = c.slice(1);
    if (hex.length === 3 || hex.length === 4) {
      hex = [...hex].map((h) => h + h).join('');
    }
    if (!/^[0-9a-f]{6}([0-9a-f]{2})?$/.test(hex)) {
      throw new Error(`not a colour: ${color}`);
    }
    const n = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), hex.length === 8 ? n(6) / 255 : 1];
  }
  const m = /^rgba?\(([^)]+)\)$/.exec(c);
  if (m) {
    const parts = m[1]
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    if (parts.length >= 3 && parts.every((p) => Number.isFinite(p))) {
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    }
  }
  throw new Error(`not a colour: ${color}`);
}

function formatColor([r, g, b, a]: RGBA): string {
  const h = (x: number) =>
    Math.round(clamp(x, 0, 255))
      .toString(16)
      .padStart(2, '0');
  const hex = `#${h(r)}${h(g)}${h(b)}`;
  return a >= 1 ? hex : `${hex}${h(a * 255)}`;
}

/** Interpolates two colours in sRGB: t = 0 gives a, t = 1 gives b. */
export function mixColors(a: string, b: string, t: number): string {
  const x = parseColor(a);
  const y = parseColor(b);
  const u = clamp(t, 0, 1);
  return formatColor(x.map((v, i) => v + (y[i] - v) * u) as RGBA);
}

/** The cell colour at a scale position; null (no value) gets no colour. */
export function colorAt(palette: Palette, position: number | null): string | undefined {
  if (position === null) {
    return undefined;
  }
  return position < 0
    ? mixColors(palette.parity, palette.below, -position)
    : mixColors(palette.parity, palette.above, position);
}

/** Relative luminance (WCAG) of a colour, to pick readable text on a cell. */
export function luminance(color: string): number {
  const [r, g, b] = parseColor(color).map((v, i) => {
    if (i > 2) {
      return v;
    }
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
