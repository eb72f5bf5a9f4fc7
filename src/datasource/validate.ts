import { QUERY_TYPE_LABELS } from '../shared/labels';
import { isQueryType, usesOption } from './queryOptions';
import { isTemplated } from './templating';
import {
  CALIBRATIONS,
  EMBEDDING_REDUCTIONS,
  INTERVAL_METRICS,
  NULL_OPS,
  P_VALUE_ADJUSTMENTS,
  P_VALUE_METRICS,
  VERSION_STATUSES,
  type Filter,
  type VigilQuery,
} from './types';

/**
 * What is wrong with a query, by option path (`model`, `reference.window`, `filters[1].value`…), in
 * words that say what to change. The editor shows each message at its field; the backend checks the
 * same rules again, so this only saves a round trip.
 */
export type QueryProblems = Partial<Record<string, string>>;

const FIXED_FIELDS = [
  'version',
  'environment',
  'prediction.label',
  'prediction.score',
  'prediction.value',
  'actual.label',
  'actual.value',
];

/** Why a field reference is not one, or `undefined` when it is (or is a variable). */
export function fieldRefProblem(ref: string): string | undefined {
  if (ref.trim() === '') {
    return 'Choose a field.';
  }
  if (isTemplated(ref) || FIXED_FIELDS.includes(ref)) {
    return undefined;
  }
  if (ref.startsWith('prediction.') || ref.startsWith('actual.')) {
    return `"${ref}" is not a field; use prediction.label, prediction.score, prediction.value, actual.label or actual.value.`;
  }
  if (ref === 'features.' || ref === 'tags.') {
    return `"${ref}" names no feature or tag.`;
  }
  return undefined;
}

