import React, { useEffect, useMemo } from 'react';
import type { DataSourceApi, QueryEditorProps } from '@grafana/data';
import { EditorField, EditorRow, EditorRows } from '@grafana/plugin-ui';
import { RadioButtonGroup } from '@grafana/ui';

import { type VariableKind, type VigilDataSourceOptions, type VigilQuery, type VigilVariableQuery } from '../../types';
import { toVariableQuery, variableQueryProblems } from '../../variableQuery';
import { EditorContext, useEditorContextValue, type EditorDataSource } from '../QueryEditor/context';
import { FieldRefField } from '../QueryEditor/fields/FieldRefs';
import { ModelField } from '../QueryEditor/fields/ModelFields';

/** The Vigil data source as the variable editor sees it (no import of its class: it imports this editor). */
export type VariableEditorDataSource = DataSourceApi<VigilQuery, VigilDataSourceOptions> & EditorDataSource;

type Props = QueryEditorProps<VariableEditorDataSource, VigilQuery, VigilDataSourceOptions, VigilVariableQuery>;

const KIND_OPTIONS: Array<{ value: VariableKind; label: string; description: string }> = [
  { value: 'models', label: 'Models', description: 'Names of the models in the store' },
  { value: 'versions', label: 'Versions', description: 'Versions of a model' },
  { value: 'environments', label: 'Environments', description: 'Environments a model ran in' },
  { value: 'features', label: 'Features', description: 'Feature names of a model, as drift queries name them' },
  { value: 'values', label: 'Values', description: 'Distinct values of a field, most frequent first' },
];

/** The editor of a dashboard variable on Vigil: what to list, of which model, and for values which field. */
export function VariableQueryEditor({ datasource, query: saved, onChange }: Props) {
  // A new variable starts with an empty string; it is saved as a query object from the start.
  const query = useMemo(() => toVariableQuery(saved), [saved]);
  const needsUpgrade = typeof saved !== 'object' || saved === null;
  useEffect(() => {
    if (needsUpgrade) {
      onChange(query);
    }
  }, [needsUpgrade, query, onChange]);

  const problems = useMemo(() => variableQueryProblems(query), [query]);
  const context = useEditorContextValue(datasource, problems);

  const update = (patch: Partial<VigilVariableQuery>) => {
    const next: VigilVariableQuery = { ...query, ...patch };
    if (next.kind === 'models') {
      delete next.model;
    }
    if (next.kind !== 'values') {
      delete next.field;
    }
    for (const key of ['model', 'field'] as const) {
      if (!next[key]) {
        delete next[key];
      }
    }
    onChange(next);
  };

  return (
    <EditorContext.Provider value={context}>
      <EditorRows>
        <EditorRow>
          <EditorField label="List">
            <RadioButtonGroup<VariableKind>
              options={KIND_OPTIONS}
              value={query.kind}
              onChange={(kind) => update({ kind })}
            />
          </EditorField>
        </EditorRow>
        {query.kind !== 'models' && (
          <EditorRow>
            <ModelField
              id="vigil-variable-model"
              value={query.model}
              optional={false}
              onChange={(model) => update({ model })}
            />
            {query.kind === 'values' && (
              <FieldRefField
                id="vigil-variable-field"
                label="Field"
                tooltip="The field whose distinct values are listed, e.g. tags.sex or prediction.label"
                model={query.model}
                value={query.field}
                problemKey="field"
                placeholder="tags.sex"
                onChange={(field) => update({ field })}
              />
            )}
          </EditorRow>
        )}
      </EditorRows>
    </EditorContext.Provider>
  );
}
