import React from 'react';
import { EditorField, EditorRow } from '@grafana/plugin-ui';
import { RadioButtonGroup } from '@grafana/ui';

import { withOption } from '../../../queryOptions';
import { CALIBRATIONS, DEFAULT_REFERENCE, type Calibration } from '../../../types';
import { useEditorContext } from '../context';
import { FieldRefsField } from '../fields/FieldRefs';
import { MetricField } from '../fields/MetricField';
import { ReferenceEditor } from '../fields/ReferenceEditor';
import type { QueryTypeEditorProps } from '../types';
import { PositiveField } from '../fields/PositiveField';
import { SegmentFields } from '../fields/SegmentFields';
import { BiasBinningEditor } from './FairnessEditors';

/** Metrics compared with the reference: the others describe the current data alone. */
const REFERENCE_METRICS = ['new_category_rate', 'out_of_range_rate'];

/** Missing, out-of-range and new values and summary statistics per version and field. */
export function DataQualityEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;
  return (
    <>
      <EditorRow>
        <MetricField {...props} />
        <FieldRefsField
          id={`vigil-dq-fields-${query.refId}`}
          label="Fields"
          optional
          tooltip="Features, tags, prediction.score, prediction.value or actual.value; empty means every feature the metric applies to"
          model={query.model}
          value={query.features}
          placeholder="every feature"
          problemKey="features"
          onChange={(features) => onChange(withOption(query, 'features', features))}
        />
      </EditorRow>
      {REFERENCE_METRICS.includes(query.metric ?? '') && (
        <EditorRow>
          <ReferenceEditor {...props} />
        </EditorRow>
      )}
    </>
  );
}

const CALIBRATION_OPTIONS: Array<{ value: Calibration; label: string; description: string }> = [
  {
    value: 'isotonic',
    label: 'Isotonic',
    description: 'Fit scores to outcomes on reference records that have actuals',
  },
  { value: 'none', label: 'None', description: 'Take the scores as probabilities' },
];

type CalibrationSource = 'default' | 'reference';
const SOURCE_OPTIONS: Array<{ value: CalibrationSource; label: string; description: string }> = [
  {
    value: 'default',
    label: "Each version's validation data",
    description: 'Its validation records with actuals, else its training records',
  },
  { value: 'reference', label: 'A reference', description: 'An environment, a version or a fixed window' },
];

/** Accuracy, F1, AUC… estimated from calibrated scores, before the actuals arrive. */
export function EstimatedPerformanceEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;
  const { problems } = useEditorContext();
  const calibration = query.calibration ?? CALIBRATIONS[0];
  return (
    <>
      <EditorRow>
        <MetricField {...props} />
        <PositiveField {...props} tooltip="The class whose probability the score is (default 1)" />
        <EditorField
          label="Calibration"
          tooltip="How scores become the probability that a record is positive"
          invalid={!!problems.calibration}
          error={problems.calibration}
        >
          <RadioButtonGroup<Calibration>
            options={CALIBRATION_OPTIONS}
            value={calibration}
            onChange={(value) =>
              onChange(withOption(query, 'calibration', value === CALIBRATIONS[0] ? undefined : value))
            }
          />
        </EditorField>
      </EditorRow>
      {calibration === 'isotonic' && (
        <EditorRow>
          <EditorField
            label="Calibrate on"
            tooltip="The records with actuals the isotonic calibration is fitted on"
            invalid={!!problems['reference.type']}
            error={problems['reference.type']}
          >
            <RadioButtonGroup<CalibrationSource>
              options={SOURCE_OPTIONS}
              value={query.reference ? 'reference' : 'default'}
              onChange={(source) =>
                onChange(withOption(query, 'reference', source === 'reference' ? { ...DEFAULT_REFERENCE } : undefined))
              }
            />
          </EditorField>
          {query.reference && <ReferenceEditor {...props} />}
        </EditorRow>
      )}
    </>
  );
}

/** Segments (one value of a feature) ranked by how much they pull a performance metric down. */
export function PerformanceTraceEditor(props: QueryTypeEditorProps) {
  return (
    <>
      <EditorRow>
        <MetricField {...props} />
        <PositiveField {...props} tooltip="The class whose probability the score is (default 1)" />
      </EditorRow>
      <EditorRow>
        <SegmentFields
          {...props}
          idName="perftrace"
          sizeTooltip="Segments with fewer records with actuals than this are not ranked"
        />
      </EditorRow>
      <EditorRow>
        <BiasBinningEditor {...props} />
      </EditorRow>
    </>
  );
}
