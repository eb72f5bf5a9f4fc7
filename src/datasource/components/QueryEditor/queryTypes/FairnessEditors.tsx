import React from 'react';
import { EditorFieldGroup, EditorRow } from '@grafana/plugin-ui';
import { InlineSwitch, RadioButtonGroup } from '@grafana/ui';

import { withOption } from '../../../queryOptions';
import { DEFAULT_BINNING, DEFAULT_REFERENCE, type Reference } from '../../../types';
import { useEditorContext } from '../context';
import { FairnessEditor } from '../fields/FairnessEditor';
import { EnvironmentField, VersionField } from '../fields/ModelFields';
import { MetricField } from '../fields/MetricField';
import { NumberInput } from '../fields/NumberInput';
import { Field } from '../layout';
import { SegmentFields } from '../fields/SegmentFields';
import type { QueryTypeEditorProps } from '../types';
import {
  BoundField,
  ConfidenceField,
  hasInterval,
  MinGroupSizeField,
  withoutStaleUncertainty,
} from '../fields/UncertaintyFields';

/** A parity metric between the protected and the reference group, over time. */
export function FairnessQueryEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;
  return (
    <>
      <EditorRow>
        <MetricField {...props} onChange={(next) => onChange(withoutStaleUncertainty(next))} />
      </EditorRow>
      <EditorRow>
        <FairnessEditor {...props} />
      </EditorRow>
      <EditorRow>
        {hasInterval(query) && <ConfidenceField {...props} />}
        {hasInterval(query) && query.confidence !== undefined && <BoundField {...props} />}
        <MinGroupSizeField {...props} />
      </EditorRow>
    </>
  );
}

type BinSource = 'query' | 'environment';

const BIN_SOURCE_OPTIONS: Array<{ value: BinSource; label: string; description: string }> = [
  { value: 'query', label: 'Its own records', description: "Quantiles of the query's records over the time range" },
  { value: 'environment', label: 'An environment', description: 'Quantiles of an environment, e.g. the training data' },
];

/** Where a bias trace takes the quantile bins of numeric features from, and how many. */
export function BiasBinningEditor({ query, onChange, onRun }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  const reference = query.reference;
  const id = (key: string) => `vigil-bias-${key}-${query.refId}`;
  const setReference = (patch: Partial<Reference>) =>
    onChange(withOption(query, 'reference', { ...(reference ?? DEFAULT_REFERENCE), ...patch, type: 'environment' }));
  const referenceProblem = problems['reference.type'];

  return (
    <EditorFieldGroup>
      <Field
        label="Bin numeric features by"
        tooltip="Numeric features are cut into quantile bins of these records"
        invalid={!!referenceProblem}
        error={referenceProblem}
      >
        <RadioButtonGroup<BinSource>
          options={BIN_SOURCE_OPTIONS}
          value={reference ? 'environment' : 'query'}
          onChange={(source) =>
            onChange(withOption(query, 'reference', source === 'environment' ? { ...DEFAULT_REFERENCE } : undefined))
          }
        />
      </Field>
      {reference && (
        <>
          <EnvironmentField
            id={id('environment')}
            label="Environment"
            model={query.model}
            value={reference.environment}
            placeholder="training"
            problemKey="reference.environment"
            onChange={(environment) => setReference({ environment })}
          />
          <VersionField
            id={id('version')}
            label="Version"
            optional
            tooltip="Bin by one version of the environment; empty means all of its versions"
            model={query.model}
            value={reference.version}
            placeholder="any version"
            problemKey="reference.version"
            onChange={(version) => setReference({ version })}
          />
        </>
      )}
      <Field
        label="Bins"
        optional
        tooltip="Quantile bins per numeric feature, 2 to 100"
        invalid={!!(problems['binning.bins'] ?? problems['binning.strategy'])}
        error={problems['binning.bins'] ?? problems['binning.strategy']}
        width="number"
      >
        <NumberInput
          id={id('bins')}
          value={query.binning?.bins}
          placeholder={String(DEFAULT_BINNING.bins)}
          onChange={(bins) =>
            onChange(withOption(query, 'binning', bins === undefined ? undefined : { ...query.binning, bins }), false)
          }
          onBlur={onRun}
        />
      </Field>
    </EditorFieldGroup>
  );
}

/** Feature values ranked by how much they contribute to the disparity between the groups. */
export function BiasTraceEditor(props: QueryTypeEditorProps) {
  const { query, onChange } = props;
  const toggle = (key: 'overTime' | 'pairs', on: boolean) => onChange(withOption(query, key, on || undefined));

  return (
    <>
      <EditorRow>
        <MetricField {...props} />
      </EditorRow>
      <EditorRow>
        <FairnessEditor {...props} />
      </EditorRow>
      <EditorRow>
        <SegmentFields {...props} idName="trace" sizeTooltip="Segments with fewer records than this are not ranked" />
        <Field label="Over time" tooltip="Also give the metric of each segment per time bucket">
          <InlineSwitch
            id={`vigil-overtime-${query.refId}`}
            value={query.overTime ?? false}
            onChange={(event) => toggle('overTime', event.currentTarget.checked)}
          />
        </Field>
        <Field label="Pairs" tooltip="Also trace segments of two features at once">
          <InlineSwitch
            id={`vigil-pairs-${query.refId}`}
            value={query.pairs ?? false}
            onChange={(event) => toggle('pairs', event.currentTarget.checked)}
          />
        </Field>
      </EditorRow>
      <EditorRow>
        <ConfidenceField {...props} />
      </EditorRow>
      <EditorRow>
        <BiasBinningEditor {...props} />
      </EditorRow>
    </>
  );
}
