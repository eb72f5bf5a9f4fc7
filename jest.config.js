// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const baseConfig = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// Grafana 13 packages ship (and depend on) ES modules that Jest has to transform first.
const esModules = [...grafanaESModules, '@react-hookz', '@ver0', '@marcbachmann/cel-js'];
const [, swcTransform] = Object.entries(baseConfig.transform)[0];

module.exports = {
  ...baseConfig,
  transform: {
    '^.+\\.(t|j)sx?$': swcTransform,
    '^.+\\.mjs$': swcTransform,
  },
  transformIgnorePatterns: [nodeModulesToTransform(esModules)],
  // Editor tests drive real @grafana/ui components; give them room on a busy two-core machine.
  testTimeout: 30000,
};
