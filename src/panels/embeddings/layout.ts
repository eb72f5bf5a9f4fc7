/**
 * The projection: UMAP (umap-js) of the sampled vectors, run in steps so the panel can draw intermediate
 * layouts. Pure and synchronous; umap.worker.ts runs it off the main thread.
 *
 * Two things make it fast enough for thousands of points: the nearest neighbours are computed exactly with a
 * tight loop over the row-major matrix (n² · d / 2 multiply-adds, about half a second for 5,000 points of 50
 * PCA dimensions) instead of umap-js's generic NN-descent over number arrays, and the layout starts from the
 * data's first two principal components (as umap-learn's init="pca") rather than at random, so fewer epochs
 * reach a stable layout and the first frame already shows the global structure.
 */
import { UMAP } from 'umap-js';

export interface ProjectionParams {
  nNeighbors: number;
  minDist: number;
  /** 0: chosen from the number of points (autoEpochs). */
  nEpochs: number;
  seed: number;
}

/** Above this many points the neighbours come from umap-js's approximate NN-descent. */
export const EXACT_KNN_LIMIT = 15000;

/** Epochs when the panel option says auto: fewer for larger samples (each epoch costs more); starting from the
 * principal plane, 150 epochs settle 5,000 points. */
export function autoEpochs(n: number): number {
  if (n <= 2000) {
    return 300;
  }
  if (n <= 5000) {
    return 150;
  }
  if (n <= 10000) {
    return 120;
  }
  return 100;
}

/** A seeded uniform generator in [0, 1) (mulberry32): layouts are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The k nearest neighbours of every row by euclidean distance, each row's own index first (distance 0) as
 * umap-js expects. Each pair is computed once and offered to both rows' candidate lists.
 */
export function exactKnn(
  data: Float32Array,
  n: number,
  dim: number,
  k: number
): { indices: number[][]; distances: number[][] } {
  const kk = Math.min(k, n);
  // Per row: the kk − 1 best other rows, sorted ascending by squared distance.
  const bestD = new Float64Array(n * (kk - 1)).fill(Infinity);
  const bestI = new Int32Array(n * (kk - 1)).fill(-1);
  const m = kk - 1;
  const offer = (row: number, other: number, d: number) => {
    const base = row * m;
    if (m === 0 || d >= bestD[base + m - 1]) {
      return;
    }
    let p = m - 1;
    while (p > 0 && bestD[base + p - 1] > d) {
      bestD[base + p] = bestD[base + p - 1];
      bestI[base + p] = bestI[base + p - 1];
      p--;
    }
    bestD[base + p] = d;
    bestI[base + p] = other;
  };
  // |x − y|² = |x|² + |y|² − 2 x·y: one multiply-add per component, four components at a time.
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = i * dim; c < (i + 1) * dim; c++) {
      s += data[c] * data[c];
    }
    norms[i] = s;
  }
  const tail = dim - (dim % 4);
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    const ni = norms[i];
    for (let j = i + 1; j < n; j++) {
      const oj = j * dim;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let c = 0; c < tail; c += 4) {
        d0 += data[oi + c] * data[oj + c];
        d1 += data[oi + c + 1] * data[oj + c + 1];
        d2 += data[oi + c + 2] * data[oj + c + 2];
        d3 += data[oi + c + 3] * data[oj + c + 3];
      }
      for (let c = tail; c < dim; c++) {
        d0 += data[oi + c] * data[oj + c];
      }
      const s = Math.max(0, ni + norms[j] - 2 * (d0 + d1 + d2 + d3));
      if (m > 0 && (s < bestD[i * m + m - 1] || s < bestD[j * m + m - 1])) {
        offer(i, j, s);
        offer(j, i, s);
      }
    }
  }
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const idx = [i];
    const dist = [0];
    for (let p = 0; p < m; p++) {
      idx.push(bestI[i * m + p]);
      dist.push(Math.sqrt(bestD[i * m + p]));
    }
    indices.push(idx);
    distances.push(dist);
  }
  return { indices, distances };
}

/**
 * The rows projected on their first two principal components (power iteration with deflation), scaled so the
 * largest coordinate is 10, as umap-learn scales its initial layouts.
 */
