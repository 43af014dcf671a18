// jest's globalSetup and globalTeardown run outside its module mapping: tsx loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
const postgres = await import('./suite-postgres.ts');
const temp = await import('./suite-temp.ts');

export async function setup() {
  temp.makeSuiteTempRoot();
  try {
    await postgres.default();
  } catch (error) {
    // jest skips its teardown when its setup fails.
    temp.removeSuiteTempRoot();
    throw error;
  }
}

export async function teardown() {
  try {
    await postgres.stopSuitePostgres();
  } finally {
    temp.removeSuiteTempRoot();
  }
}
