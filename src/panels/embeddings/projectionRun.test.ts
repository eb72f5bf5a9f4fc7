import { POST_EVERY_MS, runProjection } from './projectionRun';
import type { LayoutMessage } from './types';
import { encodeVector } from './vector';

function request(vectors: number[][], nEpochs: number) {
  return {
    runId: 7,
    vectors: vectors.map(encodeVector).join('\n'),
    params: { nNeighbors: 4, minDist: 0.1, nEpochs, seed: 1 },
  };
}

const points = Array.from({ length: 30 }, (_, i) => [i % 2 ? 10 : 0, (i * 7) % 5, (i * 3) % 4]);

describe('runProjection', () => {
  it('posts the principal plane first, then layouts as time passes, the last one done', () => {
    const messages: LayoutMessage[] = [];
    // A clock that advances half the posting interval per reading: a layout every other step.
    let t = 0;
    const clock = () => (t += POST_EVERY_MS / 2);
    runProjection(request(points, 40), (m) => messages.push(m), clock);
    const layouts = messages.filter((m) => m.type === 'layout');
    expect(messages).toHaveLength(layouts.length);
    expect(layouts[0]).toMatchObject({ runId: 7, epoch: 0, nEpochs: 40, done: false });
    expect(layouts.at(-1)).toMatchObject({ epoch: 40, done: true });
    expect(layouts.slice(0, -1).every((m) => !m.done)).toBe(true);
    expect(layouts.length).toBeGreaterThan(3);
    for (const m of layouts) {
      expect(m.coordinates).toHaveLength(60);
      expect(m.coordinates.every(Number.isFinite)).toBe(true);
    }
    // Each layout is its own array: transferring one leaves the next intact.
    expect(new Set(layouts.map((m) => m.coordinates)).size).toBe(layouts.length);
  });

  it('posts only the final layout when it is quicker than the interval', () => {
    const messages: LayoutMessage[] = [];
    runProjection(
      request(points, 20),
      (m) => messages.push(m),
      () => 0
    );
    expect(messages.map((m) => m.type === 'layout' && [m.epoch, m.done])).toEqual([
      [0, false],
      [20, true],
    ]);
  });

  it('posts an error for vectors that do not decode or differ in length', () => {
    const messages: LayoutMessage[] = [];
    runProjection({ runId: 3, vectors: 'AAAA', params: { nNeighbors: 4, minDist: 0.1, nEpochs: 0, seed: 1 } }, (m) =>
      messages.push(m)
    );
    expect(messages).toEqual([{ type: 'error', runId: 3, message: expect.stringMatching(/float32/) }]);
    messages.length = 0;
    runProjection(
      { runId: 4, vectors: [encodeVector([1, 2]), encodeVector([1])].join('\n'), params: request(points, 1).params },
      (m) => messages.push(m)
    );
    expect(messages).toEqual([{ type: 'error', runId: 4, message: 'vector 1 has 1 components, the first has 2' }]);
  });
});
