import { migrateQuery } from './migrate';
import type { VigilQuery } from './types';

describe('migrateQuery', () => {
  it('turns a one-string groupBy into a list', () => {
    const saved = { refId: 'A', queryType: 'performance', groupBy: 'tags.channel' } as unknown as VigilQuery;

    expect(migrateQuery(saved)).toEqual({ refId: 'A', queryType: 'performance', groupBy: ['tags.channel'] });
  });

  it('removes an empty one-string option instead of saving an empty list', () => {
    const saved = { refId: 'A', queryType: 'performance', groupBy: '', versions: '' } as unknown as VigilQuery;

    expect(migrateQuery(saved)).toEqual({ refId: 'A', queryType: 'performance' });
  });

  it('turns one-string versions, features, status and fairness groups into lists', () => {
    const saved = {
      refId: 'A',
      queryType: 'fairness',
      versions: '$version',
      features: 'income',
      status: 'deprecated',
      fairness: { attribute: 'tags.sex', protected: 'F', reference: ['M'], favorable: '1' },
    } as unknown as VigilQuery;

    expect(migrateQuery(saved)).toEqual({
      refId: 'A',
      queryType: 'fairness',
      versions: ['$version'],
      features: ['income'],
      status: ['deprecated'],
      fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
    });
  });

  it('gives a filter without an operator the = the backend reads it as', () => {
    const saved = {
      refId: 'A',
      queryType: 'drift',
      filters: [
        { field: 'tags.channel', value: 'web' },
        { field: 'features.age', op: '>', value: 40 },
      ],
    } as unknown as VigilQuery;

    expect(migrateQuery(saved).filters).toEqual([
      { field: 'tags.channel', op: '=', value: 'web' },
      { field: 'features.age', op: '>', value: 40 },
    ]);
  });

  it('returns the query itself when it is already current, keeping options it does not know', () => {
    const current = {
      refId: 'A',
      queryType: 'performance',
      model: '$model',
      groupBy: ['tags.channel'],
      datasource: { type: 'vigil-mlobs-datasource', uid: 'vigil' },
    } as VigilQuery;

    expect(migrateQuery(current)).toBe(current);
  });

  it('does not change the query it upgrades', () => {
    const saved = { refId: 'A', groupBy: 'tags.channel' } as unknown as VigilQuery;

    migrateQuery(saved);

    expect(saved).toEqual({ refId: 'A', groupBy: 'tags.channel' });
  });

  it('is idempotent', () => {
    const saved = { refId: 'A', groupBy: 'version', features: 'age' } as unknown as VigilQuery;
    const once = migrateQuery(saved);

    expect(migrateQuery(once)).toBe(once);
  });
});
