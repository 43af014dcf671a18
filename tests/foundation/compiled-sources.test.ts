/**
 * The `churn` command runs its sources compiled to JavaScript, from a folder named by a fingerprint
 * of the sources (bin/compiled-sources.js): it must never run code older than the sources, and
 * processes starting together must each get a whole folder.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { compiledSources } from '../../bin/compiled-sources.js';
import { ROOT, tempDir } from '../support/processes.js';

const run = promisify(execFile);

/** A checkout with a command, a module it imports, and the model threads' plain entry. */
function checkout(answer: number): string {
  const root = tempDir('churn-compiled-');
  mkdirSync(join(root, 'cli'));
  mkdirSync(join(root, 'server', 'model'), { recursive: true });
  writeFileSync(join(root, 'tsconfig.json'), readFileSync(join(ROOT, 'tsconfig.json')));
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  writeFileSync(
    join(root, 'cli', 'main.ts'),
    "import { answer, type Answer } from '../server/answer.js';\nexport const result: Answer = answer;\n",
  );
  setAnswer(root, answer);
  writeFileSync(join(root, 'server', 'model', 'thread-entry.mjs'), 'export const plain = true;\n');
  return root;
}

function setAnswer(root: string, answer: number): void {
  writeFileSync(
    join(root, 'server', 'answer.ts'),
    `export type Answer = number;\nexport const answer: Answer = ${answer};\n`,
  );
}

/** What the compiled command exports, read by a Node process of its own (no TypeScript loader). */
function resultOf(folder: string): number {
  const url = pathToFileURL(join(folder, 'cli', 'main.js')).href;
  const out = execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `console.log((await import(${JSON.stringify(url)})).result)`,
  ]);
  return Number(out.toString().trim());
}

describe('the churn command’s compiled sources', () => {
  it('are plain JavaScript modules that run without a TypeScript loader', async () => {
    const root = checkout(42);
    const folder = (await compiledSources(root))!;
    expect(folder.startsWith(join(root, 'node_modules', '.cache', 'churn-radar'))).toBe(true);
    expect(resultOf(folder)).toBe(42);
    // Non-TypeScript modules are copied as they are.
    expect(readFileSync(join(folder, 'server', 'model', 'thread-entry.mjs'), 'utf8')).toContain('plain');
    // Asked again with nothing changed, the same folder, not a second compile.
    expect(await compiledSources(root)).toBe(folder);
  });

  it('follow an edit at the next start, and keep the folder a running process started from', async () => {
    const root = checkout(1);
    const before = (await compiledSources(root))!;
    setAnswer(root, 2);
    const after = (await compiledSources(root))!;
    expect(after).not.toBe(before);
    expect(resultOf(after)).toBe(2);
    expect(resultOf(before)).toBe(1);
  });

  it('give processes that start together the same whole folder', async () => {
    const root = checkout(7);
    const script = `const { compiledSources } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'bin', 'compiled-sources.js')).href)}); console.log(await compiledSources(${JSON.stringify(root)}));`;
    const outs = await Promise.all(
      [1, 2, 3].map(() => run(process.execPath, ['--input-type=module', '-e', script])),
    );
    const folders = new Set(outs.map((o) => o.stdout.trim()));
    expect(folders.size).toBe(1);
    const [folder] = [...folders];
    expect(resultOf(folder!)).toBe(7);
    // No scratch copy is left behind.
    expect(readdirSync(join(root, 'node_modules', '.cache', 'churn-radar'))).toEqual([
      folder!.split('/').at(-1),
    ]);
  });

  it('remove the scratch folder of a process killed a day ago while compiling', async () => {
    const root = checkout(3);
    const cache = join(root, 'node_modules', '.cache', 'churn-radar');
    const scratch = join(cache, '0123456789abcdef.4242.tmp');
    mkdirSync(scratch, { recursive: true });
    const dayAgo = new Date(Date.now() - 86_400_000);
    utimesSync(scratch, dayAgo, dayAgo);
    await compiledSources(root);
    expect(existsSync(scratch)).toBe(false);
  });

  it('keep the last five versions, and remove older ones no process started from for a day', async () => {
    const root = checkout(4);
    const cache = join(root, 'node_modules', '.cache', 'churn-radar');
    const HOUR = 3_600_000;
    // Six versions last used two days ago or more, one an hour ago.
    const usedAgo = { a: 49, b: 50, c: 51, d: 52, e: 53, f: 54, g: 1 };
    for (const [name, hours] of Object.entries(usedAgo)) {
      mkdirSync(join(cache, name), { recursive: true });
      const at = new Date(Date.now() - hours * HOUR);
      utimesSync(join(cache, name), at, at);
    }
    const current = (await compiledSources(root))!;
    // The current one and the four used last are kept; older ones unused for a day go.
    expect(readdirSync(cache).sort()).toEqual(['a', 'b', 'c', current.split('/').at(-1), 'g'].sort());
  });

  it('are not used where they cannot be written: the command then runs through tsx', async () => {
    const root = checkout(5);
    // A file where the cache folder would go.
    writeFileSync(join(root, 'node_modules'), '');
    expect(await compiledSources(root)).toBeUndefined();
  });
});
