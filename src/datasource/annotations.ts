import type { AnnotationEvent, AnnotationQuery, AnnotationSupport, DataFrame, Field } from '@grafana/data';
import { of } from 'rxjs';

import { migrateQuery } from './migrate';
import type { VigilQuery } from './types';

/**
 * Version events from frames of the `models` query: one "first seen" (deploy) event per model version
 * and environment at `first_seen`, and one event per lifecycle status change of a version at
 * `status_since`. Rows without a time give no event; frames without the models columns give none.
 */
export function versionEvents(frames: DataFrame[]): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  const statusSeen = new Set<string>();

  for (const frame of frames) {
    const column = (name: string) => frame.fields.find((field) => field.name === name);
    const model = column('model');
    const version = column('version');
    const firstSeen = column('first_seen');
    if (!model || !version || !firstSeen) {
      continue;
    }
    const environment = column('environment');
    const status = column('status');
    const statusSince = column('status_since');

    for (let row = 0; row < frame.length; row++) {
      const modelName = text(model, row);
      const versionName = text(version, row);
      const environmentName = environment ? text(environment, row) : '';
      const statusName = status ? text(status, row) : '';
      const tags = [modelName, versionName, environmentName, statusName].filter((tag) => tag !== '');

      const deployedAt = time(firstSeen, row);
      if (deployedAt !== undefined) {
        events.push({
          time: deployedAt,
          title: `${modelName} ${versionName} first seen in ${environmentName || 'no environment'}`,
          tags,
        });
      }

      // The status belongs to the version, so it repeats on every environment row: one event each.
      const changedAt = statusSince ? time(statusSince, row) : undefined;
      const statusKey = `${modelName}\u0000${versionName}\u0000${statusName}\u0000${changedAt}`;
      if (statusName !== '' && changedAt !== undefined && !statusSeen.has(statusKey)) {
        statusSeen.add(statusKey);
        events.push({
          time: changedAt,
          title: `${modelName} ${versionName} is ${statusName}`,
          tags: [modelName, versionName, statusName],
        });
      }
    }
  }
  return events.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
}

function text(field: Field, row: number): string {
  const value: unknown = field.values[row];
  return value === null || value === undefined ? '' : String(value);
}

/** Epoch milliseconds of a time cell (a number, an ISO string or a Date), or `undefined` when empty. */
function time(field: Field, row: number): number | undefined {
  const value: unknown = field.values[row];
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? value : undefined;
  }
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  return undefined;
}

/** The query a new Vigil annotation starts with: the models inventory, of `$model` when the dashboard has one. */
export function defaultAnnotationQuery(hasModelVariable: boolean): Partial<VigilQuery> {
  return hasModelVariable ? { queryType: 'models', model: '$model' } : { queryType: 'models' };
}

/**
 * Version first-seen (deploy) and status-change events as annotations. The annotation's query runs
 * like a panel query; its `models` table becomes events.
 */
export function versionAnnotations(hasModelVariable: () => boolean): AnnotationSupport<VigilQuery> {
  return {
    getDefaultQuery: () => defaultAnnotationQuery(hasModelVariable()),
    prepareAnnotation: (json: AnnotationQuery<VigilQuery>) => {
      const target = json.target ?? { refId: 'Anno', ...defaultAnnotationQuery(hasModelVariable()) };
      return { ...json, target: migrateQuery({ ...target, refId: target.refId || 'Anno' }) };
    },
    prepareQuery: (annotation: AnnotationQuery<VigilQuery>) => annotation.target,
    processEvents: (_annotation: AnnotationQuery<VigilQuery>, frames: DataFrame[]) => of(versionEvents(frames)),
  };
}
