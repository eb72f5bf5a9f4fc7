import { createContext, useContext, useMemo } from 'react';

import type { VigilResources } from '../../resources';
import type { QueryProblems } from '../../validate';

/** What every part of the query editor needs besides the query: the resource API, dashboard variables, problems. */
export interface EditorContextValue {
  resources: VigilResources;
  /** Dashboard variables as they are written in a query: `$model`. */
  variables: string[];
  /** What is wrong with the query, by option path. */
  problems: QueryProblems;
}

export const EditorContext = createContext<EditorContextValue | undefined>(undefined);

/**
 * What the editors need of the data source: its resource API and the dashboard's variable names. The
 * editors depend on this, not on the DataSource class, so that the data source's modules do not import
 * them back.
 */
export interface EditorDataSource {
  resources: VigilResources;
  variableNames(): string[];
}

/** The context an editor of `datasource` provides to its fields. */
export function useEditorContextValue(datasource: EditorDataSource, problems: QueryProblems): EditorContextValue {
  // The names are compared as one string, so the list keeps its identity while they stay the same.
  const names = datasource.variableNames().join('\u0000');
  return useMemo(
    () => ({
      resources: datasource.resources,
      variables: names === '' ? [] : names.split('\u0000').map((name) => `$${name}`),
      problems,
    }),
    [datasource.resources, names, problems]
  );
}

export function useEditorContext(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) {
    throw new Error('Vigil editor fields must be rendered inside the query editor');
  }
  return value;
}
