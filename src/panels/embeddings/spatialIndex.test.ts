import { GridIndex } from './spatialIndex';

function bruteNearest(coords: Float32Array, x: number, y: number, radius: number, accept: (i: number) => boolean) {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < coords.length / 2; i++) {
    const d = (coords[2 * i] - x) ** 2 + (coords[2 * i + 1] - y) ** 2;
    if (accept(i) && (d < bestD || (d === bestD && (best < 0 || i < best)))) {
      best = i;
      bestD = d;
    }
  }
  return best;
}

describe('grid index', () => {
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const coords = Float32Array.from({ length: 4000 }, () => random() * 100 - 50);
  const index = new GridIndex(coords);

  it('finds the same nearest point as a brute-force search', () => {
    for (let q = 0; q < 300; q++) {
      const x = random() * 120 - 60;
      const y = random() * 120 - 60;
      const r = random() * 5;
      expect(index.nearest(x, y, r)).toBe(bruteNearest(coords, x, y, r, () => true));
    }
  });

  it('skips points the filter rejects', () => {
    const even = (i: number) => i % 2 === 0;
    for (let q = 0; q < 100; q++) {
      const x = random() * 100 - 50;
      const y = random() * 100 - 50;
      expect(index.nearest(x, y, 4, even)).toBe(bruteNearest(coords, x, y, 4, even));
    }
  });

  it('answers -1 when nothing is within the radius', () => {
    const sparse = new GridIndex(Float32Array.from([0, 0, 10, 10]));
    expect(sparse.nearest(5, 5, 1)).toBe(-1);
    expect(sparse.nearest(9.5, 9.5, 1)).toBe(1);
  });

  it('visits at least every point inside a rectangle (culling)', () => {
    const seen = new Set<number>();
    index.forEachInRect(-10, -5, 20, 15, (i) => seen.add(i));
    for (let i = 0; i < coords.length / 2; i++) {
      const [x, y] = [coords[2 * i], coords[2 * i + 1]];
      if (x >= -10 && x <= 20 && y >= -5 && y <= 15) {
        expect(seen.has(i)).toBe(true);
      }
    }
    // …and not much more: the cells are small.
    expect(seen.size).toBeLessThan(coords.length / 2 / 4);
  });

  it('copes with no points and with all points at one spot', () => {
    expect(new GridIndex(new Float32Array(0)).nearest(0, 0, 10)).toBe(-1);
    const same = new GridIndex(Float32Array.from([1, 1, 1, 1, 1, 1]));
    expect(same.nearest(1, 1, 0.5)).toBe(0);
  });
});
