/**
 * Saved dashboard variable queries: reading them and what they lack. Apart from the variable support
 * (variables.ts), so that the variable editor needs no import of the data source.
 */
import { VARIABLE_KINDS, type VariableKind, type VigilVariableQuery } from './types';

const KIND_CALL = /^\s*(\w+)\s*(?:\(\s*([^,)]*?)\s*(?:,\s*([^)]*?)\s*)?\))?\s*$/;

/**
 * Reads a saved variable query. Dashboards save the object form
 * `{"kind": "values", "model": "$model", "field": "tags.sex"}`; a new variable starts as an empty string,
 * and the text form (`models`, `versions(credit-risk)`, `values($model, tags.sex)`) is read
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

export function isKind(value: unknown): value is VariableKind {
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
