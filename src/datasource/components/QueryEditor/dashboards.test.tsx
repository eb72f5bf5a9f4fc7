import fs from 'fs';
import path from 'path';
import { screen, waitFor } from '@testing-library/react';

import { fakeTemplateSrv } from '../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../test/renderQueryEditor';
import type { VigilQuery } from '../../types';
import { queryProblems } from '../../validate';

const templateSrv = fakeTemplateSrv({
  model: 'credit-risk',
  environment: 'production',
  feature: ['age', 'income'],
  reference: 'v1',
});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

interface Panel {
  title?: string;
  targets?: VigilQuery[];
  panels?: Panel[];
}

const DASHBOARDS = path.resolve(__dirname, '../../../dashboards');

/** Every Vigil query of every bundled dashboard, named by dashboard and panel. */
function dashboardTargets(): Array<[string, VigilQuery]> {
  const targets: Array<[string, VigilQuery]> = [];
  const visit = (file: string, panels: Panel[] = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        targets.push([`${file} / ${panel.title ?? 'untitled'} / ${target.refId}`, target]);
      }
      visit(file, panel.panels);
    }
  };
  for (const file of fs.readdirSync(DASHBOARDS).filter((name) => name.endsWith('.json'))) {
    visit(file, JSON.parse(fs.readFileSync(path.join(DASHBOARDS, file), 'utf8')).panels);
  }
  return targets;
}

const targets = dashboardTargets();

it('finds the queries of the bundled dashboards', () => {
  expect(targets.length).toBeGreaterThan(20);
});

describe.each(targets)('%s', (_name, target) => {
  it('opens in the query editor and comes back unchanged', async () => {
    const saved = JSON.parse(JSON.stringify(target)) as VigilQuery;
    const { changes, onRunQuery, api } = renderQueryEditor(saved);

    await waitFor(() => expect(api).toHaveBeenCalled());
    // Let every picker's listing arrive; none of them may rewrite the query.
    await waitFor(() => expect(screen.queryAllByPlaceholderText('Loading…')).toHaveLength(0));

    expect(changes).toEqual([]);
    expect(onRunQuery).not.toHaveBeenCalled();
    expect(saved).toEqual(target);
  });

  it('has nothing the editor would flag', () => {
    expect(queryProblems(target)).toEqual({});
  });
});
