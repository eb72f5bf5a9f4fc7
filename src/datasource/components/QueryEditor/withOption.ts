import type { VigilQuery } from '../../types';

/** A copy of the query with one option set, or removed when `value` is undefined (so saved JSON stays minimal). */
export function withOption<K extends Exclude<keyof VigilQuery, 'refId'>>(
  query: VigilQuery,
  key: K,
  value: VigilQuery[K] | undefined
): VigilQuery {
  const next: VigilQuery = { ...query };
  if (value === undefined) {
    delete next[key];
  } else {
    next[key] = value;
  }
  return next;
}
