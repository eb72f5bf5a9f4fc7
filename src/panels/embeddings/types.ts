import type { ProjectionParams } from './layout';

export type ColorBy = 'set' | 'environment' | 'version' | 'time' | 'prediction' | 'actual' | 'cluster';
export type ShowSet = 'both' | 'current' | 'reference';
export type ExportFormat = 'csv' | 'ndjson';

export interface EmbeddingsOptions {
  /** UMAP's neighbourhood size: larger keeps more global structure. */
  nNeighbors: number;
  /** UMAP's minimum distance between points in the layout. */
  minDist: number;
  /** Optimisation epochs; 0 chooses from the number of points. */
  epochs: number;
  colorBy: ColorBy;
  pointSize: number;
  showSet: ShowSet;
  /** Outline the new clusters (convex hull of their points in the layout). */
  showOutlines: boolean;
  exportFormat: ExportFormat;
}

export const DEFAULT_OPTIONS: EmbeddingsOptions = {
  nNeighbors: 15,
  minDist: 0.1,
  epochs: 0,
  colorBy: 'set',
  pointSize: 3,
  showSet: 'both',
  showOutlines: true,
  exportFormat: 'csv',
};

/** What the panel asks the projection worker. */
export interface ProjectionRequest {
  runId: number;
  /** The base64 vectors joined by newlines: one string crosses to the worker far faster than thousands. */
  vectors: string;
  params: ProjectionParams;
}

/** What the worker answers: layouts as they improve, or an error. */
export type LayoutMessage =
  | {
      type: 'layout';
      runId: number;
      epoch: number;
      nEpochs: number;
      done: boolean;
      /** x0, y0, x1, y1, … in layout space. */
      coordinates: Float32Array;
      elapsedMs: number;
    }
  | { type: 'error'; runId: number; message: string };
