import React from 'react';
import { EditorField } from '@grafana/plugin-ui';
import { Combobox } from '@grafana/ui';

import { METRIC_LABELS } from '../../../../shared/labels';
import { METRICS_BY_QUERY_TYPE, type Metric } from '../../../types';
import type { QueryTypeEditorProps } from '../types';

/** The metric of a query type that has a metric list; renders nothing for the others. */
export function MetricField({ query, onChange, onRunQuery }: QueryTypeEditorProps) {
  const metrics = query.queryType ? METRICS_BY_QUERY_TYPE[query.queryType] : undefined;
  if (!metrics) {
    return null;
  }
  const options = metrics.map((metric) => ({ value: metric, label: METRIC_LABELS[metric] }));

  return (
    <EditorField label="Metric" width={26}>
      <Combobox<Metric>
        id={`vigil-metric-${query.refId}`}
        options={options}
        value={query.metric ?? null}
        onChange={(option) => {
          onChange({ ...query, metric: option.value });
          onRunQuery();
        }}
      />
    </EditorField>
  );
}