export function principalPlane(data: Float32Array, n: number, dim: number, random: () => number): Float32Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) {
      mean[c] += data[i * dim + c];
    }
  }
  for (let c = 0; c < dim; c++) {
    mean[c] /= Math.max(n, 1);
  }
  const out = new Float32Array(2 * n);
  const components: Float64Array[] = [];
  for (let comp = 0; comp < 2; comp++) {
    let v = new Float64Array(dim).map(() => random() - 0.5);
    for (let iter = 0; iter < 12; iter++) {
      const next = new Float64Array(dim);
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let c = 0; c < dim; c++) {
          dot += (data[i * dim + c] - mean[c]) * v[c];
        }
        for (let c = 0; c < dim; c++) {
          next[c] += dot * (data[i * dim + c] - mean[c]);
        }
      }
      for (const prev of components) {
        let p = 0;
        for (let c = 0; c < dim; c++) {
          p += next[c] * prev[c];
        }
        for (let c = 0; c < dim; c++) {
          next[c] -= p * prev[c];
        }
      }
      const norm = Math.hypot(...next);
      if (norm === 0) {
        break;
      }
      v = next.map((x) => x / norm);
    }
    components.push(v);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let c = 0; c < dim; c++) {
        dot += (data[i * dim + c] - mean[c]) * v[c];
      }
      out[2 * i + comp] = dot;
    }
  }
  let maxAbs = 0;
  for (const x of out) {
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const scale = maxAbs > 0 ? 10 / maxAbs : 1;
  for (let i = 0; i < out.length; i++) {
    out[i] = out[i] * scale + (random() - 0.5) * 1e-4;
  }
  return out;
}

/** A UMAP run that advances a few epochs at a time. */
export class ProgressiveLayout {
  readonly n: number;
  readonly nEpochs: number;
  private readonly nNeighbors: number;
  private readonly random: () => number;
  private umap: UMAP | undefined;
  private epoch = 0;
  private readonly initial: Float32Array;

  /** Computes the initial layout (the principal plane); prepare() then builds the neighbour graph. */
  constructor(
    private readonly data: Float32Array,
    n: number,
    private readonly dim: number,
    private readonly params: ProjectionParams
  ) {
    this.n = n;
    this.random = seededRandom(params.seed);
    this.initial = principalPlane(data, n, dim, this.random);
    this.nNeighbors = Math.max(2, Math.min(params.nNeighbors, n - 1));
    // Too few points to project: the principal plane is the layout.
    this.nEpochs = n <= this.nNeighbors + 1 ? 0 : params.nEpochs > 0 ? params.nEpochs : autoEpochs(n);
  }

  /** The neighbour graph and UMAP's optimisation state, started from the principal plane. */
  prepare(): void {
    if (this.umap || this.nEpochs === 0) {
      return;
    }
    const { data, n, dim, nNeighbors } = this;
    const umap = new UMAP({
      nNeighbors,
      minDist: this.params.minDist,
      nEpochs: this.nEpochs,
      random: this.random,
      nComponents: 2,
    });
    const rows: number[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      rows[i] = Array.from(data.subarray(i * dim, (i + 1) * dim));
    }
    if (n <= EXACT_KNN_LIMIT) {
      const knn = exactKnn(data, n, dim, nNeighbors);
      umap.setPrecomputedKNN(knn.indices, knn.distances);
    }
    umap.initializeFit(rows);
    // getEmbedding returns the live coordinates the optimisation moves.
    const embedding = umap.getEmbedding();
    for (let i = 0; i < n; i++) {
      embedding[i][0] = this.initial[2 * i];
      embedding[i][1] = this.initial[2 * i + 1];
    }
    this.umap = umap;
  }

  get done(): boolean {
    return this.epoch >= this.nEpochs;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  /** Runs up to count epochs (preparing first if needed); returns the epoch reached. */
  step(count: number): number {
    if (this.nEpochs === 0) {
      return 0;
    }
    this.prepare();
    for (let i = 0; i < count && !this.done; i++) {
      this.epoch = this.umap!.step();
    }
    return this.epoch;
  }

  /** The current layout as x0, y0, x1, y1, … */
  coordinates(): Float32Array {
    if (!this.umap) {
      return this.initial.slice();
    }
    const embedding = this.umap.getEmbedding();
    const out = new Float32Array(2 * this.n);
    for (let i = 0; i < this.n; i++) {
      out[2 * i] = embedding[i][0];
      out[2 * i + 1] = embedding[i][1];
    }
    return out;
  }
}
