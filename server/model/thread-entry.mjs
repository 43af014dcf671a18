// The entry of the model's worker threads (training, cross-validation fits, scoring): threads do
// not inherit the main thread's TypeScript loader, so this plain module loads the module named in
// `workerData.module`: its compiled JavaScript beside this file when the thread runs from the
// `churn` command's compiled sources (bin/compiled-sources.js), else the TypeScript through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

const compiled = new URL(workerData.module.replace(/\.ts$/, '.js'), import.meta.url);
if (existsSync(fileURLToPath(compiled))) {
  await import(compiled.href);
} else {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(workerData.module, import.meta.url);
}
