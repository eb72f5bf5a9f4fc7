import { setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { of, throwError } from 'rxjs';

import { dataSourceWith, deferred, fakeResourceApi, fetchError, INVENTORY } from '../test/fakeResources';
import { resourceErrorMessage, VigilResources } from './resources';

const fetch = jest.fn();
setBackendSrv({ fetch } as unknown as BackendSrv);

describe('VigilResources', () => {
  it('asks each route once while its answer is fresh, and again after', async () => {
    const api = fakeResourceApi();
    let now = 1_000;
    const resources = new VigilResources(api, () => now);

    await resources.models();
    await resources.models();
    expect(api).toHaveBeenCalledTimes(1);

    now += 31_000;
    await resources.models();
    expect(api).toHaveBeenCalledTimes(2);
  });

  it('shares a request in flight between callers', async () => {
    const pending = deferred<unknown>();
    const api = fakeResourceApi({ models: () => pending.promise });
    const resources = new VigilResources(api);

    const first = resources.models();
    const second = resources.models();
    pending.resolve(INVENTORY.models);

    expect(await first).toBe(await second);
    expect(api).toHaveBeenCalledTimes(1);
  });

  it('builds the model routes with the model name escaped and the field as a parameter', async () => {
    const api = fakeResourceApi();
    const resources = new VigilResources(api);

    await resources.features('credit-risk');
    await resources.versions('credit-risk');
    await resources.values('credit-risk', 'tags.sex');
    await resources.versions('a/b').catch(() => undefined);

    expect(api.mock.calls).toEqual([
      ['models/credit-risk/features', undefined],
      ['models/credit-risk/versions', undefined],
      ['models/credit-risk/values', { field: 'tags.sex' }],
      ['models/a%2Fb/versions', undefined],
    ]);
  });

  it('keeps the values of different fields apart', async () => {
    const resources = new VigilResources(fakeResourceApi());

    expect((await resources.values('credit-risk', 'tags.sex')).map((v) => v.value)).toEqual(['M', 'F']);
    expect((await resources.values('credit-risk', 'tags.channel')).map((v) => v.value)).toEqual(['web', 'app']);
  });

  it('forgets a failed request so the next caller asks again', async () => {
    let calls = 0;
    const api = fakeResourceApi({
      models: async () => {
        calls++;
        if (calls === 1) {
          throw fetchError(500, 'store unreachable');
        }
        return INVENTORY.models;
      },
    });
    const resources = new VigilResources(api);

    await expect(resources.models()).rejects.toEqual(fetchError(500, 'store unreachable'));
    await expect(resources.models()).resolves.toEqual(INVENTORY.models);
  });

  it('refuses an answer that is not a list', async () => {
    const resources = new VigilResources(fakeResourceApi({ models: async () => ({ html: '<p>login</p>' }) }));

    await expect(resources.models()).rejects.toThrow('unexpected answer from models: expected a list');
  });
});

describe('the data source resource API', () => {
  beforeEach(() => fetch.mockReset());

  it('calls the data source resource URL through Grafana', async () => {
    fetch.mockReturnValue(of({ data: INVENTORY.values['credit-risk']['tags.sex'] }));
    const { datasource } = dataSourceWith();
    jest.mocked(datasource.getResource).mockRestore();

    const values = await datasource.resources.values('credit-risk', 'tags.sex');

    expect(values).toEqual(INVENTORY.values['credit-risk']['tags.sex']);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        method: 'GET',
        url: '/api/datasources/uid/vigil/resources/models/credit-risk/values',
        params: { field: 'tags.sex' },
      })
    );
  });

  it('reports the backend error message of a failed call', async () => {
    fetch.mockReturnValue(throwError(() => fetchError(404, 'unknown model "nope"')));
    const { datasource } = dataSourceWith();
    jest.mocked(datasource.getResource).mockRestore();

    const error = await datasource.resources.features('nope').catch((e: unknown) => e);

    expect(resourceErrorMessage(error)).toBe('unknown model "nope"');
  });
});

describe('resourceErrorMessage', () => {
  it('prefers the backend message, then Grafana message, then the status', () => {
    expect(resourceErrorMessage({ data: { error: 'bad field' }, status: 400 })).toBe('bad field');
    expect(resourceErrorMessage({ data: { message: 'Plugin unavailable' }, status: 503 })).toBe('Plugin unavailable');
    expect(resourceErrorMessage({ status: 502, statusText: 'Bad Gateway' })).toBe('HTTP 502 Bad Gateway');
    expect(resourceErrorMessage(new Error('network down'))).toBe('network down');
    expect(resourceErrorMessage(undefined)).toBe('unknown error');
  });
});
