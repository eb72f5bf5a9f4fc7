import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { withOption } from '../../../queryOptions';
import type { Metric } from '../../../types';
import { FieldRefsField, useValueOptions } from '../fields/FieldRefs';
import { MetricField } from '../fields/MetricField';
import { emptyMessage, listingHint, loadErrorMessage, Picker } from '../fields/pickers';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';

/** Metrics that single out one class as the positive one. */
const POSITIVE_METRICS: readonly Metric[] = ['precision', 'recall', 'f1', 'auc', 'log_loss'];

/** Accuracy, F1, AUC, RMSE… per version and environment, optionally split by field values. */
export function PerformanceEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;
  const labels = useValueOptions(query.model, 'actual.label');
  const positiveError = loadErrorMessage('labels', labels.values.error);

  return (
    <EditorRow>
      <MetricField {...props} />
      {query.metric !== undefined && POSITIVE_METRICS.includes(query.metric) && (
        <Field
          label="Positive label"
          optional
          tooltip="The class that counts as positive for precision, recall, F1, AUC and log loss (default 1)"
          invalid={!!positiveError}
          error={positiveError}
          width="short"
        >
          <Picker
            id={`vigil-positive-${query.refId}`}
            value={query.positive}
            options={labels.options}
            loading={labels.values.loading}
            placeholder="1"
            clearable
            hint={listingHint('labels', labels.values.templated, !query.model)}
            noOptionsMessage={emptyMessage('labels')}
            onChange={(positive) => onChange(withOption(query, 'positive', positive))}
          />
        </Field>
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
