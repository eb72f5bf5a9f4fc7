import React from 'react';
import { EditorFieldGroup } from '@grafana/plugin-ui';
import { RadioButtonGroup } from '@grafana/ui';

import { BINNING_STRATEGIES, DEFAULT_BINNING, type Binning, type BinningStrategy } from '../../../types';
import { useEditorContext } from '../context';
import { Field } from '../layout';
import { withOption } from '../../../queryOptions';
import type { QueryTypeEditorProps } from '../types';
import { NumberInput } from './NumberInput';

const STRATEGY_OPTIONS = BINNING_STRATEGIES.map((strategy) => ({
  value: strategy,
  label: strategy === 'quantile' ? 'Quantile' : 'Uniform',
  description:
    strategy === 'quantile'
      ? 'Bin edges at quantiles of the reference: equally filled bins'
      : 'Equally wide bins between the reference minimum and maximum',
}));

/** How numeric values are binned before distributions are compared. */
export function BinningEditor({ query, onChange, onRun }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  const binning = query.binning ?? {};

  const update = (patch: Partial<Binning>, run = true) => {
    const next: Binning = { ...binning, ...patch };
    if (next.bins === undefined) {
      delete next.bins;
    }
    const empty = next.strategy === undefined && next.bins === undefined;
    onChange(withOption(query, 'binning', empty ? undefined : next), run);
  };

  return (
    <EditorFieldGroup>
      <Field label="Binning" tooltip="How numeric values are binned; categories are compared as they are">
        <RadioButtonGroup<BinningStrategy>
          options={STRATEGY_OPTIONS}
          value={binning.strategy ?? DEFAULT_BINNING.strategy}
          onChange={(strategy) => update({ strategy })}
        />
      </Field>
      <Field
        label="Bins"
        optional
        tooltip="Number of bins, 2 to 100"
        invalid={!!problems['binning.bins']}
        error={problems['binning.bins']}
        width="number"
      >
        <NumberInput
          id={`vigil-bins-${query.refId}`}
          value={binning.bins}
          placeholder={String(DEFAULT_BINNING.bins)}
          onChange={(bins) => update({ bins }, false)}
          onBlur={onRun}
        />
      </Field>
    </EditorFieldGroup>
  );
}
