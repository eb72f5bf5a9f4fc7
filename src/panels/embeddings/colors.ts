import type { EmbeddingsModel } from './frame';
import type { ColorBy } from './types';

/**
 * Point colours. Each point gets an index into a short list of colours so the scatter draws one path per
 * colour. Categories are coloured in sorted order of their values, so a value keeps its colour whatever order
 * the points arrive in; time is a gradient quantised into TIME_STEPS colours.
 */

export const TIME_STEPS = 16;

export interface ColorTheme {
  /** Categorical colours (the theme's visualization palette, resolved). */
  palette: string[];
  /** For reference points, points in no cluster and missing values. */
  muted: string;
  /** The current set. */
  current: string;
  /** The ends of the time gradient, as #rrggbb. */
  timeFrom: string;
  timeTo: string;
}

export interface LegendItem {
  label: string;
  color: string;
}

export interface PointColors {
  /** The distinct colours; colorIndex[i] points into it. */
  colors: string[];
  colorIndex: Uint16Array;
  legend: LegendItem[];
}

function parseHex(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h.slice(0, 6);
  const v = parseInt(full, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** The colour a fraction t ∈ [0, 1] along the gradient from a to b (#rrggbb, linear in RGB). */
export function gradient(a: string, b: string, t: number): string {
  const ca = parseHex(a);
  const cb = parseHex(b);
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const c = ca.map((x, i) => Math.round(x + (cb[i] - x) * u));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Categorical colours: distinct values sorted (numbers numerically), then the palette in turn. */
export function categoricalColors(values: readonly string[], theme: ColorTheme, emptyLabel = '(none)'): PointColors {
  const distinct = [...new Set(values)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const colors: string[] = [];
  const legend: LegendItem[] = [];
  const index = new Map<string, number>();
  let next = 0;
  for (const v of distinct) {
    const color = v === '' ? theme.muted : theme.palette[next++ % theme.palette.length];
    index.set(v, colors.length);
    colors.push(color);
    legend.push({ label: v === '' ? emptyLabel : v, color });
  }
  const colorIndex = new Uint16Array(values.length);
  values.forEach((v, i) => (colorIndex[i] = index.get(v)!));
  return { colors, colorIndex, legend };
}

/** The time gradient over the points' time span, in TIME_STEPS steps. */
export function timeColors(times: Float64Array, theme: ColorTheme): PointColors {
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    if (Number.isFinite(t)) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
  }
  const colors = Array.from({ length: TIME_STEPS }, (_, s) =>
    gradient(theme.timeFrom, theme.timeTo, s / (TIME_STEPS - 1))
  );
  colors.push(theme.muted);
  const colorIndex = new Uint16Array(times.length);
  const span = max - min;
  times.forEach((t, i) => {
    if (!Number.isFinite(t)) {
      colorIndex[i] = TIME_STEPS;
      return;
    }
    colorIndex[i] = span > 0 ? Math.min(TIME_STEPS - 1, Math.floor(((t - min) / span) * TIME_STEPS)) : 0;
  });
  const legend: LegendItem[] = Number.isFinite(min)
    ? [
        { label: new Date(min).toISOString().slice(0, 16).replace('T', ' '), color: colors[0] },
        { label: new Date(max).toISOString().slice(0, 16).replace('T', ' '), color: colors[TIME_STEPS - 1] },
      ]
    : [];
  return { colors, colorIndex, legend };
}

/** The colours of the model's points for the colour-by option. */
export function pointColors(model: EmbeddingsModel, colorBy: ColorBy, theme: ColorTheme): PointColors {
  switch (colorBy) {
    case 'time':
      return timeColors(model.times, theme);
    case 'environment':
      return categoricalColors(model.environments, theme);
    case 'version':
      return categoricalColors(model.versions, theme);
    case 'prediction':
      return categoricalColors(model.predictions, theme);
    case 'actual':
      return categoricalColors(model.actuals, theme, 'unknown');
    case 'cluster': {
      const c = categoricalColors(model.clusters, theme, 'no new cluster');
      // Clusters read as on the list: #1, #2, …
      return { ...c, legend: c.legend.map((l) => (l.label === 'no new cluster' ? l : { ...l, label: `#${l.label}` })) };
    }
    case 'set':
    default: {
      // Reference points are drawn over current ones (colours draw in index order): where the current data has
      // no reference around it, its colour shows.
      const colors = [theme.current, theme.muted];
      return {
        colors,
        colorIndex: Uint16Array.from(model.isCurrent, (c) => (c ? 0 : 1)),
        legend: [
          { label: 'reference', color: theme.muted },
          { label: 'current', color: theme.current },
        ],
      };
    }
  }
}
