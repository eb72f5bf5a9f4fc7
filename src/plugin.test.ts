/**
 * The app's plugin.json declares every plugin nested in it (the data source, the panels) with its type and the
 * path of its plugin.json relative to the app's, as Grafana's plugin validator requires (rule includesnested):
 * an undeclared nested plugin fails this test.
 */
import fs from 'node:fs';
import path from 'node:path';

interface Include {
  type: string;
  name: string;
  path?: string;
}

const src = __dirname;

/** Every plugin.json below src/, by its path relative to src/ with forward slashes. */
function nestedPluginJsons(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...nestedPluginJsons(full));
    } else if (entry.name === 'plugin.json' && dir !== src) {
      found.push(path.relative(src, full).split(path.sep).join('/'));
    }
  }
  return found;
}

/** What the validator reports for an app's includes and its nested plugins: [] when every one is declared. */
export function undeclaredNested(includes: Include[], nested: Record<string, { type: string }>): string[] {
  const problems: string[] = [];
  for (const [file, meta] of Object.entries(nested)) {
    const include = includes.find((item) => item.path === file);
    if (!include) {
      problems.push(`${file} (a ${meta.type}) is not declared in plugin.json includes`);
    } else if (include.type !== meta.type) {
      problems.push(`${file} is declared as ${include.type || 'no type'} but is a ${meta.type}`);
    }
  }
  return problems;
}

const app = JSON.parse(fs.readFileSync(path.join(src, 'plugin.json'), 'utf8'));
const nested = Object.fromEntries(
  nestedPluginJsons(src).map((file) => [file, JSON.parse(fs.readFileSync(path.join(src, file), 'utf8'))])
);

describe('app plugin.json', () => {
  it('finds the nested plugins', () => {
    expect(Object.keys(nested).sort()).toEqual([
      'datasource/plugin.json',
      'panels/biastrace/plugin.json',
      'panels/embeddings/plugin.json',
    ]);
  });

  it('declares every nested plugin with its type and path', () => {
    expect(undeclaredNested(app.includes, nested)).toEqual([]);
  });

  it('names each nested plugin as the nested plugin.json does', () => {
    for (const [file, meta] of Object.entries(nested)) {
      const include = (app.includes as Include[]).find((item) => item.path === file);
      expect(include?.name).toBe(meta.name);
    }
  });

  it('reports a nested plugin that is not declared, or declared with another type', () => {
    const includes: Include[] = app.includes.filter((item: Include) => item.path !== 'panels/embeddings/plugin.json');
    expect(undeclaredNested(includes, nested)).toEqual([
      'panels/embeddings/plugin.json (a panel) is not declared in plugin.json includes',
    ]);
    const retyped = app.includes.map((item: Include) =>
      item.path === 'datasource/plugin.json' ? { ...item, type: 'panel' } : item
    );
    expect(undeclaredNested(retyped, nested)).toEqual([
      'datasource/plugin.json is declared as panel but is a datasource',
    ]);
  });

  it('gives CHANGELOG.md an entry for the version of package.json', () => {
    const version = JSON.parse(fs.readFileSync(path.join(src, '..', 'package.json'), 'utf8')).version;
    const changelog = fs.readFileSync(path.join(src, '..', 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(new RegExp(`^## ${version.replace(/\./g, '\\.')}\\b`, 'm'));
  });

  it('has a LICENSE without the template placeholders', () => {
    const license = fs.readFileSync(path.join(src, '..', 'LICENSE'), 'utf8');
    expect(license).not.toMatch(/\{yyyy\}|\{name of copyright owner\}/);
  });
});
