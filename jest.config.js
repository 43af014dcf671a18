import { availableParallelism } from 'node:os';

/** @type {import('jest').Config} */
export default {
  // Jest's node environment on a plain global object: product code the tests run in-process looks up
  // globals such as `Number` and `Date` 3–5× faster (tests/support/node-environment.cjs).
  testEnvironment: '<rootDir>/tests/support/node-environment.cjs',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  transform: {
    '^.+\\.tsx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true },
          transform: { react: { runtime: 'automatic' } },
          target: 'es2022',
        },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // A bound for a hung test, not a verdict: generous, so a slower or shared box does not trip it.
  testTimeout: 300000,
  // Most suites wait on child processes and sockets rather than the CPU: two files a core (the
  // cores this process may use, so `taskset -c 0` gives two). On two cores, two files at a time
  // kept them busy 1.08 cores of 2 and took 1,123 s; four took 669 s for the same CPU.
  maxWorkers: 2 * availableParallelism(),
  // Each test file loads the app's modules afresh in its worker, and a worker's heap keeps growing
  // with them (to about 1 GB after 36 files): past this, the worker is replaced between files.
  // Measured on tests/features, tests/model and tests/sandbox/generator with one worker: 6 % less CPU.
  workerIdleMemoryLimit: '512MB',
  // One PostgreSQL server for the tests that run the whole product (tests/support/suite-postgres.ts),
  // and one folder for what the run writes to disk, removed at its end (tests/support/suite-temp.ts).
  globalSetup: '<rootDir>/tests/support/suite-setup.js',
  globalTeardown: '<rootDir>/tests/support/suite-teardown.js',
  reporters: ['default', '<rootDir>/tests/support/totals-reporter.js'],
};
