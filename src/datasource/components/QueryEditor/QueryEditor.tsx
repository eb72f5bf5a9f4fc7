import React, { useEffect, useMemo } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { EditorRow } from '@grafana/plugin-ui';

import { QUERY_TYPE_LABELS } from '../../../shared/labels';
import type { DataSource } from '../../datasource';
import { migrateQuery } from '../../migrate';
import { isQueryType, usesOption, withOption, withQueryType } from '../../queryOptions';
import { QUERY_TYPES, type QueryType, type VigilDataSourceOptions, type VigilQuery } from '../../types';
import { queryProblems } from '../../validate';
import { EditorContext, useEditorContextValue } from './context';
import { FiltersEditor } from './fields/FiltersEditor';
import { EnvironmentField, ModelField, VersionsField } from './fields/ModelFields';
import { Choice } from './fields/pickers';
import { TextInput } from './fields/TextInput';
import { EditorLayout, Field } from './layout';
import { QUERY_TYPE_EDITORS } from './queryTypes';
import type { QueryTypeEditorProps } from './types';

type Props = QueryEditorProps<DataSource, VigilQuery, VigilDataSourceOptions>;

const QUERY_TYPE_OPTIONS = QUERY_TYPES.map((type) => ({ value: type, ...QUERY_TYPE_LABELS[type] }));

function isRunnable(query: VigilQuery): boolean {
  return Object.keys(queryProblems(query)).length === 0;
}

export function QueryEditor({ datasource, query: saved, onChange, onRunQuery }: Props) {
  // Queries saved by older versions open in the current shape; the upgrade is saved once.
  const query = useMemo(() => migrateQuery(saved), [saved]);
  useEffect(() => {
    if (query !== saved) {
      onChange(query);
    }
  }, [query, saved, onChange]);

  const problems = useMemo(() => queryProblems(query), [query]);
  const context = useEditorContextValue(datasource, problems);

  const typeProps: QueryTypeEditorProps = {
    query,
    onChange: (next, run = true) => {
      onChange(next);
      if (run && isRunnable(next)) {
        onRunQuery();
      }
    },
    onRun: () => {
      if (isRunnable(query)) {
        onRunQuery();
      }
    },
  };
  const set = <K extends Exclude<keyof VigilQuery, 'refId'>>(key: K, value: VigilQuery[K] | undefined, run = true) =>
    typeProps.onChange(withOption(query, key, value), run);

  const queryType = isQueryType(query.queryType) ? query.queryType : undefined;
  const TypeEditor = queryType ? QUERY_TYPE_EDITORS[queryType] : undefined;
  const showInterval =
    queryType !== undefined && usesOption(queryType, 'interval') && (queryType !== 'biasTrace' || !!query.overTime);
  const id = (key: string) => `vigil-${key}-${query.refId}`;

  return (
    <EditorContext.Provider value={context}>
      <EditorLayout>
        <EditorRow>
          <Field label="Query type" width="medium" invalid={!!problems.queryType} error={problems.queryType}>
            <Choice<QueryType>
              id={id('query-type')}
              options={QUERY_TYPE_OPTIONS}
              // A query type this version does not know is shown as saved; its common options stay editable.
              value={(query.queryType as QueryType | undefined) ?? null}
              placeholder="Choose a query type"
              onChange={(type) => typeProps.onChange(withQueryType(query, type))}
            />
          </Field>
          <ModelField
            id={id('model')}
            value={query.model}
            optional={queryType === 'models' || queryType === 'traffic'}
            onChange={(model) => set('model', model)}
          />
          <VersionsField
            id={id('versions')}
            model={query.model}
            value={query.versions}
            onChange={(versions) => set('versions', versions)}
          />
          <EnvironmentField
            id={id('environment')}
            label="Environment"
            optional
            tooltip="Empty means every environment"
            model={query.model}
            value={query.environment}
            placeholder="every environment"
            problemKey="environment"
            onChange={(environment) => set('environment', environment)}
          />
          {showInterval && (
            <Field
              label="Interval"
              optional
              tooltip="Bucket width such as 1h or 1d; empty uses the panel's interval"
              invalid={!!problems.interval}
              error={problems.interval}
              width="short"
            >
              <TextInput
                id={id('interval')}
                value={query.interval}
                placeholder="$__interval"
                onChange={(interval) => set('interval', interval, false)}
                onBlur={typeProps.onRun}
              />
            </Field>
          )}
        </EditorRow>
        {TypeEditor && <TypeEditor {...typeProps} />}
        {queryType && usesOption(queryType, 'filters') && (
          <EditorRow>
            <FiltersEditor {...typeProps} />
          </EditorRow>
        )}
      </EditorLayout>
    </EditorContext.Provider>
  );
}
