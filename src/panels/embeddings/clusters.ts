import type { NovelCluster } from './frame';
import { convexHull, type Point } from './geometry';

/** A new cluster's outline in layout space: the convex hull of its points. */
export function clusterHull(coords: Float32Array, members: readonly number[]): Point[] {
  return convexHull(members.map((i): Point => [coords[2 * i], coords[2 * i + 1]]));
}

/** How many nearest-neighbour distances the linking distance is estimated from. */
const SPACING_SAMPLE = 300;
/** Points of one blob lie within this many typical neighbour spacings of each other. */
const LINK_SPACINGS = 4;

/**
 * The connected groups of a cluster's points in the layout: points closer than the linking distance (a few
 * times the median distance from a member to its nearest fellow member) are in one group. A cluster the
 * layout splits into separate blobs gives one group per blob. Groups are lists of point indices, largest first.
 */
export function connectedGroups(coords: Float32Array, members: readonly number[]): number[][] {
  const m = members.length;
  if (m < 3) {
    return m === 0 ? [] : [[...members]];
  }
  const x = (k: number) => coords[2 * members[k]];
  const y = (k: number) => coords[2 * members[k] + 1];
  // The typical spacing: the median nearest-neighbour distance of a sample of the members.
  const step = Math.max(1, Math.floor(m / SPACING_SAMPLE));
  const nearest: number[] = [];
  for (let a = 0; a < m; a += step) {
    let best = Infinity;
    for (let b = 0; b < m; b++) {
      if (b !== a) {
        const d = Math.hypot(x(a) - x(b), y(a) - y(b));
        if (d > 0 && d < best) {
          best = d;
        }
      }
    }
    if (Number.isFinite(best)) {
      nearest.push(best);
    }
  }
  nearest.sort((p, q) => p - q);
  const link = LINK_SPACINGS * (nearest[Math.floor(nearest.length / 2)] ?? 0);
  if (!(link > 0)) {
    return [[...members]];
  }
  // Union-find over a grid of cells as wide as the linking distance: only neighbouring cells can link.
  const parent = Array.from({ length: m }, (_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) {
      parent[k] = parent[parent[k]];
      k = parent[k];
    }
    return k;
  };
  const cells = new Map<string, number[]>();
  const cellOf = (k: number) => [Math.floor(x(k) / link), Math.floor(y(k) / link)];
  for (let k = 0; k < m; k++) {
    const [cx, cy] = cellOf(k);
    const key = `${cx},${cy}`;
    const list = cells.get(key);
    if (list) {
      list.push(k);
    } else {
      cells.set(key, [k]);
    }
  }
  for (let k = 0; k < m; k++) {
    const [cx, cy] = cellOf(k);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cells.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (j > k && Math.hypot(x(k) - x(j), y(k) - y(j)) <= link) {
            parent[find(j)] = find(k);
          }
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let k = 0; k < m; k++) {
    const root = find(k);
    const group = groups.get(root);
    if (group) {
      group.push(members[k]);
    } else {
      groups.set(root, [members[k]]);
    }
  }
  return [...groups.values()].sort((p, q) => q.length - p.length);
}

/**
 * A cluster's outlines: the convex hull of each blob of its points (groups of at least 3 points and 5% of the
 * members; stray points are left out), so a split cluster is never drawn as a band across empty space.
 */
export function clusterHulls(coords: Float32Array, members: readonly number[]): Point[][] {
  const groups = connectedGroups(coords, members);
  const least = Math.max(3, Math.ceil(0.05 * members.length));
  const blobs = groups.filter((group) => group.length >= least);
  return (blobs.length > 0 ? blobs : groups.slice(0, 1)).map((group) => clusterHull(coords, group));
}

export interface ClusterOutline {
  cluster: NovelCluster;
  /** One convex hull per blob of the cluster in the layout, largest blob first. */
  hulls: Point[][];
}

/** The outlines of the clusters that have points in the sample. */
export function clusterOutlines(coords: Float32Array, clusters: readonly NovelCluster[]): ClusterOutline[] {
  return clusters
    .filter((c) => c.members.length > 0)
    .map((cluster) => ({ cluster, hulls: clusterHulls(coords, cluster.members) }));
}

/** A selection mask of n points holding exactly the given indices. */
export function selectionOf(n: number, indices: readonly number[]): Uint8Array {
  const mask = new Uint8Array(n);
  for (const i of indices) {
    if (i >= 0 && i < n) {
      mask[i] = 1;
    }
  }
  return mask;
}

/** The indices a selection mask holds, ascending. */
export function selectedIndices(mask: Uint8Array): number[] {
  const out: number[] = [];
  mask.forEach((v, i) => v && out.push(i));
  return out;
}
