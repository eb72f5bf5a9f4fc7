import type { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { versionAnnotations } from './annotations';
import { interpolateQuery } from './interpolate';
import { migrateQuery } from './migrate';
import { VigilResources } from './resources';
import { DEFAULT_QUERY, type VigilDataSourceOptions, type VigilQuery } from './types';
import { VigilVariableSupport } from './variables';

export class DataSource extends DataSourceWithBackend<VigilQuery, VigilDataSourceOptions> {
  /** The resource API (models, features, versions, values) shared by the editors and variables. */
  readonly resources: VigilResources;

  constructor(instanceSettings: DataSourceInstanceSettings<VigilDataSourceOptions>) {
    super(instanceSettings);
    this.resources = new VigilResources((path, params) => this.getResource(path, params));
    this.variables = new VigilVariableSupport(this, getTemplateSrv);
    this.annotations = versionAnnotations(() => this.variableNames().includes('model'));
  }

  getDefaultQuery(_app: CoreApp): Partial<VigilQuery> {
    // A fresh copy: Grafana merges it into new queries, which editors then change.
    return { ...DEFAULT_QUERY };
  }

  applyTemplateVariables(query: VigilQuery, scopedVars: ScopedVars): VigilQuery {
    return interpolateQuery(migrateQuery(query), scopedVars, getTemplateSrv());
  }

  filterQuery(query: VigilQuery): boolean {
    return !query.hide;
  }

  /** Names of the dashboard's variables, offered as `$name` in the editors' pickers. */
  variableNames(): string[] {
    return getTemplateSrv()
      .getVariables()
      .map((variable) => variable.name);
  }
}