// Go durations (1h30m, 90s, 1.5h) and Grafana's single-unit day, week, month and year spans (7d, 2w, 1M, 1y).
const DURATION = /^(?:(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+|\d+[dwMy])$/;

/** Whether text is a duration the backend reads, such as `1h`, `90m` or `7d`. */
export function isDuration(text: string): boolean {
  return DURATION.test(text) && /[1-9]/.test(text);
}

const RELATIVE_TIME = /^now(?:-(.+))?$/;

/** Milliseconds since the epoch of an absolute time (RFC 3339 or epoch milliseconds), or `undefined`. */
function absoluteTime(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    return Number(text);
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Why text is not a reference window bound, or `undefined` when it is one. */
function timeProblem(text: string): string | undefined {
  if (isTemplated(text) || absoluteTime(text) !== undefined) {
    return undefined;
  }
  const relative = RELATIVE_TIME.exec(text);
  if (relative && (relative[1] === undefined || isDuration(relative[1]))) {
    return undefined;
  }
  return `"${text}" is not a time: use RFC 3339 (2026-01-01T00:00:00Z), epoch milliseconds, now or now-7d.`;
}

function countProblem(value: number | undefined, what: string): string | undefined {
  if (value === undefined || (Number.isInteger(value) && value >= 0)) {
    return undefined;
  }
  return `${what} must be a whole number, 0 or more.`;
}

/** Confidence level, minimum group size, bound and p-value adjustment (METRICS.md "Uncertainty"). */
function uncertaintyProblems(query: VigilQuery, problems: QueryProblems) {
  const queryType = query.queryType;
  if (!isQueryType(queryType)) {
    return;
  }
  const metric = query.metric ?? (queryType === 'drift' ? 'psi' : 'disparate_impact');
  const { confidence, minGroupSize, adjust } = query;
  if (usesOption(queryType, 'confidence') && confidence !== undefined) {
    if (!(confidence > 0 && confidence < 1)) {
      problems.confidence = 'A confidence level is between 0 and 1, such as 0.95.';
    } else if (queryType === 'fairness' && !INTERVAL_METRICS.includes(metric)) {
      problems.confidence = `${metric} has no confidence interval.`;
    }
  }
  if (usesOption(queryType, 'minGroupSize') && minGroupSize !== undefined) {
    if (!(Number.isInteger(minGroupSize) && minGroupSize >= 1)) {
      problems.minGroupSize = 'The minimum group size is a whole number, 1 or more.';
    }
  }
  if (usesOption(queryType, 'bound') && query.bound !== undefined && confidence === undefined) {
    problems.bound = 'A bound needs a confidence interval.';
  }
  if (usesOption(queryType, 'adjust') && adjust !== undefined) {
    if (!(P_VALUE_ADJUSTMENTS as readonly string[]).includes(adjust)) {
      problems.adjust = `"${adjust}" is not an adjustment; one of ${P_VALUE_ADJUSTMENTS.join(', ')}.`;
    } else if (!P_VALUE_METRICS.includes(metric)) {
      problems.adjust = `Adjusting needs a p-value metric (${P_VALUE_METRICS.join(', ')}).`;
    }
  }
}

function filterProblems(filter: Filter, index: number, problems: QueryProblems) {
  const fieldProblem = fieldRefProblem(filter.field ?? '');
  if (fieldProblem) {
    problems[`filters[${index}].field`] = fieldProblem;
  }
  if (NULL_OPS.includes(filter.op)) {
    return;
  }
  const values = filter.value === undefined ? [] : Array.isArray(filter.value) ? filter.value : [filter.value];
  if (values.length === 0 || values.every((value) => value === '')) {
    problems[`filters[${index}].value`] = `Operator ${filter.op} needs a value.`;
  } else if (values.length > 1 && ['<', '<=', '>', '>='].includes(filter.op)) {
    problems[`filters[${index}].value`] = `Operator ${filter.op} compares with one value; got ${values.length}.`;
  }
}

/** Everything the editor can tell is wrong with a query before it runs. */
export function queryProblems(query: VigilQuery): QueryProblems {
  const problems: QueryProblems = {};
  const queryType = query.queryType;
  if (!queryType) {
    problems.queryType = 'Choose a query type.';
    return problems;
  }
  if (!isQueryType(queryType)) {
    problems.queryType = `"${queryType}" is not a query type this version of Vigil knows.`;
    return problems;
  }
  const label = QUERY_TYPE_LABELS[queryType].label;

  if (queryType !== 'models' && queryType !== 'traffic' && !query.model?.trim()) {
    problems.model = `A ${label.toLowerCase()} query needs a model.`;
  }

  const features = query.features ?? [];
  if (queryType === 'distribution' && (query.target ?? 'feature') === 'feature' && features.length !== 1) {
    problems.features = `A distribution needs exactly one feature; ${features.length === 0 ? 'none is chosen' : `${features.length} are chosen`}.`;
  }
  if (queryType === 'biasTrace' || queryType === 'performanceTrace' || queryType === 'dataQuality') {
    const bad = features.map(fieldRefProblem).find((problem) => problem !== undefined);
    if (bad) {
      problems.features = bad;
    }
  }

  const reference = query.reference;
  if (
    (queryType === 'biasTrace' || queryType === 'performanceTrace') &&
    reference &&
    reference.type !== 'environment'
  ) {
    problems['reference.type'] =
      `A ${label.toLowerCase()} bins numeric features by its own records or by an environment; choose an environment.`;
  }
  if ((queryType === 'dataQuality' || queryType === 'estimatedPerformance') && reference?.type === 'rolling') {
    problems['reference.type'] =
      queryType === 'dataQuality'
        ? 'Data quality checks ranges and categories against a fixed reference: an environment, a version or a fixed window.'
        : 'The calibration is fitted once: choose an environment, a version or a fixed window.';
  }
  if (
    usesOption(queryType, 'calibration') &&
    query.calibration !== undefined &&
    !(CALIBRATIONS as readonly string[]).includes(query.calibration)
  ) {
    problems.calibration = `"${query.calibration}" is not a calibration; one of ${CALIBRATIONS.join(', ')}.`;
  }
  if (usesOption(queryType, 'reference') && reference) {
    switch (reference.type) {
      case 'version':
        if (!reference.version) {
          problems['reference.version'] = 'A version reference needs the version to compare with.';
        }
        break;
      case 'window': {
        if (!reference.from) {
          problems['reference.from'] = 'A fixed window needs its start.';
        } else if (timeProblem(reference.from)) {
          problems['reference.from'] = timeProblem(reference.from);
        }
        if (!reference.to) {
          problems['reference.to'] = 'A fixed window needs its end.';
        } else if (timeProblem(reference.to)) {
          problems['reference.to'] = timeProblem(reference.to);
        }
        const from = reference.from ? absoluteTime(reference.from) : undefined;
        const to = reference.to ? absoluteTime(reference.to) : undefined;
        if (from !== undefined && to !== undefined && from >= to) {
          problems['reference.to'] = 'The window must end after it starts.';
        }
        break;
      }
      case 'rolling':
        if (!reference.window) {
          problems['reference.window'] = 'A rolling reference needs a window such as 7d.';
        } else if (!isTemplated(reference.window) && !isDuration(reference.window)) {
          problems['reference.window'] = `"${reference.window}" is not a duration such as 1h, 1d or 7d.`;
        }
        break;
    }
  }

  if ((queryType === 'biasTrace' || queryType === 'performanceTrace') && query.binning?.strategy === 'uniform') {
    problems['binning.strategy'] = `A ${label.toLowerCase()} cuts numeric features at quantiles only.`;
  }
  const bins = query.binning?.bins;
  if (usesOption(queryType, 'binning') && bins !== undefined && !(Number.isInteger(bins) && bins >= 2 && bins <= 100)) {
    problems['binning.bins'] = 'Bins must be a whole number from 2 to 100.';
  }

  const interval = query.interval;
  if (usesOption(queryType, 'interval') && interval && !isTemplated(interval) && !isDuration(interval)) {
    problems.interval = `"${interval}" is not a duration such as 1m, 1h or 1d.`;
  }

  if (usesOption(queryType, 'fairness')) {
    const fairness = query.fairness;
    if (!fairness?.attribute) {
      problems['fairness.attribute'] = 'Choose the protected attribute, e.g. tags.sex.';
    } else {
      const attributeProblem = fieldRefProblem(fairness.attribute);
      if (attributeProblem) {
        problems['fairness.attribute'] = attributeProblem;
      }
    }
    if (!fairness?.protected?.length) {
      problems['fairness.protected'] = 'Choose at least one value for the protected group.';
    }
    if (!fairness?.reference?.length) {
      problems['fairness.reference'] = 'Choose at least one value for the reference group.';
    }
    const overlap = (fairness?.protected ?? []).filter((value) => fairness?.reference?.includes(value));
    if (overlap.length > 0) {
      problems['fairness.reference'] = `The protected and reference groups overlap: ${overlap.join(', ')}.`;
    }
  }

  for (const [key, what] of [
    ['limit', queryType === 'biasTrace' || queryType === 'performanceTrace' ? 'Segments' : 'Points'],
    ['referenceLimit', 'Reference points'],
    ['currentLimit', 'Current points'],
    ['minCount', 'Smallest segment'],
  ] as const) {
    const problem = usesOption(queryType, key) ? countProblem(query[key], what) : undefined;
    if (problem) {
      problems[key] = problem;
    }
  }

  uncertaintyProblems(query, problems);

  const minClusterSize = query.minClusterSize;
  if (
    usesOption(queryType, 'minClusterSize') &&
    minClusterSize !== undefined &&
    !(Number.isInteger(minClusterSize) && (minClusterSize === 0 || minClusterSize >= 2))
  ) {
    problems.minClusterSize = 'A new cluster needs at least 2 points.';
  }
  if (
    usesOption(queryType, 'reduce') &&
    query.reduce !== undefined &&
    !(EMBEDDING_REDUCTIONS as readonly string[]).includes(query.reduce)
  ) {
    problems.reduce = `"${query.reduce}" is not a reduction; one of ${EMBEDDING_REDUCTIONS.join(', ')}.`;
  }

  if (usesOption(queryType, 'groupBy')) {
    const bad = (query.groupBy ?? []).map(fieldRefProblem).find((problem) => problem !== undefined);
    if (bad) {
      problems.groupBy = bad;
    }
  }

  if (usesOption(queryType, 'status')) {
    const unknown = (query.status ?? []).filter(
      (status) => !isTemplated(status) && !(VERSION_STATUSES as readonly string[]).includes(status)
    );
    if (unknown.length > 0) {
      problems.status = `"${unknown[0]}" is not a lifecycle status; one of ${VERSION_STATUSES.join(', ')}.`;
    }
  }

  if (usesOption(queryType, 'filters')) {
    query.filters?.forEach((filter, index) => filterProblems(filter, index, problems));
  }

  return problems;
}
