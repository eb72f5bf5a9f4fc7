import type { NovelCluster } from './frame';
import { convexHull, type Point } from './geometry';

/** A new cluster's outline in layout space: the convex hull of its points. */
export function clusterHull(coords: Float32Array, members: readonly number[]): Point[] {
  return convexHull(members.map((i): Point => [coords[2 * i], coords[2 * i + 1]]));
}

export interface ClusterOutline {
  cluster: NovelCluster;
  hull: Point[];
}

/** The outlines of the clusters that have points in the sample. */
export function clusterOutlines(coords: Float32Array, clusters: readonly NovelCluster[]): ClusterOutline[] {
  return clusters
    .filter((c) => c.members.length > 0)
    .map((cluster) => ({ cluster, hull: clusterHull(coords, cluster.members) }));
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
