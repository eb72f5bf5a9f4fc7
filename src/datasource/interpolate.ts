import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

import type { FairnessGroups, Filter, FilterScalar, Reference, VigilQuery } from './types';

type Replace = Pick<TemplateSrv, 'replace'>;

// Stands where a variable's values go in a rendered string; it cannot occur in a dashboard variable value.
const SLOT = '\u0000';

/**
 * Interpolates dashboard variables in a query before it is sent to the backend.
 * Single-valued fields (model, environment, interval…) receive a multi-value variable as a
 * comma-separated string; list fields (versions, features, groupBy, status, fairness groups, filter
 * values) get one item per selected value.
 */
export function interpolateQuery(query: VigilQuery, scopedVars: ScopedVars, templateSrv: Replace): VigilQuery {
  const scalar = (value: string | undefined) =>
    value === undefined ? undefined : templateSrv.replace(value, scopedVars, 'csv');
  const list = (values: string[] | undefined) =>
    values === undefined ? undefined : unique(values.flatMap((item) => expandItem(item, scopedVars, templateSrv)));

  const interpolated: VigilQuery = { ...query };
  assignDefined(interpolated, 'model', scalar(query.model));
  assignDefined(interpolated, 'versions', list(query.versions));
  assignDefined(interpolated, 'environment', scalar(query.environment));
  assignDefined(interpolated, 'features', list(query.features));
  assignDefined(interpolated, 'interval', scalar(query.interval));
  assignDefined(interpolated, 'groupBy', list(query.groupBy));
  assignDefined(interpolated, 'positive', scalar(query.positive));
  assignDefined(interpolated, 'status', list(query.status));

  if (query.reference) {
    const reference: Reference = { ...query.reference };
    assignDefined(reference, 'environment', scalar(query.reference.environment));
    assignDefined(reference, 'version', scalar(query.reference.version));
    assignDefined(reference, 'from', scalar(query.reference.from));
    assignDefined(reference, 'to', scalar(query.reference.to));
    assignDefined(reference, 'window', scalar(query.reference.window));
    interpolated.reference = reference;
  }

  if (query.filters) {
    interpolated.filters = query.filters.map((filter): Filter => {
      const next: Filter = { ...filter, field: templateSrv.replace(filter.field, scopedVars, 'csv') };
      if (filter.value !== undefined) {
        next.value = interpolateFilterValue(filter.value, scopedVars, templateSrv);
      }
      return next;
    });
  }

  if (query.fairness) {
    const fairness: FairnessGroups = {
      ...query.fairness,
      attribute: templateSrv.replace(query.fairness.attribute, scopedVars, 'csv'),
      favorable: templateSrv.replace(query.fairness.favorable, scopedVars, 'csv'),
    };
    assignDefined(fairness, 'protected', list(query.fairness.protected));
    assignDefined(fairness, 'reference', list(query.fairness.reference));
    interpolated.fairness = fairness;
  }

  return interpolated;
}

/**
 * Expands one list item: each multi-value variable in it yields one item per value, every
 * combination when several appear (`$model-$version`); a variable with nothing selected removes the item.
 */
export function expandItem(item: string, scopedVars: ScopedVars, templateSrv: Replace): string[] {
  const slots: string[][] = [];
  const rendered = templateSrv.replace(item, scopedVars, (value: unknown) => {
    slots.push(Array.isArray(value) ? value.map(String) : [String(value)]);
    return `${SLOT}${slots.length - 1}${SLOT}`;
  });

  // Split parts alternate between literal text (even indexes) and slot numbers (odd indexes).
  return rendered
    .split(SLOT)
    .reduce<string[]>(
      (prefixes, part, index) =>
        index % 2 === 0
          ? prefixes.map((prefix) => prefix + part)
          : prefixes.flatMap((prefix) => slots[Number(part)].map((value) => prefix + value)),
      ['']
    );
}

function interpolateFilterValue(
  value: NonNullable<Filter['value']>,
  scopedVars: ScopedVars,
  templateSrv: Replace
): NonNullable<Filter['value']> {
  const expand = (scalar: FilterScalar): FilterScalar[] =>
    typeof scalar === 'string' ? expandItem(scalar, scopedVars, templateSrv) : [scalar];

  if (Array.isArray(value)) {
    return unique(value.flatMap(expand));
  }
  const values = expand(value);
  return values.length === 1 ? values[0] : values;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function assignDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined) {
  if (value !== undefined) {
    target[key] = value;
  }
}
