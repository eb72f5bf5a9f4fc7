import React from 'react';
import { of, throwError } from 'rxjs';
import { type AppPluginMeta, PluginType } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';

import AppConfig, { type AppConfigProps, type BundledDashboard } from './AppConfig';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
  getDataSourceSrv: jest.fn(),
}));

const getList = jest.fn();
const fetch = jest.fn();

function renderPage(enabled = true) {
  const meta = {
    id: 'vigil-mlobs-app',
    name: 'Vigil',
    type: PluginType.app,
    enabled,
    jsonData: {},
  } as unknown as AppPluginMeta;
  render(<AppConfig {...({ plugin: { meta }, query: {} } as unknown as AppConfigProps)} />);
}

function answerDashboards(dashboards: BundledDashboard[]) {
  fetch.mockReturnValue(of({ data: dashboards, status: 200 }));
}

beforeEach(() => {
  getList.mockReset().mockReturnValue([]);
  fetch.mockReset();
  jest.mocked(getDataSourceSrv).mockReturnValue({ getList } as unknown as ReturnType<typeof getDataSourceSrv>);
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as unknown as ReturnType<typeof getBackendSrv>);
});

describe('AppConfig', () => {
  it('links to each Vigil data source and to adding one', async () => {
    getList.mockReturnValue([{ uid: 'ds1', name: 'Vigil production' }]);
    answerDashboards([]);

    renderPage();

    expect(getList).toHaveBeenCalledWith({ pluginId: 'vigil-mlobs-datasource' });
    expect(screen.getByRole('link', { name: /Vigil production/ })).toHaveAttribute(
      'href',
      '/connections/datasources/edit/ds1'
    );
    expect(screen.getByRole('link', { name: /Add a Vigil data source/ })).toHaveAttribute(
      'href',
      '/connections/datasources/new'
    );
    await screen.findByText('This version of the app bundles no dashboards.');
  });

  it('says when no data source exists yet', async () => {
    answerDashboards([]);

    renderPage();

    expect(screen.getByText(/No Vigil data source exists yet/)).toBeInTheDocument();
    await screen.findByText('This version of the app bundles no dashboards.');
  });

  it('links to the imported dashboards and names the others', async () => {
    answerDashboards([
      {
        title: 'Model drift',
        path: 'dashboards/drift.json',
        imported: true,
        importedUrl: '/d/vigil-drift/model-drift',
      },
      { title: 'Fairness', path: 'dashboards/fairness.json', imported: false },
    ]);

    renderPage();

    expect(await screen.findByRole('link', { name: /Model drift/ })).toHaveAttribute(
      'href',
      '/d/vigil-drift/model-drift'
    );
    expect(screen.getByText('Fairness (not imported)')).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(expect.objectContaining({ url: '/api/plugins/vigil-mlobs-app/dashboards' }));
  });

  it('asks to enable the app before its dashboards can be imported', async () => {
    answerDashboards([{ title: 'Model drift', path: 'dashboards/drift.json', imported: false }]);

    renderPage(false);

    expect(await screen.findByText('Enable the app to import these dashboards.')).toBeInTheDocument();
  });

  it('reports a failed dashboard listing', async () => {
    fetch.mockReturnValue(throwError(() => ({ status: 403, data: { message: 'Permission denied' } })));

    renderPage();

    expect(await screen.findByText('Could not list the bundled dashboards')).toBeInTheDocument();
    expect(screen.getByText('Permission denied')).toBeInTheDocument();
  });
});
