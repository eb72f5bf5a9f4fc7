import { CoreApp, type DataSourceInstanceSettings, PluginType, type ScopedVars } from '@grafana/data';

import { fakeTemplateSrv } from '../test/fakeTemplateSrv';
import { DataSource } from './datasource';
import type { VigilDataSourceOptions, VigilQuery } from './types';
import { queryProblems } from './validate';
import { VigilVariableSupport } from './variables';

const templateSrv = fakeTemplateSrv({
  model: 'credit-risk',
  env: 'production',
  versions: ['v1', 'v2'],
  features: ['income', 'region', 'age'],
  channel: ['web', 'app'],
  sex: 'F',
  privileged: ['M', 'X'],
  none: [],
});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const instanceSettings = {
  id: 1,
  uid: 'vigil',
  type: 'vigil-mlobs-datasource',
  name: 'Vigil',
  access: 'proxy',
  readOnly: false,
  jsonData: { path: 'vigil.duckdb' },
  meta: { id: 'vigil-mlobs-datasource', name: 'Vigil', type: PluginType.datasource },
} as unknown as DataSourceInstanceSettings<VigilDataSourceOptions>;

describe('DataSource', () => {
  const ds = new DataSource(instanceSettings);

  describe('getDefaultQuery', () => {
    it('starts with the traffic of every model, which needs no other option', () => {
      const query = ds.getDefaultQuery(CoreApp.PanelEditor);

      expect(query).toEqual({ queryType: 'traffic', metric: 'count' });
      expect(queryProblems({ refId: 'A', ...query })).toEqual({});
    });

    it('returns a fresh object each time, so editing one query cannot change the next default', () => {
      const first = ds.getDefaultQuery(CoreApp.PanelEditor);
      first.metric = 'share';
      expect(ds.getDefaultQuery(CoreApp.PanelEditor).metric).toBe('count');
    });
  });

  describe('wiring', () => {
    it('has variable support and version annotations', () => {
      expect(ds.variables).toBeInstanceOf(VigilVariableSupport);
      expect(ds.annotations?.processEvents).toBeDefined();
      // The dashboard has a model variable, so a new annotation follows it.
      expect(ds.annotations?.getDefaultQuery?.()).toEqual({ queryType: 'models', model: '$model' });
    });

    it('lists the dashboard variable names', () => {
      expect(ds.variableNames()).toEqual([
        'model',
        'env',
        'versions',
        'features',
        'channel',
        'sex',
        'privileged',
        'none',
      ]);
    });
  });

  describe('applyTemplateVariables', () => {
    it('interpolates single-value fields and expands multi-value variables into lists', () => {
      const query: VigilQuery = {
        refId: 'A',
        queryType: 'drift',
        model: '$model',
        versions: ['$versions'],
        environment: '${env}',
        target: 'feature',
        features: ['$features'],
        metric: 'psi',
        reference: { type: 'environment', environment: 'training', version: '$model-v0' },
        filters: [{ field: 'tags.channel', op: '=', value: '$channel' }],
        interval: '1h',
      };

      expect(ds.applyTemplateVariables(query, {})).toEqual({
        refId: 'A',
        queryType: 'drift',
        model: 'credit-risk',
        versions: ['v1', 'v2'],
        environment: 'production',
        target: 'feature',
        features: ['income', 'region', 'age'],
        metric: 'psi',
        reference: { type: 'environment', environment: 'training', version: 'credit-risk-v0' },
        filters: [{ field: 'tags.channel', op: '=', value: ['web', 'app'] }],
        interval: '1h',
      });
    });

    it('keeps literal list items, drops duplicates and removes items whose variable has nothing selected', () => {
      const query: VigilQuery = { refId: 'A', versions: ['v0', '$versions', 'v1', '$none'], features: ['$features'] };

      const result = ds.applyTemplateVariables(query, {});

      expect(result.versions).toEqual(['v0', 'v1', 'v2']);
      expect(result.features).toEqual(['income', 'region', 'age']);
    });

    it('expands every combination when a list item holds several multi-value variables', () => {
      const result = ds.applyTemplateVariables({ refId: 'A', versions: ['${versions}-${channel}'] }, {});

      expect(result.versions).toEqual(['v1-web', 'v1-app', 'v2-web', 'v2-app']);
    });

    it('gives a single-value field a comma-separated string when a multi-value variable is used', () => {
      expect(ds.applyTemplateVariables({ refId: 'A', model: '$versions' }, {}).model).toBe('v1,v2');
    });

    it('keeps a filter value scalar when the variable has one value, and leaves numbers alone', () => {
      const result = ds.applyTemplateVariables(
        {
          refId: 'A',
          filters: [
            { field: 'tags.sex', op: '=', value: '$sex' },
            { field: 'features.age', op: '>', value: 40 },
            { field: 'tags.channel', op: '!=', value: ['$channel', 'email'] },
          ],
        },
        {}
      );

      expect(result.filters).toEqual([
        { field: 'tags.sex', op: '=', value: 'F' },
        { field: 'features.age', op: '>', value: 40 },
        { field: 'tags.channel', op: '!=', value: ['web', 'app', 'email'] },
      ]);
    });

    it('interpolates the fairness groups', () => {
      const result = ds.applyTemplateVariables(
        {
          refId: 'A',
          queryType: 'fairness',
          fairness: { attribute: 'tags.sex', protected: ['$sex'], reference: ['$privileged'], favorable: '1' },
        },
        {}
      );

      expect(result.fairness).toEqual({
        attribute: 'tags.sex',
        protected: ['F'],
        reference: ['M', 'X'],
        favorable: '1',
      });
    });

    it('prefers scoped variables (repeated panels) over dashboard variables', () => {
      const scopedVars: ScopedVars = { model: { text: 'fraud', value: 'fraud' } };

      expect(ds.applyTemplateVariables({ refId: 'A', model: '$model' }, scopedVars).model).toBe('fraud');
    });

    it('upgrades an older query before interpolating it', () => {
      const saved = { refId: 'A', queryType: 'performance', groupBy: '$channel' } as unknown as VigilQuery;

      expect(ds.applyTemplateVariables(saved, {}).groupBy).toEqual(['web', 'app']);
    });

    it('interpolates group-by fields, the positive label and statuses', () => {
      const result = ds.applyTemplateVariables(
        {
          refId: 'A',
          queryType: 'performance',
          groupBy: ['tags.$sex', 'version'],
          positive: '$sex',
          status: ['$none', 'active'],
        },
        {}
      );

      expect(result).toMatchObject({ groupBy: ['tags.F', 'version'], positive: 'F', status: ['active'] });
    });

    it('leaves a filter without a value (is null) without one', () => {
      const result = ds.applyTemplateVariables({ refId: 'A', filters: [{ field: 'actual.label', op: 'is null' }] }, {});

      expect(result.filters).toEqual([{ field: 'actual.label', op: 'is null' }]);
    });

    it('adds no options the query did not have', () => {
      expect(ds.applyTemplateVariables({ refId: 'B', queryType: 'models' }, {})).toEqual({
        refId: 'B',
        queryType: 'models',
      });
    });
  });

  describe('filterQuery', () => {
    it('skips hidden queries only', () => {
      expect(ds.filterQuery({ refId: 'A', queryType: 'traffic', hide: true })).toBe(false);
      expect(ds.filterQuery({ refId: 'A', queryType: 'traffic', hide: false })).toBe(true);
      expect(ds.filterQuery({ refId: 'A', queryType: 'traffic' })).toBe(true);
    });
  });
});
