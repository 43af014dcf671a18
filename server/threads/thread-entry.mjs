// The entry of the app's worker threads (training, cross-validation fits, scoring, sentiment):
// threads do not inherit the main thread's TypeScript loader, so this plain module loads the module
// named in `workerData.module` (relative to this folder) as JavaScript. Under the `churn` command,
// which runs the compiled sources (bin/compiled-sources.js), that is the compiled module. Run from
// the TypeScript checkout (the tests, `tsx` scripts), it is the same compiled copy of the sources,
// made now if the sources changed: a thread started through tsx's loader spends about 0.2 CPU-s
// more on loading. Only where that copy cannot be made does the thread load the TypeScript through
// tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

const compiledName = workerData.module.replace(/\.ts$/, '.js');
const beside = new URL(compiledName, import.meta.url);
if (existsSync(fileURLToPath(beside))) {
  await import(beside.href);
} else {
  const { compiledSources } = await import('../../bin/compiled-sources.js');
  const folder = await compiledSources();
  if (folder) {
    await import(new URL(compiledName, pathToFileURL(`${folder}/server/threads/`)).href);
  } else {
    const { tsImport } = await import('tsx/esm/api');
    await tsImport(workerData.module, import.meta.url);
  }
}
