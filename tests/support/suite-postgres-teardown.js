export { teardown as default } from './suite-postgres-hooks.js';
