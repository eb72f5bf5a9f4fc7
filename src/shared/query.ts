import type { DataQuery } from '@grafana/schema';

/**
 * The Vigil query model. Queries are saved in dashboards and alert rules, so the JSON keys below are a
 * public interface shared with the backend: change them only together with its query parsing.
 */

export const QUERY_TYPES = [
  'drift',
  'embeddingDrift',
  'performance',
  'fairness',
  'biasTrace',
  'traffic',
  'embeddings',
  'distribution',
  'models',
  'dataQuality',
  'estimatedPerformance',
  'performanceTrace',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const DRIFT_TARGETS = ['feature', 'prediction', 'actual'] as const;
export type DriftTarget = (typeof DRIFT_TARGETS)[number];

export const DRIFT_METRICS = [
  'psi',
  'kl',
  'js',
  'hellinger',
  'ks',
  'ks_pvalue',
  'wasserstein',
  'wasserstein_norm',
  'chi2',
  'chi2_pvalue',
] as const;
export type DriftMetric = (typeof DRIFT_METRICS)[number];

export const EMBEDDING_DRIFT_METRICS = ['euclidean', 'cosine'] as const;
export type EmbeddingDriftMetric = (typeof EMBEDDING_DRIFT_METRICS)[number];

export const PERFORMANCE_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'auc',
  'log_loss',
  'rmse',
  'mae',
  'mape',
  'r2',
] as const;
export type PerformanceMetric = (typeof PERFORMANCE_METRICS)[number];

export const FAIRNESS_METRICS = [
  'disparate_impact',
  'statistical_parity_difference',
  'equal_opportunity_difference',
  'average_odds_difference',
  'predictive_parity_ratio',
  'selection_rate',
] as const;
export type FairnessMetric = (typeof FAIRNESS_METRICS)[number];

export const TRAFFIC_METRICS = ['count', 'share'] as const;
export type TrafficMetric = (typeof TRAFFIC_METRICS)[number];

export const DATA_QUALITY_METRICS = [
  'missing_rate',
  'new_category_rate',
  'out_of_range_rate',
  'mean',
  'std',
  'min',
  'p05',
  'p25',
  'p50',
  'p75',
  'p95',
  'max',
  'distinct',
] as const;
export type DataQualityMetric = (typeof DATA_QUALITY_METRICS)[number];

/** Metrics of a binary classifier estimated from its scores before the actuals arrive. */
export const ESTIMATED_PERFORMANCE_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'auc'] as const;

/** How estimatedPerformance maps scores to probabilities; the first is the default. */
export const CALIBRATIONS = ['isotonic', 'none'] as const;
export type Calibration = (typeof CALIBRATIONS)[number];

export type Metric =
  DriftMetric | EmbeddingDriftMetric | PerformanceMetric | FairnessMetric | TrafficMetric | DataQualityMetric;

/** The metrics each query type accepts, the default first; query types without an entry take no metric. */
export const METRICS_BY_QUERY_TYPE: Partial<Record<QueryType, readonly Metric[]>> = {
  drift: DRIFT_METRICS,
  distribution: DRIFT_METRICS,
  embeddingDrift: EMBEDDING_DRIFT_METRICS,
  performance: PERFORMANCE_METRICS,
  fairness: FAIRNESS_METRICS,
  biasTrace: FAIRNESS_METRICS,
  traffic: TRAFFIC_METRICS,
  dataQuality: DATA_QUALITY_METRICS,
  estimatedPerformance: ESTIMATED_PERFORMANCE_METRICS,
  performanceTrace: PERFORMANCE_METRICS,
};

export const EMBEDDING_REDUCTIONS = ['pca', 'none'] as const;
export type EmbeddingReduction = (typeof EMBEDDING_REDUCTIONS)[number];

