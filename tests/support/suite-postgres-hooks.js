// jest's globalSetup and globalTeardown run outside its module mapping: tsx loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
const suite = await import('./suite-postgres.ts');

export const setup = suite.default;
export const teardown = suite.stopSuitePostgres;
