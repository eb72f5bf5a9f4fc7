import { createDataFrame, FieldType } from '@grafana/data';

import { prepareEmbeddings } from './frame';
import { encodeVector } from './vector';

function pointsFrame() {
  return createDataFrame({
    name: 'embeddings',
    refId: 'A',
    meta: { custom: { reduced: 'pca-50', explainedVariance: 0.85 } },
    fields: [
      { name: 'id', type: FieldType.string, values: ['r1', 'c1', 'c2', 'c3'] },
      { name: 'time', type: FieldType.time, values: [1000, 2000, 3000, 4000] },
      { name: 'version', type: FieldType.string, values: ['v1', 'v1', 'v2', 'v2'] },
      { name: 'environment', type: FieldType.string, values: ['training', 'production', 'production', 'production'] },
      { name: 'set', type: FieldType.string, values: ['reference', 'current', 'current', 'current'] },
      { name: 'prediction', type: FieldType.string, values: ['positive', 'negative', 'positive', 'positive'] },
      { name: 'actual', type: FieldType.string, values: ['positive', '', '', null] },
      { name: 'text', type: FieldType.string, values: ['good', 'bad', 'Muy bien', 'Me encanta'] },
      { name: 'novel', type: FieldType.boolean, values: [false, false, true, true] },
      { name: 'cluster', type: FieldType.string, values: ['', '', '1', '1'] },
      {
        name: 'vector',
        type: FieldType.string,
        values: [
          [1, 0],
          [0, 1],
          [5, 5],
          [5, 6],
        ].map(encodeVector),
      },
    ],
  });
}

function clustersFrame() {
  return createDataFrame({
    name: 'novel_clusters',
    refId: 'A',
    fields: [
      { name: 'cluster', type: FieldType.string, values: ['1'] },
      { name: 'size', type: FieldType.number, values: [2] },
      { name: 'share', type: FieldType.number, values: [2 / 3] },
      { name: 'examples', type: FieldType.string, values: ['["Muy bien","Me encanta"]'] },
    ],
  });
}

describe('prepareEmbeddings', () => {
  it('reads the points, their sets and the new clusters with their members', () => {
    const prepared = prepareEmbeddings([pointsFrame(), clustersFrame()]);
    expect(prepared.ok).toBe(true);
    const model = prepared.ok ? prepared.model : undefined;
    expect(model?.n).toBe(4);
    expect(model?.ids).toEqual(['r1', 'c1', 'c2', 'c3']);
    expect(Array.from(model!.isCurrent)).toEqual([0, 1, 1, 1]);
    expect(Array.from(model!.novel)).toEqual([0, 0, 1, 1]);
    expect(Array.from(model!.times)).toEqual([1000, 2000, 3000, 4000]);
    expect(model?.actuals).toEqual(['positive', '', '', '']);
    expect(model?.reduced).toBe('pca-50');
    expect(model?.explainedVariance).toBe(0.85);
    expect(model?.novelClusters).toEqual([
      { id: '1', size: 2, share: 2 / 3, examples: ['Muy bien', 'Me encanta'], members: [2, 3] },
    ]);
  });

  it('falls back to the cluster column without a novel_clusters frame', () => {
    const prepared = prepareEmbeddings([pointsFrame()]);
    expect(prepared.ok && prepared.model.novelClusters).toEqual([
      { id: '1', size: 2, share: null, examples: [], members: [2, 3] },
    ]);
  });

  it('says what is missing', () => {
    expect(prepareEmbeddings([clustersFrame()])).toEqual({
      ok: false,
      message: expect.stringMatching(/needs an embeddings query/),
    });
    const noId = createDataFrame({
      name: 'embeddings',
      fields: [{ name: 'vector', type: FieldType.string, values: [] }],
    });
    expect(prepareEmbeddings([noId])).toEqual({ ok: false, message: 'The embeddings frame has no id column.' });
  });
});
