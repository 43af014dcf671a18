export { setup as default } from './suite-hooks.js';
