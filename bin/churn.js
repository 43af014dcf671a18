#!/usr/bin/env node
// The `churn` command: its sources compiled to JavaScript (kept up to date by
// ./compiled-sources.js), or run through tsx's loader when the compiled copy cannot be made.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledSources } from './compiled-sources.js';

const compiled = await compiledSources();
if (compiled) {
  // Stack traces name the TypeScript sources' lines.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(compiled, 'cli', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
