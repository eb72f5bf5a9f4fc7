import { CoreApp, FieldType, type DataQueryRequest, dateTime } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { dataSourceWith, fakeResourceApi, fetchError } from '../test/fakeResources';
import { fakeTemplateSrv } from '../test/fakeTemplateSrv';
import { VigilResources } from './resources';
import type { VigilVariableQuery } from './types';
import { toVariableQuery, variableFrame, variableValues, VigilVariableSupport } from './variables';

const templateSrv = fakeTemplateSrv({ model: 'credit-risk', models: ['credit-risk', 'fraud'], field: 'tags.channel' });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const texts = (values: Array<{ text: string }>) => values.map((value) => value.text);

describe('variableValues', () => {
  const resources = () => new VigilResources(fakeResourceApi());
  const run = (query: Omit<VigilVariableQuery, 'refId'>) =>
    variableValues({ refId: 'V', ...query }, resources(), templateSrv);

  it('lists model names', async () => {
    expect(await run({ kind: 'models' })).toEqual([
      { text: 'credit-risk', value: 'credit-risk' },
      { text: 'fraud', value: 'fraud' },
    ]);
  });

  it('lists the distinct versions and environments of the interpolated model', async () => {
    expect(texts(await run({ kind: 'versions', model: '$model' }))).toEqual(['v1', 'v2']);
    expect(texts(await run({ kind: 'environments', model: '${model}' }))).toEqual(['training', 'production']);
  });

  it('lists feature names, not references, and no tags', async () => {
    expect(texts(await run({ kind: 'features', model: 'credit-risk' }))).toEqual(['age', 'income', 'region']);
  });

  it('lists the values of a field, with the field interpolated too', async () => {
    expect(texts(await run({ kind: 'values', model: '$model', field: 'tags.sex' }))).toEqual(['M', 'F']);
    expect(texts(await run({ kind: 'values', model: '$model', field: '$field' }))).toEqual(['web', 'app']);
  });

  it('lists the union over the models of a multi-value model variable', async () => {
    expect(texts(await run({ kind: 'versions', model: '$models' }))).toEqual(['v1', 'v2', 'f1']);
    expect(texts(await run({ kind: 'environments', model: '$models' }))).toEqual(['training', 'production']);
  });

  it('uses scoped variables first', async () => {
    const values = await variableValues({ refId: 'V', kind: 'versions', model: '$model' }, resources(), templateSrv, {
      model: { text: 'fraud', value: 'fraud' },
    });
    expect(texts(values)).toEqual(['f1']);
  });

  it('says what a query lacks', async () => {
    await expect(run({ kind: 'versions' })).rejects.toThrow('Listing versions needs a model.');
    await expect(run({ kind: 'values', model: 'credit-risk' })).rejects.toThrow(
      'Listing values needs a field, e.g. tags.sex.'
    );
  });

  it('passes on a failed listing', async () => {
    const failing = new VigilResources(
      fakeResourceApi({
        'models/credit-risk/versions': async () => {
          throw fetchError(500, 'store closed');
        },
      })
    );
    await expect(
      variableValues({ refId: 'V', kind: 'versions', model: 'credit-risk' }, failing, templateSrv)
    ).rejects.toEqual(fetchError(500, 'store closed'));
  });
});

describe('toVariableQuery', () => {
  it('reads the object form saved in dashboards', () => {
    expect(toVariableQuery({ kind: 'values', model: '$model', field: 'tags.sex' })).toEqual({
      refId: 'VigilVariable',
      kind: 'values',
      model: '$model',
      field: 'tags.sex',
    });
    expect(toVariableQuery({ refId: 'A', kind: 'features', model: '$model' })).toEqual({
      refId: 'A',
      kind: 'features',
      model: '$model',
    });
  });

  it('starts a new variable (an empty string) on models', () => {
    expect(toVariableQuery('')).toEqual({ refId: 'VigilVariable', kind: 'models' });
    expect(toVariableQuery(undefined)).toEqual({ refId: 'VigilVariable', kind: 'models' });
    expect(toVariableQuery({ kind: 'nonsense' })).toEqual({ refId: 'VigilVariable', kind: 'models' });
  });

  it('reads the text form of DESIGN §4', () => {
    expect(toVariableQuery('models')).toEqual({ refId: 'VigilVariable', kind: 'models' });
    expect(toVariableQuery('versions(credit-risk)')).toEqual({
      refId: 'VigilVariable',
      kind: 'versions',
      model: 'credit-risk',
    });
    expect(toVariableQuery(' values( $model , tags.sex ) ')).toEqual({
      refId: 'VigilVariable',
      kind: 'values',
      model: '$model',
      field: 'tags.sex',
    });
  });
});

describe('variableFrame', () => {
  it('is a frame of text and value strings', () => {
    const frame = variableFrame([{ text: 'v1', value: 'v1' }, { text: 'v2' }], 'V');

    expect(frame.refId).toBe('V');
    expect(frame.fields.map((field) => [field.name, field.type, field.values])).toEqual([
      ['text', FieldType.string, ['v1', 'v2']],
      ['value', FieldType.string, ['v1', 'v2']],
    ]);
  });
});

describe('VigilVariableSupport', () => {
  const request = (target: unknown) =>
    ({
      app: CoreApp.Dashboard,
      requestId: 'var',
      interval: '1m',
      intervalMs: 60_000,
      range: { from: dateTime(0), to: dateTime(1), raw: { from: 'now-1h', to: 'now' } },
      scopedVars: {},
      targets: [target],
      timezone: 'utc',
      startTime: 0,
    }) as unknown as DataQueryRequest<VigilVariableQuery>;

  it('is the data source variable support and answers the saved query with a frame of values', async () => {
    const { datasource, api } = dataSourceWith();

    expect(datasource.variables).toBeInstanceOf(VigilVariableSupport);
    const response = await lastValueFrom(
      (datasource.variables as VigilVariableSupport).query(request({ kind: 'environments', model: '$model' }))
    );

    expect(response.data[0].fields[0].values).toEqual(['training', 'production']);
    expect(api).toHaveBeenCalledWith('models/credit-risk/versions', undefined);
  });

  it('fails the request with the reason when the query is incomplete', async () => {
    const { datasource } = dataSourceWith();

    await expect(
      lastValueFrom((datasource.variables as VigilVariableSupport).query(request({ kind: 'values', model: 'm' })))
    ).rejects.toThrow('Listing values needs a field');
  });
});
