import { FieldType, createDataFrame, type AnnotationQuery, type DataFrame } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { defaultAnnotationQuery, versionAnnotations, versionEvents } from './annotations';
import type { VigilQuery } from './types';

const t = (iso: string) => Date.parse(iso);

/** A frame shaped like the backend's answer to a models query. */
function modelsFrame(rows: Array<[string, string, string, string, number | null, number | null]>): DataFrame {
  const column = (index: number) => rows.map((row) => row[index]);
  return createDataFrame({
    refId: 'Anno',
    name: 'models',
    fields: [
      { name: 'model', type: FieldType.string, values: column(0) },
      { name: 'version', type: FieldType.string, values: column(1) },
      { name: 'environment', type: FieldType.string, values: column(2) },
      { name: 'status', type: FieldType.string, values: column(3) },
      { name: 'status_since', type: FieldType.time, values: column(4) },
      { name: 'first_seen', type: FieldType.time, values: column(5) },
      { name: 'last_seen', type: FieldType.time, values: column(5) },
      { name: 'records', type: FieldType.number, values: rows.map(() => 10) },
    ],
  });
}

describe('versionEvents', () => {
  it('gives a first-seen event per version and environment and one event per status change, in time order', () => {
    const frame = modelsFrame([
      ['credit-risk', 'v1', 'training', 'deprecated', t('2026-11-20T00:00:00Z'), t('2026-10-01T00:00:00Z')],
      ['credit-risk', 'v1', 'production', 'deprecated', t('2026-11-20T00:00:00Z'), t('2026-10-03T00:00:00Z')],
      ['credit-risk', 'v2', 'production', 'active', t('2026-11-15T00:00:00Z'), t('2026-11-10T12:00:00Z')],
    ]);

    expect(versionEvents([frame])).toEqual([
      {
        time: t('2026-10-01T00:00:00Z'),
        title: 'credit-risk v1 first seen in training',
        tags: ['credit-risk', 'v1', 'training', 'deprecated'],
      },
      {
        time: t('2026-10-03T00:00:00Z'),
        title: 'credit-risk v1 first seen in production',
        tags: ['credit-risk', 'v1', 'production', 'deprecated'],
      },
      {
        time: t('2026-11-10T12:00:00Z'),
        title: 'credit-risk v2 first seen in production',
        tags: ['credit-risk', 'v2', 'production', 'active'],
      },
      { time: t('2026-11-15T00:00:00Z'), title: 'credit-risk v2 is active', tags: ['credit-risk', 'v2', 'active'] },
      {
        time: t('2026-11-20T00:00:00Z'),
        title: 'credit-risk v1 is deprecated',
        tags: ['credit-risk', 'v1', 'deprecated'],
      },
    ]);
  });

  it('skips rows without times and leaves empty status and environment out of the tags', () => {
    const frame = modelsFrame([
      ['fraud', 'f1', '', '', null, t('2026-11-01T00:00:00Z')],
      ['fraud', 'f2', 'shadow', 'shadow', null, null],
    ]);

    expect(versionEvents([frame])).toEqual([
      { time: t('2026-11-01T00:00:00Z'), title: 'fraud f1 first seen in no environment', tags: ['fraud', 'f1'] },
    ]);
  });

  it('reads times given as ISO strings', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'model', type: FieldType.string, values: ['m'] },
        { name: 'version', type: FieldType.string, values: ['v9'] },
        { name: 'environment', type: FieldType.string, values: ['canary-env'] },
        { name: 'first_seen', type: FieldType.string, values: ['2026-11-01T06:00:00Z'] },
      ],
    });

    expect(versionEvents([frame])).toEqual([
      { time: t('2026-11-01T06:00:00Z'), title: 'm v9 first seen in canary-env', tags: ['m', 'v9', 'canary-env'] },
    ]);
  });

  it('gives nothing for frames that are not a models table', () => {
    const series = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1] },
        { name: 'psi', type: FieldType.number, values: [0.2] },
      ],
    });

    expect(versionEvents([series])).toEqual([]);
    expect(versionEvents([])).toEqual([]);
  });
});

describe('versionAnnotations', () => {
  it('starts from the models of $model when the dashboard has a model variable', () => {
    expect(defaultAnnotationQuery(true)).toEqual({ queryType: 'models', model: '$model' });
    expect(defaultAnnotationQuery(false)).toEqual({ queryType: 'models' });
    expect(versionAnnotations(() => true).getDefaultQuery?.()).toEqual({ queryType: 'models', model: '$model' });
  });

  it('gives a saved annotation without a query the models query, and upgrades an old one', () => {
    const support = versionAnnotations(() => false);
    const bare = { name: 'Deploys', enable: true, iconColor: 'blue' } as AnnotationQuery<VigilQuery>;
    const old = {
      ...bare,
      target: { refId: '', queryType: 'models', versions: 'v2' },
    } as unknown as AnnotationQuery<VigilQuery>;

    expect(support.prepareAnnotation?.(bare).target).toEqual({ refId: 'Anno', queryType: 'models' });
    expect(support.prepareAnnotation?.(old).target).toEqual({ refId: 'Anno', queryType: 'models', versions: ['v2'] });
  });

  it('runs the annotation query and turns its frames into events', async () => {
    const support = versionAnnotations(() => true);
    const annotation = {
      name: 'Deploys',
      enable: true,
      iconColor: 'blue',
      target: { refId: 'Anno', queryType: 'models' },
    };
    const frame = modelsFrame([['m', 'v1', 'production', '', null, t('2026-11-01T00:00:00Z')]]);

    expect(support.prepareQuery?.(annotation as AnnotationQuery<VigilQuery>)).toEqual({
      refId: 'Anno',
      queryType: 'models',
    });
    const events = await lastValueFrom(support.processEvents!(annotation as AnnotationQuery<VigilQuery>, [frame]));
    expect(events).toEqual([
      { time: t('2026-11-01T00:00:00Z'), title: 'm v1 first seen in production', tags: ['m', 'v1', 'production'] },
    ]);
  });
});
