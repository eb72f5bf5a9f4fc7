import type { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { interpolateQuery } from './interpolate';
import { DEFAULT_QUERY, type VigilDataSourceOptions, type VigilQuery } from './types';

export class DataSource extends DataSourceWithBackend<VigilQuery, VigilDataSourceOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<VigilDataSourceOptions>) {
    super(instanceSettings);
    // Annotation queries use the regular query editor; the backend answers them with event frames.
    this.annotations = {};
  }

  getDefaultQuery(_app: CoreApp): Partial<VigilQuery> {
    // A fresh copy: Grafana merges it into new queries, which editors then change.
    return { ...DEFAULT_QUERY, reference: DEFAULT_QUERY.reference && { ...DEFAULT_QUERY.reference } };
  }

  applyTemplateVariables(query: VigilQuery, scopedVars: ScopedVars): VigilQuery {
    return interpolateQuery(query, scopedVars, getTemplateSrv());
  }

  filterQuery(query: VigilQuery): boolean {
    return !query.hide;
  }
}
