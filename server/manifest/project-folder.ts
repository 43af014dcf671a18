/** The folder a generated CRM project is written to: prepared without harming anyone else's files. */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * Makes `outDir` ready: created when missing; refused when it holds files but no `marker` (then it
 * is not a generated project); otherwise only the `owned` paths are removed, so a developer's own
 * files in the folder survive.
 */
export function prepareGeneratedFolder(
  outDir: string,
  marker: string,
  owned: readonly string[],
  refuse: (message: string) => Error,
): void {
  if (!existsSync(outDir)) {
    mkdirSync(outDir, { recursive: true });
    return;
  }
  const entries = readdirSync(outDir);
  if (entries.length > 0 && !entries.includes(marker)) {
    throw refuse(
      `${outDir} is not empty and holds no ${marker}, so it is not a generated project; choose another --out.`,
    );
  }
  for (const path of owned) rmSync(join(outDir, path), { recursive: true, force: true });
}

/** Every file under `dir`, relative with `/` separators, sorted by code point. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(join(dir, file)).isFile())
    .map((file) => file.split(sep).join('/'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
