import type { ComponentType } from 'react';

import type { QueryType } from '../../../types';
import type { QueryTypeEditorProps } from '../types';
import { DistributionEditor, DriftEditor } from './DriftEditor';
import { EmbeddingDriftEditor, EmbeddingsEditor } from './EmbeddingEditors';
import { BiasTraceEditor, FairnessQueryEditor } from './FairnessEditors';
import { DataQualityEditor, EstimatedPerformanceEditor, PerformanceTraceEditor } from './HealthEditors';
import { ModelsEditor, TrafficEditor } from './InventoryEditors';
import { PerformanceEditor } from './PerformanceEditor';

/** The editor of the options specific to each query type. */
export const QUERY_TYPE_EDITORS: Record<QueryType, ComponentType<QueryTypeEditorProps>> = {
  drift: DriftEditor,
  distribution: DistributionEditor,
  embeddingDrift: EmbeddingDriftEditor,
  embeddings: EmbeddingsEditor,
  performance: PerformanceEditor,
  fairness: FairnessQueryEditor,
  biasTrace: BiasTraceEditor,
  traffic: TrafficEditor,
  models: ModelsEditor,
  dataQuality: DataQualityEditor,
  estimatedPerformance: EstimatedPerformanceEditor,
  performanceTrace: PerformanceTraceEditor,
};
