import type { FairnessGroups, Filter, VigilQuery } from './types';

/**
 * Upgrades a saved query to the current query model. Older shapes still found in dashboards:
 * - `groupBy` as one string (the editor saved a single field reference); it is now a list;
 * - `versions`, `features`, `status` and the fairness groups as one string (a hand-written query, or a
 *   single-value variable typed into the JSON); the backend reads both, the editor edits lists;
 * - a filter without `op`, which the backend reads as `=`.
 *
 * Returns the query itself when nothing needs upgrading, so callers can tell with `!==`.
 */
export function migrateQuery(query: VigilQuery): VigilQuery {
  const next: VigilQuery = { ...query };
  let changed = false;
  const setList = <K extends 'groupBy' | 'versions' | 'features' | 'status'>(key: K) => {
    const list = asList(query[key] as unknown);
    if (list === undefined) {
      return;
    }
    changed = true;
    if (list.length === 0) {
      delete next[key];
    } else {
      next[key] = list as VigilQuery[K];
    }
  };
  setList('groupBy');
  setList('versions');
  setList('features');
  setList('status');

  if (query.fairness) {
    const fairness: FairnessGroups = { ...query.fairness };
    let fairnessChanged = false;
    for (const key of ['protected', 'reference'] as const) {
      const list = asList(query.fairness[key] as unknown);
      if (list !== undefined) {
        fairness[key] = list;
        fairnessChanged = true;
      }
    }
    if (fairnessChanged) {
      next.fairness = fairness;
      changed = true;
    }
  }

  if (query.filters?.some((filter) => !filter.op)) {
    next.filters = query.filters.map((filter): Filter => (filter.op ? filter : { ...filter, op: '=' }));
    changed = true;
  }

  return changed ? next : query;
}

/** The list a saved one-string option stands for; `undefined` when the option needs no upgrade. */
function asList(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    return value === '' ? [] : [value];
  }
  return undefined;
}
