import type { VigilQuery } from '../../types';

/** Props of the editor for the options of one query type, and of the parts it is made of. */
export interface QueryTypeEditorProps {
  query: VigilQuery;
  /**
   * Replaces the query. A complete change (a pick, a toggle) runs the query too, unless the editor finds
   * something wrong with it; pass `run = false` while the user is still typing.
   */
  onChange: (query: VigilQuery, run?: boolean) => void;
  /** Runs the current query, unless the editor finds something wrong with it (called when an input is left). */
  onRun: () => void;
}
