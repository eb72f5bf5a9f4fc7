import './publicPath';

import { PanelPlugin } from '@grafana/data';

import { EmbeddingsPanel } from './EmbeddingsPanel';
import { DEFAULT_OPTIONS, type EmbeddingsOptions } from './types';

export const plugin = new PanelPlugin<EmbeddingsOptions>(EmbeddingsPanel).setPanelOptions((builder) =>
  builder
    .addSliderInput({
      path: 'nNeighbors',
      name: 'Neighbours',
      description: 'UMAP’s neighbourhood size: larger keeps more of the global structure, smaller more local detail',
      category: ['Projection'],
      settings: { min: 5, max: 50, step: 1 },
      defaultValue: DEFAULT_OPTIONS.nNeighbors,
    })
    .addSliderInput({
      path: 'minDist',
      name: 'Minimum distance',
      description: 'How tightly UMAP packs neighbouring points',
      category: ['Projection'],
      settings: { min: 0, max: 1, step: 0.05 },
      defaultValue: DEFAULT_OPTIONS.minDist,
    })
    .addNumberInput({
      path: 'epochs',
      name: 'Epochs',
      description: 'Optimisation epochs; 0 chooses from the number of points (fewer for larger samples)',
      category: ['Projection'],
      settings: { min: 0, max: 1000, integer: true },
      defaultValue: DEFAULT_OPTIONS.epochs,
    })
    .addSelect({
      path: 'colorBy',
      name: 'Colour by',
      category: ['Points'],
      settings: {
        options: [
          { value: 'set', label: 'Reference / current' },
          { value: 'environment', label: 'Environment' },
          { value: 'version', label: 'Version' },
          { value: 'time', label: 'Time' },
          { value: 'prediction', label: 'Prediction' },
          { value: 'actual', label: 'Actual' },
          { value: 'cluster', label: 'New cluster' },
        ],
      },
      defaultValue: DEFAULT_OPTIONS.colorBy,
    })
    .addRadio({
      path: 'showSet',
      name: 'Show',
      category: ['Points'],
      settings: {
        options: [
          { value: 'both', label: 'Both' },
          { value: 'current', label: 'Current' },
          { value: 'reference', label: 'Reference' },
        ],
      },
      defaultValue: DEFAULT_OPTIONS.showSet,
    })
    .addSliderInput({
      path: 'pointSize',
      name: 'Point size',
      category: ['Points'],
      settings: { min: 1, max: 10, step: 1 },
      defaultValue: DEFAULT_OPTIONS.pointSize,
    })
    .addBooleanSwitch({
      path: 'showOutlines',
      name: 'Outline new clusters',
      description: 'The convex hull of each new cluster’s points in the projection',
      category: ['Points'],
      defaultValue: DEFAULT_OPTIONS.showOutlines,
    })
    .addRadio({
      path: 'exportFormat',
      name: 'Format',
      description: 'What Export downloads: CSV (RFC 4180) or NDJSON, from the data source’s export route',
      category: ['Export'],
      settings: {
        options: [
          { value: 'csv', label: 'CSV' },
          { value: 'ndjson', label: 'NDJSON' },
        ],
      },
      defaultValue: DEFAULT_OPTIONS.exportFormat,
    })
);
