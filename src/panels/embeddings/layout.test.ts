import { autoEpochs, exactKnn, principalPlane, ProgressiveLayout, seededRandom } from './layout';

/** Two well-separated Gaussian-ish blobs in dim dimensions, n points each. */
function blobs(n: number, dim: number, seed = 3) {
  const random = seededRandom(seed);
  const data = new Float32Array(2 * n * dim);
  for (let i = 0; i < 2 * n; i++) {
    for (let c = 0; c < dim; c++) {
      data[i * dim + c] = (i < n ? 0 : 8) + (random() - 0.5) * 2;
    }
  }
  return data;
}

function bruteKnn(data: Float32Array, n: number, dim: number, k: number) {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const d = Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let c = 0; c < dim; c++) {
        s += (data[i * dim + c] - data[j * dim + c]) ** 2;
      }
      return [j === i ? -1 : s, j] as const;
    });
    d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    out.push(d.slice(0, k).map(([, j]) => j));
  }
  return out;
}

describe('exact nearest neighbours', () => {
  it('matches a brute-force search, each row first with distance 0', () => {
    const dim = 7;
    const n = 120;
    const data = blobs(n / 2, dim);
    const knn = exactKnn(data, n, dim, 6);
    const brute = bruteKnn(data, n, dim, 6);
    for (let i = 0; i < n; i++) {
      expect(knn.indices[i][0]).toBe(i);
      expect(knn.distances[i][0]).toBe(0);
      expect(new Set(knn.indices[i])).toEqual(new Set(brute[i]));
      const a = knn.indices[i][3];
      let s = 0;
      for (let c = 0; c < dim; c++) {
        s += (data[i * dim + c] - data[a * dim + c]) ** 2;
      }
      expect(knn.distances[i][3]).toBeCloseTo(Math.sqrt(s), 4);
      // Ascending distances.
      expect([...knn.distances[i]].sort((x, y) => x - y)).toEqual(knn.distances[i]);
    }
  });
});

describe('principal plane', () => {
  it('finds the direction of largest spread and scales to ±10', () => {
    // Points along (1, 1, 0) with small noise in the third component.
    const random = seededRandom(1);
    const n = 200;
    const data = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const t = i - n / 2;
      data.set([t, t, (random() - 0.5) * 0.1], i * 3);
    }
    const plane = principalPlane(data, n, 3, seededRandom(2));
    let maxAbs = 0;
    for (let i = 0; i < n; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(plane[2 * i]), Math.abs(plane[2 * i + 1]));
      // The first coordinate orders the points along the line (either direction).
      expect(Math.abs(Math.abs(plane[2 * i]) - (Math.abs(i - n / 2) / (n / 2)) * 10)).toBeLessThan(0.2);
    }
    expect(maxAbs).toBeCloseTo(10, 2);
  });
});

describe('progressive layout', () => {
  it('starts from the principal plane, runs its epochs and keeps two blobs apart', () => {
    const n = 60;
    const dim = 10;
    const layout = new ProgressiveLayout(blobs(n, dim), 2 * n, dim, {
      nNeighbors: 8,
      minDist: 0.1,
      nEpochs: 60,
      seed: 5,
    });
    expect(layout.nEpochs).toBe(60);
    expect(layout.coordinates()).toHaveLength(4 * n);
    const epochs: number[] = [];
    while (!layout.done) {
      epochs.push(layout.step(25));
    }
    expect(epochs).toEqual([25, 50, 60]);
    const coords = layout.coordinates();
    expect(coords.every(Number.isFinite)).toBe(true);
    const centre = (from: number) => {
      let x = 0;
      let y = 0;
      for (let i = from; i < from + n; i++) {
        x += coords[2 * i];
        y += coords[2 * i + 1];
      }
      return [x / n, y / n];
    };
    const spread = (from: number, [cx, cy]: number[]) => {
      let s = 0;
      for (let i = from; i < from + n; i++) {
        s = Math.max(s, Math.hypot(coords[2 * i] - cx, coords[2 * i + 1] - cy));
      }
      return s;
    };
    const a = centre(0);
    const b = centre(n);
    const gap = Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(gap).toBeGreaterThan(spread(0, a) + spread(n, b));
  });

  it('is reproducible for a seed', () => {
    const run = () => {
      const l = new ProgressiveLayout(blobs(20, 4), 40, 4, { nNeighbors: 5, minDist: 0.1, nEpochs: 20, seed: 9 });
      l.step(20);
      return Array.from(l.coordinates());
    };
    expect(run()).toEqual(run());
  });

  it('keeps the principal plane when there are too few points to project', () => {
    const l = new ProgressiveLayout(blobs(2, 3), 4, 3, { nNeighbors: 15, minDist: 0.1, nEpochs: 0, seed: 1 });
    expect(l.nEpochs).toBe(0);
    expect(l.done).toBe(true);
    expect(l.step(10)).toBe(0);
    expect(l.coordinates()).toHaveLength(8);
  });

  it('chooses fewer epochs for larger samples', () => {
    expect(autoEpochs(1000)).toBe(300);
    expect(autoEpochs(5000)).toBe(150);
    expect(autoEpochs(50000)).toBeLessThan(autoEpochs(5000));
  });
});
