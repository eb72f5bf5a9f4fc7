import {
  CustomVariableSupport,
  FieldType,
  createDataFrame,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type MetricFindValue,
  type ScopedVars,
} from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { from, map, type Observable } from 'rxjs';

import {
  VariableQueryEditor,
  type VariableEditorDataSource,
} from './components/VariableQueryEditor/VariableQueryEditor';
import { expandItem } from './interpolate';
import { distinct, type VigilResources } from './resources';
import type { VariableKind, VigilVariableQuery } from './types';
import { toVariableQuery, variableQueryProblems } from './variableQuery';

export { toVariableQuery, variableQueryProblems } from './variableQuery';

type Replace = Pick<TemplateSrv, 'replace'>;

/**
 * The values of a variable query. `model` and `field` are interpolated first; a multi-value `$model`
 * lists the union over its models.
 */
export async function variableValues(
  query: VigilVariableQuery,
  resources: VigilResources,
  templateSrv: Replace,
  scopedVars: ScopedVars = {}
): Promise<MetricFindValue[]> {
  const problems = variableQueryProblems(query);
  const problem = problems.model ?? problems.field;
  if (problem) {
    throw new Error(problem);
  }
  if (query.kind === 'models') {
    const models = await resources.models();
    return models.map((model) => ({ text: model.name, value: model.name }));
  }

  const models = expandItem(query.model ?? '', scopedVars, templateSrv).filter((model) => model !== '');
  const field = query.field === undefined ? '' : templateSrv.replace(query.field, scopedVars, 'csv');
  const perModel = await Promise.all(models.map((model) => valuesOfModel(query.kind, model, field, resources)));
  return distinct(perModel.flat()).map((value) => ({ text: value, value }));
}

async function valuesOfModel(
  kind: VariableKind,
  model: string,
  field: string,
  resources: VigilResources
): Promise<string[]> {
  switch (kind) {
    case 'versions':
      return distinct((await resources.versions(model)).map((version) => version.version));
    case 'environments':
      return distinct((await resources.versions(model)).map((version) => version.environment)).filter(
        (environment) => environment !== ''
      );
    case 'features':
      return (await resources.features(model)).filter((item) => item.kind === 'feature').map((item) => item.name);
    case 'values':
      return (await resources.values(model, field)).map((item) => item.value);
    default:
      return [];
  }
}

/** A frame of `text` and `value` fields, which Grafana reads as the variable's options. */
export function variableFrame(values: MetricFindValue[], refId?: string): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'text', type: FieldType.string, values: values.map((item) => String(item.text)) },
      { name: 'value', type: FieldType.string, values: values.map((item) => String(item.value ?? item.text)) },
    ],
  });
}

/** Dashboard variables on Vigil: models, versions, environments and features of a model, values of a field. */
export class VigilVariableSupport extends CustomVariableSupport<VariableEditorDataSource, VigilVariableQuery> {
  editor = VariableQueryEditor;

  constructor(
    private readonly datasource: VariableEditorDataSource,
    private readonly templateSrv: () => Replace
  ) {
    super();
  }

  query(request: DataQueryRequest<VigilVariableQuery>): Observable<DataQueryResponse> {
    const query = toVariableQuery(request.targets[0]);
    return from(variableValues(query, this.datasource.resources, this.templateSrv(), request.scopedVars)).pipe(
      map((values) => ({ data: [variableFrame(values, query.refId)] }))
    );
  }
}