/** Lifecycle statuses of a model version. */
export const VERSION_STATUSES = ['shadow', 'canary', 'active', 'deprecated'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export const REFERENCE_TYPES = ['environment', 'window', 'rolling', 'version'] as const;
export type ReferenceType = (typeof REFERENCE_TYPES)[number];

/**
 * What the current data is compared with.
 * - `environment`: another environment (e.g. training), optionally one `version` of it;
 * - `window`: a fixed time range `from`..`to`;
 * - `rolling`: the span `window` (e.g. `7d`) just before each bucket;
 * - `version`: another model `version`.
 */
export interface Reference {
  type: ReferenceType;
  environment?: string;
  version?: string;
  from?: string;
  to?: string;
  window?: string;
}

export const BINNING_STRATEGIES = ['quantile', 'uniform'] as const;
export type BinningStrategy = (typeof BINNING_STRATEGIES)[number];

export interface Binning {
  strategy?: BinningStrategy;
  bins?: number;
}

export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'is null', 'is not null'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export type FilterScalar = string | number | boolean;

/** Operators that compare with nothing: the filter has no value. */
export const NULL_OPS: readonly FilterOp[] = ['is null', 'is not null'];
/** Operators that take a list of values; `=` and `!=` also accept one (it then means any of / none of). */
export const LIST_OPS: readonly FilterOp[] = ['=', '!=', 'in', 'not in'];

/**
 * A record filter. `field` is a field reference: `features.NAME` (or a bare `NAME`), `tags.NAME`,
 * `prediction.label`, `prediction.score`, `prediction.value`, `actual.label`, `actual.value`, `version` or
 * `environment`. A list `value` (from a multi-value dashboard variable) means any of the values.
 */
export interface Filter {
  field: string;
  op: FilterOp;
  /** Absent for `is null` and `is not null`. */
  value?: FilterScalar | FilterScalar[];
}

/** Groups compared by the fairness metrics; `protected` is the unprivileged group, `reference` the privileged one. */
export interface FairnessGroups {
  /** Field reference of the protected attribute, e.g. `tags.sex`. */
  attribute: string;
  protected: string[];
  reference: string[];
  /** The favourable label, compared with prediction and actual labels. */
  favorable: string;
}

export interface VigilQuery extends DataQuery {
  queryType?: QueryType;
  model?: string;
  versions?: string[];
  environment?: string;
  /** What drifts: feature values, predictions or actuals (`drift` only). */
  target?: DriftTarget;
  /** Features to compare (`drift`, `distribution`) or to trace (`biasTrace`). */
  features?: string[];
  metric?: Metric;
  reference?: Reference;
  binning?: Binning;
  filters?: Filter[];
  /** Bucket width such as `1h`; when absent the backend uses the panel's interval. */
  interval?: string;
  /** Field references whose values split the series (`performance`). */
  groupBy?: string[];
  fairness?: FairnessGroups;
  /** The label that counts as positive for precision, recall, F1, AUC and log loss (`performance`; default `1`). */
  positive?: string;
  /** Maximum number of sampled points (`embeddings`) or of segments (`biasTrace`, default 200). */
  limit?: number;
  /** Maximum number of reference points (`embeddings`). */
  referenceLimit?: number;
  /** Maximum number of current points (`embeddings`). */
  currentLimit?: number;
  /** Dimension reduction of the sampled vectors before they are sent (`embeddings`; default `pca`). */
  reduce?: EmbeddingReduction;
  /** Smallest group of novel embeddings reported as a new cluster (`embeddings`; at least 2, default 10). */
  minClusterSize?: number;
  /** Smallest segment a bias trace ranks (`biasTrace`, default 30). */
  minCount?: number;
  /** Adds the bias trace's metric per time bucket (`biasTrace`). */
  overTime?: boolean;
  /** Also traces the segments of two features at once (`biasTrace`). */
  pairs?: boolean;
  /** Keeps the versions whose lifecycle status is one of these (`traffic`, `models`): VERSION_STATUSES or variables. */
  status?: string[];
  /** How scores become probabilities (`estimatedPerformance`; default `isotonic`, fitted on the reference). */
  calibration?: Calibration;
  /**
   * Confidence level of fairness intervals, e.g. 0.95 (`fairness`: lower and upper bound series; `biasTrace`:
   * each segment's disparate impact interval). Only for INTERVAL_METRICS.
   */
  confidence?: number;
  /** Smallest protected or reference group a fairness point is computed from (`fairness`; default 30). */
  minGroupSize?: number;
  /** Keeps only the lower or the upper bound series (`fairness` with a confidence level), for alert rules. */
  bound?: FairnessBound;
  /** Adjusts p-values across the query's features in each bucket and version (`drift` of P_VALUE_METRICS). */
  adjust?: PValueAdjustment;
}

/** The fairness metrics that have a confidence interval. */
export const INTERVAL_METRICS: readonly string[] = [
  'disparate_impact',
  'statistical_parity_difference',
  'equal_opportunity_difference',
  'selection_rate',
];

/** The drift metrics whose values are p-values. */
export const P_VALUE_METRICS: readonly string[] = ['ks_pvalue', 'chi2_pvalue'];

export const FAIRNESS_BOUNDS = ['lower', 'upper'] as const;
export type FairnessBound = (typeof FAIRNESS_BOUNDS)[number];

export const P_VALUE_ADJUSTMENTS = ['bh', 'bonferroni'] as const;
export type PValueAdjustment = (typeof P_VALUE_ADJUSTMENTS)[number];

/** A new query: traffic of every model, which needs no other option, so a new panel shows data at once. */
export const DEFAULT_QUERY: Partial<VigilQuery> = {
  queryType: 'traffic',
  metric: 'count',
};

/** The reference a query that compares with one starts with. */
export const DEFAULT_REFERENCE: Reference = { type: 'environment', environment: 'training' };

export const DEFAULT_BINNING: Required<Binning> = { strategy: 'quantile', bins: 10 };
