export { setup as default } from './suite-postgres-hooks.js';
