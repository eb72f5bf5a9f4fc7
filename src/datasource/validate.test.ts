import type { VigilQuery } from './types';
import { fieldRefProblem, isDuration, queryProblems } from './validate';

const base = { refId: 'A', model: 'credit-risk' };

describe('queryProblems', () => {
  it('finds nothing wrong with complete queries', () => {
    const queries: VigilQuery[] = [
      { refId: 'A', queryType: 'traffic', metric: 'count' },
      { refId: 'A', queryType: 'models' },
      { ...base, queryType: 'drift', features: ['$feature'], reference: { type: 'rolling', window: '7d' } },
      { ...base, queryType: 'distribution', target: 'prediction' },
      { ...base, queryType: 'performance', groupBy: ['tags.channel', 'version'], interval: '1d' },
      {
        ...base,
        queryType: 'fairness',
        fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
      },
      { ...base, queryType: 'embeddings', reference: { type: 'window', from: 'now-30d', to: 'now-7d' }, limit: 500 },
    ];
    for (const query of queries) {
      expect(queryProblems(query)).toEqual({});
    }
  });

  it('asks for a query type', () => {
    expect(queryProblems({ refId: 'A' })).toEqual({ queryType: 'Choose a query type.' });
    expect(queryProblems({ refId: 'A', queryType: 'forecast' as VigilQuery['queryType'] }).queryType).toBe(
      '"forecast" is not a query type this version of Vigil knows.'
    );
  });

  it('asks for a model except for traffic and models', () => {
    expect(queryProblems({ refId: 'A', queryType: 'drift' }).model).toBe('A drift query needs a model.');
    expect(queryProblems({ refId: 'A', queryType: 'performance', model: '  ' }).model).toBe(
      'A performance query needs a model.'
    );
    expect(queryProblems({ refId: 'A', queryType: 'traffic' })).not.toHaveProperty('model');
  });

  it('says a distribution needs exactly one feature', () => {
    expect(queryProblems({ ...base, queryType: 'distribution' }).features).toBe(
      'A distribution needs exactly one feature; none is chosen.'
    );
    expect(queryProblems({ ...base, queryType: 'distribution', features: ['age', 'income'] }).features).toBe(
      'A distribution needs exactly one feature; 2 are chosen.'
    );
    expect(queryProblems({ ...base, queryType: 'distribution', target: 'actual' })).toEqual({});
  });

  it('names the protected and reference groups that overlap', () => {
    const problems = queryProblems({
      ...base,
      queryType: 'biasTrace',
      fairness: { attribute: 'tags.sex', protected: ['F', 'X'], reference: ['M', 'X'], favorable: '1' },
    });

    expect(problems).toEqual({ 'fairness.reference': 'The protected and reference groups overlap: X.' });
  });

  it('asks for every part of the fairness block', () => {
    expect(queryProblems({ ...base, queryType: 'fairness' })).toEqual({
      'fairness.attribute': 'Choose the protected attribute, e.g. tags.sex.',
      'fairness.protected': 'Choose at least one value for the protected group.',
      'fairness.reference': 'Choose at least one value for the reference group.',
    });
    expect(
      queryProblems({
        ...base,
        queryType: 'fairness',
        fairness: { attribute: 'prediction.class', protected: ['1'], reference: ['0'], favorable: '1' },
      })['fairness.attribute']
    ).toMatch(/"prediction.class" is not a field/);
  });

  it('checks each reference type for what it needs', () => {
    const drift = (reference: VigilQuery['reference']) => queryProblems({ ...base, queryType: 'drift', reference });

    expect(drift({ type: 'version' })).toEqual({
      'reference.version': 'A version reference needs the version to compare with.',
    });
    expect(drift({ type: 'rolling' })).toEqual({
      'reference.window': 'A rolling reference needs a window such as 7d.',
    });
    expect(drift({ type: 'rolling', window: 'weekly' })).toEqual({
      'reference.window': '"weekly" is not a duration such as 1h, 1d or 7d.',
    });
    expect(drift({ type: 'window', from: 'yesterday' })).toEqual({
      'reference.from': expect.stringContaining('"yesterday" is not a time'),
      'reference.to': 'A fixed window needs its end.',
    });
    expect(drift({ type: 'window', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toEqual({
      'reference.to': 'The window must end after it starts.',
    });
    expect(drift({ type: 'window', from: '$from', to: '1767225600000' })).toEqual({});
  });

  it('checks bins, interval and sample limits', () => {
    expect(queryProblems({ ...base, queryType: 'drift', binning: { bins: 1 } })).toEqual({
      'binning.bins': 'Bins must be a whole number from 2 to 100.',
    });
    expect(queryProblems({ ...base, queryType: 'drift', interval: 'hourly' })).toEqual({
      interval: '"hourly" is not a duration such as 1m, 1h or 1d.',
    });
    expect(queryProblems({ ...base, queryType: 'drift', interval: '$__interval' })).toEqual({});
    expect(queryProblems({ ...base, queryType: 'embeddings', limit: -1, currentLimit: 2.5 })).toEqual({
      limit: 'Points must be a whole number, 0 or more.',
      currentLimit: 'Current points must be a whole number, 0 or more.',
    });
  });

  it('checks group-by fields and statuses', () => {
    expect(queryProblems({ ...base, queryType: 'performance', groupBy: ['tags.'] })).toEqual({
      groupBy: '"tags." names no feature or tag.',
    });
    expect(queryProblems({ refId: 'A', queryType: 'traffic', status: ['retired'] })).toEqual({
      status: '"retired" is not a lifecycle status; one of shadow, canary, active, deprecated.',
    });
  });

  it('checks each filter by its position', () => {
    const problems = queryProblems({
      ...base,
      queryType: 'performance',
      filters: [
        { field: '', op: '=' },
        { field: 'tags.channel', op: '=', value: [] },
        { field: 'features.age', op: '>', value: [18, 65] },
        { field: 'actual.label', op: 'is null' },
      ],
    });

    expect(problems).toEqual({
      'filters[0].field': 'Choose a field.',
      'filters[0].value': 'Operator = needs a value.',
      'filters[1].value': 'Operator = needs a value.',
      'filters[2].value': 'Operator > compares with one value; got 2.',
    });
  });

  it('checks what a bias trace bins numeric features by', () => {
    const trace: VigilQuery = {
      ...base,
      queryType: 'biasTrace',
      fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
    };

    expect(queryProblems({ ...trace, reference: { type: 'environment', environment: 'training' } })).toEqual({});
    expect(
      queryProblems({ ...trace, reference: { type: 'version', version: 'v1' }, binning: { strategy: 'uniform' } })
    ).toEqual({
      'reference.type':
        'A bias trace bins numeric features by its own records or by an environment; choose an environment.',
      'binning.strategy': 'A bias trace cuts numeric features at quantiles only.',
    });
    expect(queryProblems({ ...trace, limit: -2 })).toEqual({ limit: 'Segments must be a whole number, 0 or more.' });
  });

  it('checks the embeddings reduction and the smallest new cluster', () => {
    const embeddings: VigilQuery = { ...base, queryType: 'embeddings' };

    expect(queryProblems({ ...embeddings, reduce: 'none', minClusterSize: 2 })).toEqual({});
    expect(queryProblems({ ...embeddings, reduce: 'umap' as 'pca', minClusterSize: 1 })).toEqual({
      minClusterSize: 'A new cluster needs at least 2 points.',
      reduce: '"umap" is not a reduction; one of pca, none.',
    });
  });

  it('ignores options the query type does not read', () => {
    expect(queryProblems({ refId: 'A', queryType: 'traffic', binning: { bins: 0 }, limit: -1 })).toEqual({});
  });
});

describe('isDuration', () => {
  it.each(['1h', '90m', '7d', '2w', '1M', '1y', '1h30m', '1.5h', '500ms'])('accepts %s', (text) => {
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', 'h', '0h', '7 days', '-1h', '1x', '1d2h'])('refuses "%s"', (text) => {
    expect(isDuration(text)).toBe(false);
  });
});

describe('fieldRefProblem', () => {
  it('accepts the field references of DESIGN §4 and variables', () => {
    for (const ref of [
      'income',
      'features.income',
      'tags.sex',
      'prediction.label',
      'actual.value',
      'version',
      '$field',
    ]) {
      expect(fieldRefProblem(ref)).toBeUndefined();
    }
  });

  it('refuses unknown prediction and actual fields', () => {
    expect(fieldRefProblem('actual.score')).toBe(
      '"actual.score" is not a field; use prediction.label, prediction.score, prediction.value, actual.label or actual.value.'
    );
    expect(fieldRefProblem(' ')).toBe('Choose a field.');
  });
});
