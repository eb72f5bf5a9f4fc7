import type { DataSourceSettings } from '@grafana/data';

/** The settings Grafana hands a new Vigil data source's config editor, for the editor's tests. */
export function newSettings<T extends DataSourceSettings<any, any>>(): T {
  return {
    id: 1,
    uid: 'vigil',
    orgId: 1,
    name: 'Vigil',
    type: 'vigil-mlobs-datasource',
    typeName: 'Vigil',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    secureJsonFields: {},
    jsonData: {},
  } as unknown as T;
}
