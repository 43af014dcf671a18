/**
 * The checkout's root folder (where `app/`, `web/` and `node_modules/` are), whether this module
 * runs from its TypeScript source or from the `churn` command's compiled copy of the sources in
 * `node_modules/.cache/churn-radar/` (see bin/compiled-sources.js). Files the code reads beside
 * the sources are found from here, never relative to a module's own location.
 */
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const sources = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = sources.lastIndexOf(`${sep}node_modules${sep}.cache${sep}`);

export const PROJECT_ROOT = cache === -1 ? sources : sources.slice(0, cache);
