export { teardown as default } from './suite-hooks.js';
