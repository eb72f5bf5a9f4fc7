import type { DataFrame, Field } from '@grafana/data';

/**
 * Reads the frames of an `embeddings` query: the table "embeddings" (one row per sampled point: id, time,
 * version, environment, set, prediction, actual, text, novel, cluster, vector) and the table "novel_clusters"
 * (cluster, size, share, examples as a JSON array of texts). The first frame's meta.custom says how the vectors
 * were reduced (reduced, explainedVariance, vectorDimensions, embeddingDimensions).
 */

export const POINTS_FRAME = 'embeddings';
export const CLUSTERS_FRAME = 'novel_clusters';

export interface NovelCluster {
  /** The cluster column's value: "1", "2", … */
  id: string;
  /** Its size as the backend counted it. */
  size: number;
  share: number | null;
  examples: string[];
  /** Indices of its points in the model. */
  members: number[];
}

export interface EmbeddingsModel {
  n: number;
  ids: string[];
  /** Epoch milliseconds. */
  times: Float64Array;
  versions: string[];
  environments: string[];
  /** 1 for a current point, 0 for a reference point. */
  isCurrent: Uint8Array;
  predictions: string[];
  actuals: string[];
  texts: string[];
  novel: Uint8Array;
  clusters: string[];
  vectors: string[];
  novelClusters: NovelCluster[];
  /** What the frame meta says of the vectors, for the header. */
  reduced?: string;
  explainedVariance?: number;
}

export type Prepared = { ok: true; model: EmbeddingsModel } | { ok: false; message: string };

function field(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

function strings(f: Field | undefined, n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const v = f?.values[i];
    out[i] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

function timeOf(v: unknown): number {
  if (typeof v === 'number') {
    return v;
  }
  if (typeof v === 'string') {
    return Date.parse(v);
  }
  if (v instanceof Date) {
    return v.getTime();
  }
  return NaN;
}

function parseExamples(v: unknown): string[] {
  if (typeof v !== 'string' || v === '') {
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.map(String) : [v];
  } catch {
    return [v];
  }
}

/** The points and clusters of the panel's data, or a message saying what is missing. */
export function prepareEmbeddings(series: DataFrame[]): Prepared {
  const points =
    series.find((f) => f.name === POINTS_FRAME && field(f, 'vector')) ?? series.find((f) => field(f, 'vector'));
  if (!points) {
    return {
      ok: false,
      message: 'No embeddings frame: the panel needs an embeddings query (a table with a vector column).',
    };
  }
  for (const required of ['id', 'vector']) {
    if (!field(points, required)) {
      return { ok: false, message: `The embeddings frame has no ${required} column.` };
    }
  }
  const n = points.length;
  const set = field(points, 'set');
  const current = new Uint8Array(n);
  const novel = new Uint8Array(n);
  const timeField = field(points, 'time');
  const times = new Float64Array(n);
  const novelField = field(points, 'novel');
  for (let i = 0; i < n; i++) {
    current[i] = set ? (set.values[i] === 'current' ? 1 : 0) : 1;
    novel[i] = novelField?.values[i] ? 1 : 0;
    times[i] = timeOf(timeField?.values[i]);
  }
  const model: EmbeddingsModel = {
    n,
    ids: strings(field(points, 'id'), n),
    times,
    versions: strings(field(points, 'version'), n),
    environments: strings(field(points, 'environment'), n),
    isCurrent: current,
    predictions: strings(field(points, 'prediction'), n),
    actuals: strings(field(points, 'actual'), n),
    texts: strings(field(points, 'text'), n),
    novel,
    clusters: strings(field(points, 'cluster'), n),
    vectors: strings(field(points, 'vector'), n),
    novelClusters: [],
  };
  const custom = (series[0]?.meta?.custom ?? points.meta?.custom) as Record<string, unknown> | undefined;
  if (typeof custom?.reduced === 'string') {
    model.reduced = custom.reduced;
  }
  if (typeof custom?.explainedVariance === 'number') {
    model.explainedVariance = custom.explainedVariance;
  }
  model.novelClusters = novelClusters(
    model,
    series.find((f) => f.name === CLUSTERS_FRAME)
  );
  return { ok: true, model };
}

/** The clusters of the novel_clusters frame with their members; without that frame, those of the cluster column. */
function novelClusters(model: EmbeddingsModel, frame: DataFrame | undefined): NovelCluster[] {
  const members = new Map<string, number[]>();
  model.clusters.forEach((c, i) => {
    if (c !== '') {
      const list = members.get(c) ?? [];
      list.push(i);
      members.set(c, list);
    }
  });
  if (!frame) {
    return [...members.entries()]
      .map(([id, m]) => ({ id, size: m.length, share: null, examples: [], members: m }))
      .sort((a, b) => b.size - a.size || a.id.localeCompare(b.id, undefined, { numeric: true }));
  }
  const ids = strings(field(frame, 'cluster'), frame.length);
  const sizes = field(frame, 'size');
  const shares = field(frame, 'share');
  const examples = field(frame, 'examples');
  return ids.map((id, r) => {
    const m = members.get(id) ?? [];
    const size = Number(sizes?.values[r]);
    const share = shares?.values[r];
    return {
      id,
      size: Number.isFinite(size) ? size : m.length,
      share: typeof share === 'number' ? share : null,
      examples: parseExamples(examples?.values[r]),
      members: m,
    };
  });
}
