import React from 'react';
import { Field } from '../layout';
import { RadioButtonGroup } from '@grafana/ui';

import { withOption } from '../../../queryOptions';
import {
  type FairnessBound,
  INTERVAL_METRICS,
  P_VALUE_METRICS,
  type PValueAdjustment,
  type VigilQuery,
} from '../../../types';
import { useEditorContext } from '../context';
import type { QueryTypeEditorProps } from '../types';
import { NumberOptionField } from './NumberInput';

/** 0 stands for "no interval" in the radio group; the option is then unset. */
const LEVELS = [0, 0.9, 0.95, 0.99];

const levelLabel = (level: number) => (level === 0 ? 'None' : `${Number((level * 100).toPrecision(4))}%`);

/** Whether the query's metric has a confidence interval. */
export function hasInterval(query: VigilQuery): boolean {
  return query.queryType === 'biasTrace' || INTERVAL_METRICS.includes(query.metric ?? 'disparate_impact');
}

/** Whether the query's metric is a p-value that can be adjusted across features. */
export function isPValueQuery(query: VigilQuery): boolean {
  return query.queryType === 'drift' && P_VALUE_METRICS.includes(query.metric ?? 'psi');
}

/**
 * The query after a metric change: options the new metric cannot take (an interval, a bound, an adjustment)
 * are dropped, since their fields are hidden and the backend refuses them.
 */
export function withoutStaleUncertainty(query: VigilQuery): VigilQuery {
  let next = query;
  if (query.queryType === 'fairness' && !hasInterval(query)) {
    next = withOption(withOption(next, 'confidence', undefined), 'bound', undefined);
  }
  if (query.queryType === 'drift' && !isPValueQuery(query)) {
    next = withOption(next, 'adjust', undefined);
  }
  return next;
}

/** The confidence level of fairness intervals: bound series (fairness) or segment intervals (bias trace). */
export function ConfidenceField({ query, onChange }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  const saved = query.confidence;
  const levels = saved !== undefined && !LEVELS.includes(saved) ? [...LEVELS, saved] : LEVELS;
  const tooltip =
    query.queryType === 'biasTrace'
      ? 'Each segment’s disparate impact interval; segments whose interval contains 1 are greyed in the bias trace panel'
      : 'Adds lower and upper bound series (a band on the dashboard): alert on a bound to fire only on disparities that are not chance';
  return (
    <Field label="Confidence interval" tooltip={tooltip} invalid={!!problems.confidence} error={problems.confidence}>
      <RadioButtonGroup<number>
        options={levels.map((level) => ({ value: level, label: levelLabel(level) }))}
        value={saved ?? 0}
        onChange={(level) => {
          let next = withOption(query, 'confidence', level === 0 ? undefined : level);
          if (level === 0) {
            next = withOption(next, 'bound', undefined);
          }
          onChange(next);
        }}
      />
    </Field>
  );
}

type BoundChoice = 'all' | FairnessBound;

const BOUND_OPTIONS: Array<{ value: BoundChoice; label: string; description: string }> = [
  { value: 'all', label: 'Value and bounds', description: 'The metric with its lower and upper bound series' },
  { value: 'lower', label: 'Lower bound', description: 'Only the lower bound series, for an alert rule' },
  { value: 'upper', label: 'Upper bound', description: 'Only the upper bound series, for an alert rule' },
];

/** Which series a fairness query with an interval answers: all three, or one bound for an alert rule. */
export function BoundField({ query, onChange }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  return (
    <Field
      label="Series"
      tooltip="An alert rule on “upper bound of disparate impact below 0.8” fires only when the disparity is not chance"
      invalid={!!problems.bound}
      error={problems.bound}
    >
      <RadioButtonGroup<BoundChoice>
        options={BOUND_OPTIONS}
        value={query.bound ?? 'all'}
        onChange={(choice) => onChange(withOption(query, 'bound', choice === 'all' ? undefined : choice))}
      />
    </Field>
  );
}

/** The smallest protected or reference group a fairness point is computed from. */
export function MinGroupSizeField(props: QueryTypeEditorProps) {
  return (
    <NumberOptionField
      {...props}
      option="minGroupSize"
      idName="mingroupsize"
      label="Minimum group size"
      tooltip="A bucket where the protected or the reference group has fewer records gets no point (1 keeps every bucket)"
      placeholder="30"
      width="number"
    />
  );
}

type AdjustChoice = 'none' | PValueAdjustment;

const ADJUST_OPTIONS: Array<{ value: AdjustChoice; label: string; description: string }> = [
  { value: 'none', label: 'None', description: 'Each feature’s own p-value' },
  {
    value: 'bh',
    label: 'Benjamini–Hochberg',
    description: 'Keeps the share of false alarms among the flagged features at the threshold',
  },
  { value: 'bonferroni', label: 'Bonferroni', description: 'Keeps the chance of any false alarm at the threshold' },
];

/** The adjustment of drift p-values across the query's features (shown for p-value metrics). */
export function AdjustField({ query, onChange }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  return (
    <Field
      label="Adjust p-values across features"
      tooltip="Many features tested every bucket raise false alarms; adjusted p-values below 0.05 keep them in check"
      invalid={!!problems.adjust}
      error={problems.adjust}
    >
      <RadioButtonGroup<AdjustChoice>
        options={ADJUST_OPTIONS}
        value={query.adjust ?? 'none'}
        onChange={(choice) => onChange(withOption(query, 'adjust', choice === 'none' ? undefined : choice))}
      />
    </Field>
  );
}
