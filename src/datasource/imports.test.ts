/**
 * The data source's modules import each other without cycles (type-only imports count too: a cycle of
 * types is a cycle a reader has to untangle): datasource.ts → variables.ts → the variable editor must not
 * lead back to datasource.ts.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = __dirname;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return sources(full);
    }
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** The files of this folder a module imports (relative imports resolved to .ts, .tsx or index). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.[^']*)'/g)) {
    const base = path.resolve(path.dirname(file), match[1]);
    const target = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (target && target.startsWith(root + path.sep)) {
      found.push(target);
    }
  }
  return found;
}

/** One import cycle of the graph, as a list of files, or undefined. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        return [...stack.slice(stack.indexOf(next)), next];
      }
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) {
          return cycle;
        }
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) {
        return cycle;
      }
    }
  }
  return undefined;
}

describe('src/datasource imports', () => {
  it('have no cycle', () => {
    const graph = new Map(sources(root).map((file) => [file, importsOf(file)]));
    const cycle = findCycle(graph);
    expect(cycle?.map((file) => path.relative(root, file)).join(' → ')).toBeUndefined();
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['datasource.ts', ['variables.ts']],
      ['variables.ts', ['VariableQueryEditor.tsx']],
      ['VariableQueryEditor.tsx', ['datasource.ts']],
      ['types.ts', []],
    ]);
    expect(findCycle(graph)).toEqual(['datasource.ts', 'variables.ts', 'VariableQueryEditor.tsx', 'datasource.ts']);
    graph.set('VariableQueryEditor.tsx', ['types.ts']);
    expect(findCycle(graph)).toBeUndefined();
  });
});
