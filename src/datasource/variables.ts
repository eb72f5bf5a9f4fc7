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

import { VariableQueryEditor } from './components/VariableQueryEditor/VariableQueryEditor';
import type { DataSource } from './datasource';
import { expandItem } from './interpolate';
import { distinct, type VigilResources } from './resources';
import { VARIABLE_KINDS, type VariableKind, type VigilVariableQuery } from './types';

type Replace = Pick<TemplateSrv, 'replace'>;

const KIND_CALL = /^\s*(\w+)\s*(?:\(\s*([^,)]*?)\s*(?:,\s*([^)]*?)\s*)?\))?\s*$/;

/**
 * Reads a saved variable query. Dashboards save the object form
 * `{"kind": "values", "model": "$model", "field": "tags.sex"}`; a new variable starts as an empty string,
 * and the text form of DESIGN §4 (`models`, `versions(credit-risk)`, `values($model, tags.sex)`) is read
 * too, so a query typed by hand works.
 */
export function toVariableQuery(raw: unknown): VigilVariableQuery {
  if (typeof raw === 'object' && raw !== null) {
    const { refId, kind, model, field } = raw as Partial<Record<'refId' | 'kind' | 'model' | 'field', unknown>>;
    const query: VigilVariableQuery = {
      refId: typeof refId === 'string' ? refId : 'VigilVariable',
      kind: isKind(kind) ? kind : 'models',
    };
    if (typeof model === 'string' && model !== '') {
      query.model = model;
    }
    if (typeof field === 'string' && field !== '') {
      query.field = field;
    }
    return query;
  }
  const call = typeof raw === 'string' ? KIND_CALL.exec(raw) : null;
  if (!call || !isKind(call[1])) {
    return { refId: 'VigilVariable', kind: 'models' };
  }
  const query: VigilVariableQuery = { refId: 'VigilVariable', kind: call[1] };
  if (call[2]) {
    query.model = call[2];
  }
  if (call[3]) {
    query.field = call[3];
  }
  return query;
}

function isKind(value: unknown): value is VariableKind {
  return typeof value === 'string' && (VARIABLE_KINDS as readonly string[]).includes(value);
}

/** What a variable query lacks before it can run, by option (`model`, `field`). */
export function variableQueryProblems(query: VigilVariableQuery): Partial<Record<'model' | 'field', string>> {
  const problems: Partial<Record<'model' | 'field', string>> = {};
  if (query.kind !== 'models' && !query.model) {
    problems.model = `Listing ${query.kind} needs a model.`;
  }
  if (query.kind === 'values' && !query.field) {
    problems.field = 'Listing values needs a field, e.g. tags.sex.';
  }
  return problems;
}

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
export class VigilVariableSupport extends CustomVariableSupport<DataSource, VigilVariableQuery> {
  editor = VariableQueryEditor;

  constructor(
    private readonly datasource: DataSource,
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
