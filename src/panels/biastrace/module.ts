import { PanelPlugin } from '@grafana/data';

import { BiasTracePanel } from './BiasTracePanel';
import { DEFAULT_OPTIONS, type BiasTraceOptions } from './types';

const METRIC_OPTIONS = [
  { value: '', label: 'Query metric', description: 'The metric the query asked for (disparate impact by default)' },
  { value: 'disparate_impact', label: 'Disparate impact' },
  { value: 'statistical_parity_difference', label: 'Statistical parity difference' },
  { value: 'equal_opportunity_difference', label: 'Equal opportunity difference' },
  { value: 'average_odds_difference', label: 'Average odds difference' },
  { value: 'predictive_parity_ratio', label: 'Predictive parity ratio' },
  { value: 'selection_rate_protected', label: 'Selection rate, protected group' },
  { value: 'selection_rate_reference', label: 'Selection rate, reference group' },
];

export const plugin = new PanelPlugin<BiasTraceOptions>(BiasTracePanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'variable',
      name: 'Drill-down variable',
      description:
        'Dashboard variable that a click (or Enter) on a row sets to the segment value, e.g. segment; empty turns drill-down off',
      category: ['Drill-down'],
      defaultValue: DEFAULT_OPTIONS.variable,
    })
    .addTextInput({
      path: 'featureVariable',
      name: 'Feature variable',
      description: 'Optional dashboard variable set to the segment’s feature (e.g. features.region) at the same time',
      category: ['Drill-down'],
      defaultValue: DEFAULT_OPTIONS.featureVariable,
    })
    .addRadio({
      path: 'columns',
      name: 'Columns',
      description: 'Time buckets need the query option overTime; metrics shows every metric column of the answer',
      category: ['Heatmap'],
      settings: {
        options: [
          { value: 'auto', label: 'Auto' },
          { value: 'time', label: 'Time buckets' },
          { value: 'metrics', label: 'Metrics' },
        ],
      },
      defaultValue: DEFAULT_OPTIONS.columns,
    })
    .addSelect({
      path: 'metric',
      name: 'Metric over time',
      category: ['Heatmap'],
      settings: { options: METRIC_OPTIONS },
      defaultValue: DEFAULT_OPTIONS.metric,
      showIf: (options) => options.columns !== 'metrics',
    })
    .addBooleanSwitch({
      path: 'showValues',
      name: 'Values in cells',
      description: 'Print each cell’s value when the cell is wide enough',
      category: ['Heatmap'],
      defaultValue: DEFAULT_OPTIONS.showValues,
    })
    .addSliderInput({
      path: 'rowHeight',
      name: 'Row height',
      category: ['Heatmap'],
      settings: { min: 20, max: 48, step: 2 },
      defaultValue: DEFAULT_OPTIONS.rowHeight,
    })
);
