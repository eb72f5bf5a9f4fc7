import React from 'react';

import { METRIC_LABELS } from '../../../../shared/labels';
import { METRICS_BY_QUERY_TYPE, type Metric } from '../../../types';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { Choice } from './pickers';

const optionsOf = (metrics: readonly Metric[]) =>
  metrics.map((metric) => ({ value: metric, label: METRIC_LABELS[metric] }));
const METRIC_OPTIONS = new Map(Object.values(METRICS_BY_QUERY_TYPE).map((metrics) => [metrics, optionsOf(metrics)]));

/** The metric of a query type that has a metric list; renders nothing for the others. */
export function MetricField({ query, onChange }: QueryTypeEditorProps) {
  const metrics = query.queryType ? METRICS_BY_QUERY_TYPE[query.queryType] : undefined;
  if (!metrics) {
    return null;
  }
  const options = METRIC_OPTIONS.get(metrics) ?? optionsOf(metrics);

  return (
    <Field label="Metric" width="long">
      <Choice<Metric>
        id={`vigil-metric-${query.refId}`}
        options={options}
        // The backend uses the first metric when none is saved.
        value={query.metric ?? metrics[0]}
        onChange={(metric) => onChange({ ...query, metric })}
      />
    </Field>
  );
}
