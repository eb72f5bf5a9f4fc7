import type { VigilQuery } from '../../types';

/** Props of the editor for the options of one query type. */
export interface QueryTypeEditorProps {
  query: VigilQuery;
  /** Replaces the query; call `onRunQuery` afterwards when the change is complete. */
  onChange: (query: VigilQuery) => void;
  onRunQuery: () => void;
}
