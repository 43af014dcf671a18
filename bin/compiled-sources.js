// The `churn` command's sources as plain JavaScript, kept up to date in node_modules/.cache.
//
// Running the TypeScript through tsx's loader costs about a CPU-second more at every start (Node
// asks the loader's thread for each of the ~1,000 modules a command loads), which every worker,
// server and CLI command paid. So each TypeScript file under cli/, server/ and sandbox/ is
// transpiled once, file by file and with the same esbuild tsx uses, into a folder named by a
// fingerprint of the sources (every file's path, size and modification time): an edit gives a new
// fingerprint, so the next start transpiles again (about a second) and never runs stale code.
// A folder is written under a temporary name and renamed into place, so processes starting
// together never read a half-written one. Where the cache cannot be written, the command runs
// through tsx as before.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECKOUT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['cli', 'server', 'sandbox'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Versions of the sources whose folders are kept however old (the current one included). */
const KEPT_VERSIONS = 5;

function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  return files.sort();
}

function fingerprint(root, files) {
  const hash = createHash('sha256');
  for (const file of [...files, join(root, 'tsconfig.json'), join(root, 'package-lock.json')]) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(root, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function transpile(root, files, into) {
  const { transform } = await import('esbuild');
  const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  // The folder's .js files are ES modules, as the checkout's are.
  writeFileSync(join(into, 'package.json'), '{ "type": "module", "private": true }\n');
  await Promise.all(
    files.map(async (file) => {
      const target = join(into, relative(root, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      const source = readFileSync(file, 'utf8');
      if (file.endsWith('.mjs')) {
        writeFileSync(target, source);
        return;
      }
      const { code } = await transform(source, {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'inline',
        sourcefile: file,
        tsconfigRaw: { compilerOptions },
      });
      writeFileSync(target, code);
    }),
  );
}

/** Marks a folder as used now: see prune. */
function touch(folder) {
  const now = new Date();
  try {
    utimesSync(folder, now, now);
  } catch {
    // Read-only: it is only kept longer.
  }
}

/**
 * Keeps the folders of the last few versions of the sources and removes older ones once no process
 * has started from them for a day, and scratch folders a killed process left. A worker started
 * before an edit keeps loading modules from its folder (its model threads load theirs as they
 * start), so a folder is not removed the moment the sources change.
 */
function prune(cache, current) {
  const now = Date.now();
  const folders = [];
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    try {
      const usedAt = statSync(path).mtimeMs;
      if (name.endsWith('.tmp')) {
        if (now - usedAt > HOUR_MS) rmSync(path, { recursive: true, force: true });
      } else if (path !== current) folders.push({ path, usedAt });
    } catch {
      // Another process removed it first.
    }
  }
  folders.sort((a, b) => b.usedAt - a.usedAt);
  for (const { path, usedAt } of folders.slice(KEPT_VERSIONS - 1)) {
    if (now - usedAt > DAY_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * The folder holding the up-to-date JavaScript of the sources (transpiled now if the sources
 * changed since), or undefined when it cannot be made. `root` is the checkout's folder.
 */
export async function compiledSources(root = CHECKOUT) {
  try {
    const cache = join(root, 'node_modules', '.cache', 'churn-radar');
    const files = sourceFiles(root);
    const folder = join(cache, fingerprint(root, files));
    if (existsSync(join(folder, 'package.json'))) {
      touch(folder);
      return folder;
    }
    const scratch = `${folder}.${process.pid}.tmp`;
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    await transpile(root, files, scratch);
    try {
      renameSync(scratch, folder);
    } catch (error) {
      // Another process renamed its copy into place first: use that one.
      rmSync(scratch, { recursive: true, force: true });
      if (!existsSync(join(folder, 'package.json'))) throw error;
    }
    prune(cache, folder);
    return folder;
  } catch {
    return undefined;
  }
}
