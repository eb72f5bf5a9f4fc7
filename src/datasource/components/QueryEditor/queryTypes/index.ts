import type { ComponentType } from 'react';

import type { QueryType } from '../../../types';
import type { QueryTypeEditorProps } from '../types';
import { BiasTraceEditor } from './BiasTraceEditor';
import { DistributionEditor } from './DistributionEditor';
import { DriftEditor } from './DriftEditor';
import { EmbeddingDriftEditor } from './EmbeddingDriftEditor';
import { EmbeddingsEditor } from './EmbeddingsEditor';
import { FairnessQueryEditor } from './FairnessQueryEditor';
import { PerformanceEditor } from './PerformanceEditor';
import { TrafficEditor } from './TrafficEditor';

export interface QueryTypeSpec {
  /** Editor of the options specific to the query type; absent when it has none. */
  Editor?: ComponentType<QueryTypeEditorProps>;
  /** Answers with time series, so the bucket interval applies. */
  timeSeries: boolean;
  /** Compares with a reference, so a new query of this type starts with the default one. */
  usesReference: boolean;
}

export const QUERY_TYPE_SPECS: Record<QueryType, QueryTypeSpec> = {
  drift: { Editor: DriftEditor, timeSeries: true, usesReference: true },
  embeddingDrift: { Editor: EmbeddingDriftEditor, timeSeries: true, usesReference: true },
  performance: { Editor: PerformanceEditor, timeSeries: true, usesReference: false },
  fairness: { Editor: FairnessQueryEditor, timeSeries: true, usesReference: false },
  biasTrace: { Editor: BiasTraceEditor, timeSeries: false, usesReference: false },
  traffic: { Editor: TrafficEditor, timeSeries: true, usesReference: false },
  embeddings: { Editor: EmbeddingsEditor, timeSeries: false, usesReference: true },
  distribution: { Editor: DistributionEditor, timeSeries: false, usesReference: true },
  models: { timeSeries: false, usesReference: false },
};
