import { clusterHull, clusterOutlines, selectedIndices, selectionOf } from './clusters';
import type { NovelCluster } from './frame';
import { inConvexHull } from './geometry';

const cluster = (id: string, members: number[]): NovelCluster => ({
  id,
  size: members.length,
  share: null,
  examples: [],
  members,
});

describe('new-cluster outlines', () => {
  // Points 0–4 form a square with its centre; 5 and 6 are far away.
  const coords = Float32Array.from([0, 0, 4, 0, 4, 4, 0, 4, 2, 2, 50, 50, 60, 50]);

  it('outlines a cluster by the convex hull of its own points', () => {
    const hull = clusterHull(coords, [0, 1, 2, 3, 4]);
    expect(hull).toEqual([
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ]);
    for (let i = 0; i < 5; i++) {
      expect(inConvexHull(coords[2 * i], coords[2 * i + 1], hull)).toBe(true);
    }
    expect(inConvexHull(50, 50, hull)).toBe(false);
  });

  it('outlines only clusters with points in the sample', () => {
    const outlines = clusterOutlines(coords, [cluster('1', [0, 1, 2, 3, 4]), cluster('2', []), cluster('3', [5, 6])]);
    expect(outlines.map((o) => o.cluster.id)).toEqual(['1', '3']);
    expect(outlines[1].hull).toEqual([
      [50, 50],
      [60, 50],
    ]);
  });
});

describe('selection of a cluster', () => {
  it('selects exactly the cluster’s members', () => {
    const mask = selectionOf(8, [6, 1, 3, 1, 99, -1]);
    expect(Array.from(mask)).toEqual([0, 1, 0, 1, 0, 0, 1, 0]);
    expect(selectedIndices(mask)).toEqual([1, 3, 6]);
    expect(selectedIndices(selectionOf(3, []))).toEqual([]);
  });
});
