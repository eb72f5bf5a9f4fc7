import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';
import { RadioButtonGroup } from '@grafana/ui';

import { withOption } from '../../../queryOptions';
import type { EmbeddingReduction } from '../../../types';
import { MetricField } from '../fields/MetricField';
import { NumberOptionField } from '../fields/NumberInput';
import { ReferenceEditor } from '../fields/ReferenceEditor';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';

/** Distance between the embedding centroids of each version and the reference. */
export function EmbeddingDriftEditor(props: QueryTypeEditorProps) {
  return (
    <>
      <EditorRow>
        <MetricField {...props} />
      </EditorRow>
      <EditorRow>
        <ReferenceEditor {...props} />
      </EditorRow>
    </>
  );
}

const LIMITS = [
  {
    key: 'limit',
    label: 'Points',
    tooltip: 'Largest number of sampled points in all; empty uses the data source limit',
  },
  { key: 'referenceLimit', label: 'Reference points', tooltip: 'Largest number of points sampled from the reference' },
  { key: 'currentLimit', label: 'Current points', tooltip: 'Largest number of points sampled from the current data' },
] as const;

const REDUCE_OPTIONS: Array<{ value: EmbeddingReduction; label: string; description: string }> = [
  { value: 'pca', label: 'PCA', description: 'Project the vectors to at most 50 dimensions before sending them' },
  { value: 'none', label: 'None', description: 'Send the vectors as they are stored' },
];

/** Sampled embedding vectors of the current data and the reference, for the embeddings panel. */
export function EmbeddingsEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;

  return (
    <>
      <EditorRow>
        {LIMITS.map(({ key, label, tooltip }) => (
          <NumberOptionField
            key={key}
            {...props}
            option={key}
            label={label}
            tooltip={tooltip}
            placeholder="data source limit"
            width="short"
          />
        ))}
        <Field label="Reduction" tooltip="Dimension reduction of the sampled vectors">
          <RadioButtonGroup<EmbeddingReduction>
            options={REDUCE_OPTIONS}
            value={query.reduce ?? 'pca'}
            onChange={(reduce) => onChange(withOption(query, 'reduce', reduce))}
          />
        </Field>
        <NumberOptionField
          {...props}
          option="minClusterSize"
          idName="minclustersize"
          label="Smallest new cluster"
          tooltip="Fewest novel points reported as a new cluster (at least 2)"
          placeholder="10"
          width="short"
        />
      </EditorRow>
      <EditorRow>
        <ReferenceEditor {...props} />
      </EditorRow>
    </>
  );
}
