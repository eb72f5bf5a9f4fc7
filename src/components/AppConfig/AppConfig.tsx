import React, { useEffect, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import { type AppPluginMeta, type GrafanaTheme2, type PluginConfigPageProps, locationUtil } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { Alert, LinkButton, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';

import datasourcePluginJson from '../../datasource/plugin.json';

export type AppConfigProps = PluginConfigPageProps<AppPluginMeta>;

/** One bundled dashboard as Grafana reports it for an app plugin. */
export interface BundledDashboard {
  title: string;
  path: string;
  imported: boolean;
  importedUrl?: string;
  description?: string;
}

type DashboardsState =
  { status: 'loading' } | { status: 'done'; dashboards: BundledDashboard[] } | { status: 'error'; message: string };

const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { id: appId, enabled } = plugin.meta;
  const datasources = getDataSourceSrv().getList({ pluginId: datasourcePluginJson.id });
  const dashboards = useBundledDashboards(appId);

  return (
    <Stack direction="column" gap={3}>
      <div className={styles.section}>
        <Text element="p">
          Vigil watches machine-learning models next to the rest of your system. Its data source stores inference
          records (features, predictions, actuals, tags and embeddings per model version and environment) and computes
          drift, model performance, traffic, fairness and embedding series from them. Every series works in panels and
          in alert rules.
        </Text>
      </div>

      <div className={styles.section}>
        <Text element="h3">Data source</Text>
        {datasources.length === 0 ? (
          <Text element="p" color="secondary">
            No Vigil data source exists yet. Add one and point it at a DuckDB file with inference records.
          </Text>
        ) : (
          <ul className={styles.list}>
            {datasources.map((ds) => (
              <li key={ds.uid}>
                <LinkButton
                  fill="text"
                  icon="database"
                  href={locationUtil.assureBaseUrl(`/connections/datasources/edit/${ds.uid}`)}
                >
                  {ds.name}
                </LinkButton>
              </li>
            ))}
          </ul>
        )}
        <LinkButton variant="secondary" icon="plus" href={locationUtil.assureBaseUrl('/connections/datasources/new')}>
          Add a Vigil data source
        </LinkButton>
      </div>

      <div className={styles.section}>
        <Text element="h3">Dashboards</Text>
        <BundledDashboardList state={dashboards} appEnabled={Boolean(enabled)} />
      </div>
    </Stack>
  );
};

export default AppConfig;

function BundledDashboardList({ state, appEnabled }: { state: DashboardsState; appEnabled: boolean }) {
  const styles = useStyles2(getStyles);

  if (state.status === 'loading') {
    return <LoadingPlaceholder text="Loading dashboards…" />;
  }
  if (state.status === 'error') {
    return (
      <Alert severity="warning" title="Could not list the bundled dashboards">
        {state.message}
      </Alert>
    );
  }
  if (state.dashboards.length === 0) {
    return (
      <Text element="p" color="secondary">
        This version of the app bundles no dashboards.
      </Text>
    );
  }

  return (
    <>
      {!appEnabled && (
        <Text element="p" color="secondary">
          Enable the app to import these dashboards.
        </Text>
      )}
      <ul className={styles.list}>
        {state.dashboards.map((dashboard) => (
          <li key={dashboard.path}>
            {dashboard.imported && dashboard.importedUrl ? (
              <LinkButton fill="text" icon="apps" href={locationUtil.assureBaseUrl(dashboard.importedUrl)}>
                {dashboard.title}
              </LinkButton>
            ) : (
              <Text color="secondary">{dashboard.title} (not imported)</Text>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

function useBundledDashboards(appId: string): DashboardsState {
  const [state, setState] = useState<DashboardsState>({ status: 'loading' });

  useEffect(() => {
    let cancelled = false;
    lastValueFrom(
      getBackendSrv().fetch<BundledDashboard[]>({ url: `/api/plugins/${appId}/dashboards`, showErrorAlert: false })
    )
      .then((response) => !cancelled && setState({ status: 'done', dashboards: response.data ?? [] }))
      .catch(
        (error: { data?: { message?: string }; message?: string }) =>
          !cancelled &&
          setState({ status: 'error', message: error?.data?.message ?? error?.message ?? 'The request failed.' })
      );
    return () => {
      cancelled = true;
    };
  }, [appId]);

  return state;
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    maxWidth: theme.spacing(100),
  }),
  list: css({
    listStyle: 'none',
    margin: theme.spacing(1, 0, 2, 0),
  }),
});
