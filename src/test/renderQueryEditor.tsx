import React, { useState } from 'react';
import { render } from '@testing-library/react';

import { QueryEditor } from '../datasource/components/QueryEditor/QueryEditor';
import type { VigilQuery } from '../datasource/types';
import { dataSourceWith, fakeResourceApi } from './fakeResources';

/**
 * Renders the query editor the way Grafana does: every change comes back as the new query. Resource
 * calls are answered by `api` (the fake store by default).
 */
export function renderQueryEditor(initial: VigilQuery, api = fakeResourceApi()) {
  const { datasource } = dataSourceWith(api);
  const changes: VigilQuery[] = [];
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        datasource={datasource}
        query={query}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  const view = render(<Harness />);
  return { ...view, lastQuery: () => changes[changes.length - 1], changes, onRunQuery, api, datasource };
}
