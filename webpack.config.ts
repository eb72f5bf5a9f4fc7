import CopyWebpackPlugin from 'copy-webpack-plugin';
import fs from 'fs';
import { glob } from 'glob';
import path from 'path';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const SOURCE_DIR = 'src';

interface NestedPluginJson {
  info?: {
    logos?: { small?: string; large?: string };
    screenshots?: Array<{ path: string }>;
  };
}

// The generated config copies the logos and screenshots of src/plugin.json only. Grafana resolves a
// nested plugin's images relative to that plugin's own folder, so copy them for every nested plugin.json.
function nestedPluginImages() {
  const nestedPluginJsons = glob.sync(`${SOURCE_DIR}/*/**/plugin.json`, { posix: true });
  return nestedPluginJsons.flatMap((pluginJsonPath) => {
    const pluginDir = path.posix.relative(SOURCE_DIR, path.posix.dirname(pluginJsonPath));
    const { info }: NestedPluginJson = JSON.parse(fs.readFileSync(pluginJsonPath, 'utf8'));
    const images = new Set(
      [info?.logos?.small, info?.logos?.large, ...(info?.screenshots ?? []).map((s) => s.path)].filter(
        (p): p is string => Boolean(p)
      )
    );
    return [...images].map((image) => {
      const file = path.posix.join(pluginDir, image);
      return { from: file, to: file };
    });
  });
}

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  const images = nestedPluginImages();
  if (images.length === 0) {
    return baseConfig;
  }
  return merge(baseConfig, {
    plugins: [new CopyWebpackPlugin({ patterns: images })],
  });
};

export default config;
