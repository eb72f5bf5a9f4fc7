import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor/ConfigEditor';
import { QueryEditor } from './components/QueryEditor/QueryEditor';
import { DataSource } from './datasource';
import type { VigilDataSourceOptions, VigilQuery } from './types';

export const plugin = new DataSourcePlugin<DataSource, VigilQuery, VigilDataSourceOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
