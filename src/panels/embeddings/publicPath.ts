/**
 * create-plugin sets the public path from this module's URL (grafana-public-path), which for a nested plugin
 * is its own folder, …/vigil-mlobs-app/panels/embeddings/. webpack emits every chunk (the projection worker
 * among them) in the app's folder, dist/, so the path for chunks is that folder's.
 */
declare let __webpack_public_path__: string;

export const PANEL_FOLDER = 'panels/embeddings/';

/** The app's folder for a public path that ends in this panel's folder; other paths stay as they are. */
export function appPublicPath(publicPath: string): string {
  return publicPath.endsWith(PANEL_FOLDER) ? publicPath.slice(0, -PANEL_FOLDER.length) : publicPath;
}

if (typeof __webpack_public_path__ === 'string') {
  __webpack_public_path__ = appPublicPath(__webpack_public_path__);
}
