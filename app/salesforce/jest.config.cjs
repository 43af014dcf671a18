// The LWC unit tests run with sfdx-lwc-jest's own jest, from this directory (its resolver finds the
// `c/` modules through ./sfdx-project.json); tests/salesforce/risk-card-lwc.test.ts runs them in `npm test`.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  ...jestConfig,
  rootDir: __dirname,
  testMatch: ['<rootDir>/force-app/**/lwc/**/__tests__/**/*.test.js'],
};
