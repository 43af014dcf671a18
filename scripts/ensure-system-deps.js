#!/usr/bin/env node
// Makes sure the Debian programs the demo and the tests run are installed. As root it installs
// what is missing with apt-get; otherwise it stops with one line saying what to install.
// Usage: node scripts/ensure-system-deps.js <program> ...   (program names as on PATH)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const PACKAGE_OF = { 'redis-server': 'redis-server', chromium: 'chromium', pg_ctl: 'postgresql' };

function installed(program) {
  // Debian keeps PostgreSQL's programs off PATH, in a folder per major version.
  let postgres = [];
  try {
    postgres = readdirSync('/usr/lib/postgresql').map((version) => `/usr/lib/postgresql/${version}/bin`);
  } catch {
    // not installed
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', ...postgres];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = process.argv.slice(2).filter((program) => !installed(program));
if (missing.length === 0) process.exit(0);
const packages = [...new Set(missing.map((program) => PACKAGE_OF[program] ?? program))];

if (process.getuid?.() !== 0) {
  process.stderr.write(
    `Missing ${missing.join(', ')}: install with \`sudo apt-get install -y ${packages.join(' ')}\`\n`,
  );
  process.exit(1);
}
process.stderr.write(`Installing ${packages.join(' ')} with apt-get…\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) {
    process.stderr.write(
      `apt-get ${args[0]} failed; install by hand: apt-get install -y ${packages.join(' ')}\n`,
    );
    process.exit(1);
  }
}
