import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT as ROOT } from '../server/project-root.js';

const WEB = join(ROOT, 'web');
const BUILT_INDEX = join(WEB, 'dist', 'index.html');

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** True when `web/dist` is missing or older than any of the dashboard's sources. */
export function webBuildIsStale(): boolean {
  let built: number;
  try {
    built = statSync(BUILT_INDEX).mtimeMs;
  } catch {
    return true;
  }
  const sources = [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts')];
  return sources.some((source) => newestChange(source) > built);
}

/**
 * Builds the dashboard (`npm run build:web`) when its build is missing or stale, so `churn demo`
 * and the browser tests always serve the current sources. Returns whether it built.
 */
export async function ensureWebBuilt(log: (message: string) => void = () => {}): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  log('Building the dashboard (web/dist)…');
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolveBuild, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(WEB, 'vite.config.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolveBuild() : reject(new Error(`Building the dashboard failed:\n${output}`)),
    );
  });
  return true;
}
