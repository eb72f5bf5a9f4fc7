import { QUERY_TYPE_OPTIONS, withOption, withQueryType } from './queryOptions';
import { METRICS_BY_QUERY_TYPE, QUERY_TYPES, type VigilQuery } from './types';

describe('withQueryType', () => {
  const drift: VigilQuery = {
    refId: 'A',
    queryType: 'drift',
    model: 'credit-risk',
    versions: ['v2'],
    environment: 'production',
    target: 'feature',
    features: ['income'],
    metric: 'psi',
    reference: { type: 'environment', environment: 'training' },
    binning: { strategy: 'uniform', bins: 20 },
    filters: [{ field: 'tags.channel', op: '=', value: 'web' }],
    interval: '1h',
  };

  it('keeps the shared options and drops those the new type does not read', () => {
    expect(withQueryType(drift, 'performance')).toEqual({
      refId: 'A',
      queryType: 'performance',
      model: 'credit-risk',
      versions: ['v2'],
      environment: 'production',
      metric: 'accuracy',
      filters: [{ field: 'tags.channel', op: '=', value: 'web' }],
      interval: '1h',
    });
  });

  it('keeps a metric the new type accepts and replaces one it does not', () => {
    expect(withQueryType({ refId: 'A', queryType: 'fairness', metric: 'selection_rate' }, 'biasTrace').metric).toBe(
      'selection_rate'
    );
    expect(withQueryType({ refId: 'A', queryType: 'drift', metric: 'psi' }, 'distribution').metric).toBe('psi');
    expect(withQueryType({ refId: 'A', queryType: 'drift', metric: 'psi' }, 'embeddingDrift').metric).toBe('euclidean');
  });

  it('drops the metric for types without one and adds the default reference where one is compared', () => {
    expect(withQueryType({ refId: 'A', queryType: 'traffic', metric: 'count' }, 'embeddings')).toEqual({
      refId: 'A',
      queryType: 'embeddings',
      reference: { type: 'environment', environment: 'training' },
    });
  });

  it('starts drift and distribution on features', () => {
    expect(withQueryType({ refId: 'A', queryType: 'models' }, 'drift')).toEqual({
      refId: 'A',
      queryType: 'drift',
      target: 'feature',
      metric: 'psi',
      reference: { type: 'environment', environment: 'training' },
    });
  });

  it('keeps the lifecycle status between traffic and models only', () => {
    const traffic: VigilQuery = { refId: 'A', queryType: 'traffic', metric: 'count', status: ['deprecated'] };

    expect(withQueryType(traffic, 'models')).toEqual({ refId: 'A', queryType: 'models', status: ['deprecated'] });
    expect(withQueryType(traffic, 'performance')).not.toHaveProperty('status');
  });

  it('gives a bias trace no reference, and keeps only an environment reference and quantile bins', () => {
    expect(withQueryType({ refId: 'A', queryType: 'fairness', metric: 'disparate_impact' }, 'biasTrace')).toEqual({
      refId: 'A',
      queryType: 'biasTrace',
      metric: 'disparate_impact',
    });
    expect(withQueryType({ ...drift, reference: { type: 'rolling', window: '7d' } }, 'biasTrace')).toEqual({
      refId: 'A',
      queryType: 'biasTrace',
      model: 'credit-risk',
      versions: ['v2'],
      environment: 'production',
      features: ['income'],
      metric: 'disparate_impact',
      binning: { bins: 20 },
      filters: [{ field: 'tags.channel', op: '=', value: 'web' }],
      interval: '1h',
    });
    expect(withQueryType(drift, 'biasTrace').reference).toEqual({ type: 'environment', environment: 'training' });
  });

  it('keeps options that belong to no query type, such as the data source reference', () => {
    const query = { ...drift, datasource: { type: 'vigil-mlobs-datasource', uid: 'vigil' } };

    expect(withQueryType(query, 'traffic').datasource).toEqual({ type: 'vigil-mlobs-datasource', uid: 'vigil' });
  });

  it('gives every query type a metric it accepts', () => {
    for (const type of QUERY_TYPES) {
      const metrics = METRICS_BY_QUERY_TYPE[type];
      const next = withQueryType(drift, type);
      if (metrics) {
        expect(metrics).toContain(next.metric);
      } else {
        expect(next).not.toHaveProperty('metric');
      }
      expect(QUERY_TYPE_OPTIONS[type]).toBeDefined();
    }
  });
});

describe('withOption', () => {
  it('sets, and removes undefined values and empty lists', () => {
    const query: VigilQuery = { refId: 'A', features: ['age'], interval: '1h' };

    expect(withOption(query, 'interval', '6h')).toEqual({ refId: 'A', features: ['age'], interval: '6h' });
    expect(withOption(query, 'interval', undefined)).toEqual({ refId: 'A', features: ['age'] });
    expect(withOption(query, 'features', [])).toEqual({ refId: 'A', interval: '1h' });
  });
});
