import { useEffect, useMemo, useState } from 'react';

import { distinct, resourceErrorMessage, type VigilResources } from '../../resources';
import { isTemplated } from '../../templating';
import type { FieldSummary, ModelSummary, ValueCount, VersionSummary } from '../../types';
import { useEditorContext } from './context';

/** A listing from the resource API as a picker sees it. */
export interface Loaded<T> {
  /** The request is under way. */
  loading: boolean;
  /** Why the request failed. */
  error?: string;
  value?: T;
  /** Nothing is asked because the model is a dashboard variable, known only when the query runs. */
  templated?: boolean;
}

type Route = 'models' | 'features' | 'versions' | 'values';

interface RouteResult {
  models: ModelSummary[];
  features: FieldSummary[];
  versions: VersionSummary[];
  values: ValueCount[];
}

function request<R extends Route>(resources: VigilResources, route: R, model: string, field: string) {
  switch (route) {
    case 'models':
      return resources.models() as Promise<RouteResult[R]>;
    case 'features':
      return resources.features(model) as Promise<RouteResult[R]>;
    case 'versions':
      return resources.versions(model) as Promise<RouteResult[R]>;
    default:
      return resources.values(model, field) as Promise<RouteResult[R]>;
  }
}

/**
 * Loads one listing of the resource API. Model-specific listings wait for a model, and are not asked for
 * when the model (or field) is a dashboard variable: its value is only known when the query runs.
 */
function useResource<R extends Route>(route: R, model = '', field = '', enabled = true): Loaded<RouteResult[R]> {
  const { resources } = useEditorContext();
  const templated = isTemplated(model) || isTemplated(field);
  const ready = enabled && (route === 'models' || (model !== '' && !templated && (route !== 'values' || field !== '')));
  const key = ready ? `${route}\u0000${model}\u0000${field}` : undefined;
  const [result, setResult] = useState<{ key: string; value?: RouteResult[R]; error?: string }>();

  useEffect(() => {
    if (key === undefined) {
      return;
    }
    let current = true;
    request(resources, route, model, field).then(
      (value) => current && setResult({ key, value }),
      (error: unknown) => current && setResult({ key, error: resourceErrorMessage(error) })
    );
    return () => {
      current = false;
    };
  }, [resources, key, route, model, field]);

  if (key === undefined) {
    return { loading: false, templated };
  }
  if (result?.key !== key) {
    return { loading: true };
  }
  return { loading: false, value: result.value, error: result.error };
}

export function useModels(): Loaded<ModelSummary[]> {
  return useResource('models');
}

export function useFeatures(model: string | undefined): Loaded<FieldSummary[]> {
  return useResource('features', model);
}

export function useValues(model: string | undefined, field: string | undefined): Loaded<ValueCount[]> {
  return useResource('values', model, field);
}

/** One version of a model as a picker lists it: with the environments it ran in and its lifecycle status. */
export interface VersionOption {
  version: string;
  environments: string[];
  status?: string;
}

/** The versions of a model, or of every model when none is chosen. */
export function useVersionOptions(model: string | undefined): Loaded<VersionOption[]> {
  const byModel = useResource('versions', model);
  const all = useResource('models', '', '', !model);
  const value = useMemo(() => {
    if (model) {
      return byModel.value && versionsOfModel(byModel.value);
    }
    return (
      all.value &&
      distinct(all.value.flatMap((summary) => summary.versions)).map((version) => ({ version, environments: [] }))
    );
  }, [model, byModel.value, all.value]);
  return { ...(model ? byModel : all), value };
}

function versionsOfModel(rows: VersionSummary[]): VersionOption[] {
  return distinct(rows.map((row) => row.version)).map((version) => {
    const ofVersion = rows.filter((row) => row.version === version);
    return {
      version,
      environments: distinct(ofVersion.map((row) => row.environment).filter((environment) => environment !== '')),
      status: ofVersion.find((row) => row.status)?.status,
    };
  });
}

/** The environments of a model, or of every model when none is chosen. */
export function useEnvironments(model: string | undefined): Loaded<string[]> {
  const byModel = useResource('versions', model);
  const all = useResource('models', '', '', !model);
  const value = useMemo(() => {
    if (model) {
      return (
        byModel.value &&
        distinct(byModel.value.map((row) => row.environment).filter((environment) => environment !== ''))
      );
    }
    return all.value && distinct(all.value.flatMap((summary) => summary.environments));
  }, [model, byModel.value, all.value]);
  return { ...(model ? byModel : all), value };
}
