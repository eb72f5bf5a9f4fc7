/**
 * The projection worker, bundled by webpack as an entry of its own. The main thread resolves the worker's URL
 * against the public path, which module.ts sets (publicPath.ts) to the app's folder, where webpack emits the
 * chunks. Inside the worker, chunks (umap-js's vendor chunk) load relative to the worker script itself
 * (publicPath "auto"), and the worker is no AMD module (Grafana's loader only defines `define` on the page).
 */
export function createProjectionWorker(): Worker {
  return new Worker(
    /* webpackEntryOptions: { publicPath: "auto", library: { type: "self", name: "vigilEmbeddingsWorker" } } */
    new URL('./umap.worker.ts', import.meta.url),
    { name: 'vigil-embeddings-umap' }
  );
}
