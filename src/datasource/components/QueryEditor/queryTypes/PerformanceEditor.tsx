import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { withOption } from '../../../queryOptions';
import type { Metric } from '../../../types';
import { FieldRefsField } from '../fields/FieldRefs';
import { MetricField } from '../fields/MetricField';
import { PositiveField } from '../fields/PositiveField';
import type { QueryTypeEditorProps } from '../types';

/** Metrics that single out one class as the positive one. */
const POSITIVE_METRICS: readonly Metric[] = ['precision', 'recall', 'f1', 'auc', 'log_loss'];

/** Accuracy, F1, AUC, RMSE… per version and environment, optionally split by field values. */
export function PerformanceEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;

  return (
    <EditorRow>
      <MetricField {...props} />
      {query.metric !== undefined && POSITIVE_METRICS.includes(query.metric) && (
        <PositiveField
          {...props}
          tooltip="The class that counts as positive for precision, recall, F1, AUC and log loss (default 1)"
        />
      )}
      <FieldRefsField
        id={`vigil-groupby-${query.refId}`}
        label="Group by"
        optional
        tooltip="Fields whose values split each series further, e.g. tags.channel"
        model={query.model}
        value={query.groupBy}
        placeholder="no grouping"
        problemKey="groupBy"
        onChange={(groupBy) => onChange(withOption(query, 'groupBy', groupBy))}
      />
    </EditorRow>
  );
}
