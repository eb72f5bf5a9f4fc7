import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { EditorField, EditorRow, EditorRows } from '@grafana/plugin-ui';
import { Combobox } from '@grafana/ui';

import { QUERY_TYPE_LABELS } from '../../../shared/labels';
import type { DataSource } from '../../datasource';
import {
  DEFAULT_QUERY,
  METRICS_BY_QUERY_TYPE,
  QUERY_TYPES,
  type QueryType,
  type VigilDataSourceOptions,
  type VigilQuery,
} from '../../types';
import { ListInput } from './fields/ListInput';
import { TextInput } from './fields/TextInput';
import { QUERY_TYPE_SPECS, type QueryTypeSpec } from './queryTypes';
import { withOption } from './withOption';

type Props = QueryEditorProps<DataSource, VigilQuery, VigilDataSourceOptions>;

const QUERY_TYPE_OPTIONS = QUERY_TYPES.map((type) => ({ value: type, ...QUERY_TYPE_LABELS[type] }));

/** The query as it becomes when the user picks another query type: options the new type needs get valid values. */
export function withQueryType(query: VigilQuery, queryType: QueryType): VigilQuery {
  const next: VigilQuery = { ...query, queryType };
  const metrics = METRICS_BY_QUERY_TYPE[queryType];
  if (!metrics) {
    delete next.metric;
  } else if (!next.metric || !metrics.includes(next.metric)) {
    next.metric = metrics[0];
  }
  if (queryType === 'drift' && !next.target) {
    next.target = 'feature';
  }
  if (QUERY_TYPE_SPECS[queryType].usesReference && !next.reference && DEFAULT_QUERY.reference) {
    next.reference = { ...DEFAULT_QUERY.reference };
  }
  return next;
}

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const queryType = query.queryType ?? 'drift';
  // A saved query may name a query type this version does not know; it then gets only the common fields.
  const spec: QueryTypeSpec | undefined = QUERY_TYPE_SPECS[queryType];
  const id = (key: string) => `vigil-${key}-${query.refId}`;
  const set = <K extends Exclude<keyof VigilQuery, 'refId'>>(key: K, value: VigilQuery[K] | undefined) =>
    onChange(withOption(query, key, value));

  return (
    <EditorRows>
      <EditorRow>
        <EditorField label="Query type" width={24}>
          <Combobox<QueryType>
            id={id('query-type')}
            options={QUERY_TYPE_OPTIONS}
            value={queryType}
            onChange={(option) => {
              onChange(withQueryType(query, option.value));
              onRunQuery();
            }}
          />
        </EditorField>
        <EditorField label="Model" optional={queryType === 'models'} width={20}>
          <TextInput
            id={id('model')}
            value={query.model}
            placeholder="credit-risk or $model"
            onChange={(model) => set('model', model)}
            onBlur={onRunQuery}
          />
        </EditorField>
        <EditorField label="Versions" optional tooltip="Comma-separated; empty means every version" width={20}>
          <ListInput
            id={id('versions')}
            value={query.versions}
            placeholder="all versions"
            onCommit={(versions) => {
              set('versions', versions.length > 0 ? versions : undefined);
              onRunQuery();
            }}
          />
        </EditorField>
        <EditorField label="Environment" optional width={16}>
          <TextInput
            id={id('environment')}
            value={query.environment}
            placeholder="production"
            onChange={(environment) => set('environment', environment)}
            onBlur={onRunQuery}
          />
        </EditorField>
        {spec?.timeSeries && (
          <EditorField label="Interval" optional tooltip="Bucket width such as 1h; empty uses the panel interval">
            <TextInput
              id={id('interval')}
              value={query.interval}
              placeholder="$__interval"
              width={12}
              onChange={(interval) => set('interval', interval)}
              onBlur={onRunQuery}
            />
          </EditorField>
        )}
      </EditorRow>
      {spec?.Editor && <spec.Editor query={{ ...query, queryType }} onChange={onChange} onRunQuery={onRunQuery} />}
    </EditorRows>
  );
}
