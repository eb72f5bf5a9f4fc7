import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';
import { RadioButtonGroup } from '@grafana/ui';

import { DRIFT_TARGET_LABELS } from '../../../../shared/labels';
import { DRIFT_TARGETS, type DriftTarget, type VigilQuery } from '../../../types';
import { BinningEditor } from '../fields/BinningEditor';
import { FeatureField, FeaturesField } from '../fields/FeaturesField';
import { MetricField } from '../fields/MetricField';
import { ReferenceEditor } from '../fields/ReferenceEditor';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { AdjustField, isPValueQuery, withoutStaleUncertainty } from '../fields/UncertaintyFields';

const TARGET_OPTIONS = DRIFT_TARGETS.map((target) => ({ value: target, label: DRIFT_TARGET_LABELS[target] }));

/** The drifting target of a drift or distribution query; features are only chosen for feature drift. */
function TargetField({ query, onChange }: QueryTypeEditorProps) {
  return (
    <Field label="Drift of">
      <RadioButtonGroup<DriftTarget>
        options={TARGET_OPTIONS}
        // The backend compares features when no target is saved.
        value={query.target ?? 'feature'}
        onChange={(target) => {
          const next: VigilQuery = { ...query, target };
          // Feature names mean nothing for predictions and actuals.
          if (target !== 'feature') {
            delete next.features;
          }
          onChange(next);
        }}
      />
    </Field>
  );
}

/** Drift series per version and feature (or prediction, or actual) against a reference. */
export function DriftEditor(props: QueryTypeEditorProps) {
  return <HistogramComparisonEditor {...props} features={<FeaturesField {...props} />} />;
}

/** The histogram of one feature (or of the predictions, or actuals) beside the reference's. */
export function DistributionEditor(props: QueryTypeEditorProps) {
  return <HistogramComparisonEditor {...props} features={<FeatureField {...props} />} />;
}

/** What drift and distribution queries share: the target, its feature picker, metric, reference and binning. */
function HistogramComparisonEditor(props: QueryTypeEditorProps & { features: React.ReactNode }) {
  const target = props.query.target ?? 'feature';
  return (
    <>
      <EditorRow>
        <TargetField {...props} />
        {target === 'feature' && props.features}
        <MetricField {...props} onChange={(next) => props.onChange(withoutStaleUncertainty(next))} />
      </EditorRow>
      {isPValueQuery(props.query) && (
        <EditorRow>
          <AdjustField {...props} />
        </EditorRow>
      )}
      <EditorRow>
        <ReferenceEditor {...props} />
      </EditorRow>
      <EditorRow>
        <BinningEditor {...props} />
      </EditorRow>
    </>
  );
}
