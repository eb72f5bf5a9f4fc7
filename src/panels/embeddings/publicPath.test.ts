import { appPublicPath } from './publicPath';

describe('public path', () => {
  it('points chunks at the app’s folder when the panel is loaded from its own', () => {
    expect(appPublicPath('http://grafana/public/plugins/vigil-mlobs-app/panels/embeddings/')).toBe(
      'http://grafana/public/plugins/vigil-mlobs-app/'
    );
    expect(appPublicPath('public/plugins/vigil-mlobs-app/')).toBe('public/plugins/vigil-mlobs-app/');
  });
});
