// The entry of the model's worker threads (training, cross-validation fits, scoring): threads do
// not inherit the main thread's TypeScript loader, so this plain module loads the TypeScript
// module named in `workerData.module` through tsx's API.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
