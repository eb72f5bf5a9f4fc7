import React from 'react';
import { EditorField, EditorRow } from '@grafana/plugin-ui';
import { RadioButtonGroup } from '@grafana/ui';

import { DRIFT_TARGET_LABELS } from '../../../../shared/labels';
import { DRIFT_TARGETS, type DriftTarget } from '../../../types';
import { FeaturesField } from '../fields/FeaturesField';
import { MetricField } from '../fields/MetricField';
import { ReferenceEditor } from '../fields/ReferenceEditor';
import type { QueryTypeEditorProps } from '../types';

const TARGET_OPTIONS = DRIFT_TARGETS.map((target) => ({ value: target, label: DRIFT_TARGET_LABELS[target] }));

export function DriftEditor(props: QueryTypeEditorProps) {
  const { query, onChange, onRunQuery } = props;
  const target = query.target ?? 'feature';

  return (
    <>
      <EditorRow>
        <EditorField label="Drift of">
          <RadioButtonGroup<DriftTarget>
            options={TARGET_OPTIONS}
            value={target}
            onChange={(next) => {
              onChange({ ...query, target: next });
              onRunQuery();
            }}
          />
        </EditorField>
        {target === 'feature' && <FeaturesField {...props} />}
        <MetricField {...props} />
      </EditorRow>
      <EditorRow>
        <ReferenceEditor {...props} />
      </EditorRow>
    </>
  );
}
