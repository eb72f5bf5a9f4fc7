import React from 'react';

import { withOption } from '../../../queryOptions';
import { useEditorContext } from '../context';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { useValueOptions } from './FieldRefs';
import { emptyMessage, listingHint, loadErrorMessage, Picker } from './pickers';

/** The positive-label picker of the queries that single out one class, from the model's actual labels. */
export function PositiveField({ query, onChange, tooltip }: QueryTypeEditorProps & { tooltip: string }) {
  const labels = useValueOptions(query.model, 'actual.label');
  const { problems } = useEditorContext();
  const error = problems.positive ?? loadErrorMessage('labels', labels.values.error);
  return (
    <Field label="Positive label" optional tooltip={tooltip} invalid={!!error} error={error} width="short">
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
  );
}
