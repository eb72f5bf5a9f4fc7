import { DEFAULT_REFERENCE, METRICS_BY_QUERY_TYPE, QUERY_TYPES, type QueryType, type VigilQuery } from './types';

/** Options that only some query types read. */
export type TypeOption =
  | 'target'
  | 'features'
  | 'metric'
  | 'reference'
  | 'binning'
  | 'filters'
  | 'interval'
  | 'groupBy'
  | 'fairness'
  | 'positive'
  | 'limit'
  | 'referenceLimit'
  | 'currentLimit'
  | 'minCount'
  | 'reduce'
  | 'minClusterSize'
  | 'overTime'
  | 'pairs'
  | 'status'
  | 'calibration'
  | 'confidence'
  | 'minGroupSize'
  | 'bound'
  | 'adjust';

/** The options each query type reads (DESIGN §4); `model`, `versions` and `environment` apply to all. */
export const QUERY_TYPE_OPTIONS: Record<QueryType, readonly TypeOption[]> = {
  drift: ['target', 'features', 'metric', 'reference', 'binning', 'filters', 'interval', 'adjust'],
  distribution: ['target', 'features', 'metric', 'reference', 'binning', 'filters'],
  embeddingDrift: ['metric', 'reference', 'filters', 'interval'],
  performance: ['metric', 'groupBy', 'positive', 'filters', 'interval'],
  fairness: ['metric', 'fairness', 'filters', 'interval', 'confidence', 'minGroupSize', 'bound'],
  biasTrace: [
    'metric',
    'fairness',
    'features',
    'reference',
    'binning',
    'minCount',
    'limit',
    'overTime',
    'pairs',
    'interval',
    'filters',
    'confidence',
  ],
  traffic: ['metric', 'status', 'filters', 'interval'],
  embeddings: ['reference', 'limit', 'referenceLimit', 'currentLimit', 'reduce', 'minClusterSize', 'filters'],
  models: ['status'],
  dataQuality: ['features', 'metric', 'reference', 'filters', 'interval'],
  estimatedPerformance: ['metric', 'calibration', 'reference', 'positive', 'filters', 'interval'],
  performanceTrace: ['metric', 'features', 'reference', 'binning', 'minCount', 'limit', 'positive', 'filters'],
};

const TYPE_OPTIONS = new Set<string>(Object.values(QUERY_TYPE_OPTIONS).flat());

/**
 * Query types that always compare with a reference (the training environment when none is saved). A bias
 * trace may have one too, but only an environment, to bin numeric features by.
 */
export const NEEDS_REFERENCE: readonly QueryType[] = [
  'drift',
  'distribution',
  'embeddingDrift',
  'embeddings',
  'dataQuality',
];

export function isQueryType(value: unknown): value is QueryType {
  return typeof value === 'string' && (QUERY_TYPES as readonly string[]).includes(value);
}

/** Whether a query type reads an option. */
export function usesOption(queryType: QueryType, option: TypeOption): boolean {
  return QUERY_TYPE_OPTIONS[queryType].includes(option);
}

/**
 * The query as it becomes when the user picks another query type: options the new type does not read
 * are removed (the backend refuses some of them, such as a reference on a performance query), and the
 * options it needs get valid values.
 */
export function withQueryType(query: VigilQuery, queryType: QueryType): VigilQuery {
  const next: VigilQuery = { ...query, queryType };
  for (const key of Object.keys(next) as Array<keyof VigilQuery>) {
    if (TYPE_OPTIONS.has(key) && !usesOption(queryType, key as TypeOption)) {
      delete next[key];
    }
  }
  const metrics = METRICS_BY_QUERY_TYPE[queryType];
  if (metrics && (!next.metric || !metrics.includes(next.metric))) {
    next.metric = metrics[0];
  }
  if (usesOption(queryType, 'target') && !next.target) {
    next.target = 'feature';
  }
  if (NEEDS_REFERENCE.includes(queryType) && !next.reference) {
    next.reference = { ...DEFAULT_REFERENCE };
  }
  if ((queryType === 'dataQuality' || queryType === 'estimatedPerformance') && next.reference?.type === 'rolling') {
    // Ranges, categories and the calibration come from one fixed reference.
    delete next.reference;
    if (queryType === 'dataQuality') {
      next.reference = { ...DEFAULT_REFERENCE };
    }
  }
  if (queryType === 'biasTrace' || queryType === 'performanceTrace') {
    // A bias trace bins numeric features at quantiles of its own records or of an environment only.
    if (next.reference && next.reference.type !== 'environment') {
      delete next.reference;
    }
    if (next.binning?.strategy === 'uniform') {
      const binning = { ...next.binning };
      delete binning.strategy;
      next.binning = binning;
      if (binning.bins === undefined) {
        delete next.binning;
      }
    }
  }
  return next;
}

/**
 * A copy of the query with one option set; `undefined` (or an empty list) removes the option, so saved
 * JSON keeps only what the user chose.
 */
export function withOption<K extends Exclude<keyof VigilQuery, 'refId'>>(
  query: VigilQuery,
  key: K,
  value: VigilQuery[K] | undefined
): VigilQuery {
  const next: VigilQuery = { ...query };
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    delete next[key];
  } else {
    next[key] = value;
  }
  return next;
}
