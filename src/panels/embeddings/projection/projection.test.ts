import { hoverRadius } from './hover';
import { lassoSelection } from './lasso';
import { visibleMask } from './pointSets';
import { wheelFactor } from './viewport';

describe('lassoSelection', () => {
  it('replaces the selection with the picked points', () => {
    expect(Array.from(lassoSelection(Uint8Array.from([1, 1, 0, 0]), [2, 3], false))).toEqual([0, 0, 1, 1]);
  });
  it('adds the picked points when additive, leaving the previous mask unchanged', () => {
    const previous = Uint8Array.from([1, 0, 0, 0]);
    expect(Array.from(lassoSelection(previous, [2], true))).toEqual([1, 0, 1, 0]);
    expect(Array.from(previous)).toEqual([1, 0, 0, 0]);
  });
  it('clears the selection when nothing is picked', () => {
    expect(Array.from(lassoSelection(Uint8Array.from([1, 1]), [], false))).toEqual([0, 0]);
  });
});

describe('visibleMask', () => {
  const isCurrent = [1, 0, 1, 0, 0];
  it.each([
    ['both', [1, 1, 1, 1, 1]],
    ['current', [1, 0, 1, 0, 0]],
    ['reference', [0, 1, 0, 1, 1]],
  ] as const)('%s', (set, want) => {
    expect(Array.from(visibleMask(isCurrent, set))).toEqual(want);
  });
});

describe('wheelFactor', () => {
  it('zooms in on a wheel up and out on a wheel down, by the same ratio', () => {
    expect(wheelFactor(-100, 0)).toBeGreaterThan(1);
    expect(wheelFactor(100, 0) * wheelFactor(-100, 0)).toBeCloseTo(1, 12);
  });
  it('steps by lines faster than by pixels', () => {
    expect(wheelFactor(-3, 1)).toBeCloseTo(Math.exp(0.15), 12);
    expect(wheelFactor(-3, 0)).toBeCloseTo(Math.exp(0.0045), 12);
  });
});

describe('hoverRadius', () => {
  it('is the point radius plus 4 px, in layout units at the view scale', () => {
    expect(hoverRadius(6, 1)).toBe(7);
    expect(hoverRadius(6, 2)).toBe(3.5);
  });
});
