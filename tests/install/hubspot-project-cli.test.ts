import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, spawnProcess, tempDir } from '../support/processes.js';

/** `npm run hubspot:project -- …args` as an operator would type it. */
async function runScript(args: string[], env: Record<string, string> = {}) {
  const run = spawnProcess('npm', ['run', '--silent', 'hubspot:project', '--', ...args], env);
  const { code } = await run.exited();
  return { code, output: run.output() };
}

function redirectUrlsIn(outDir: string): string[] {
  const app = JSON.parse(readFileSync(join(outDir, 'src/app/app-hsmeta.json'), 'utf8')) as {
    config: { auth: { redirectUrls: string[] } };
  };
  return app.config.auth.redirectUrls;
}

describe('npm run hubspot:project', () => {
  it('writes the project folder for the given public URL', async () => {
    const outDir = join(tempDir('churn-hsproject-cli-'), 'project');
    const { code, output } = await runScript(['--out', outDir, '--public-url', 'https://churn.acme.test']);
    expect(code).toBe(0);
    expect(output).toContain(`Wrote the HubSpot project for Churn Radar to ${outDir}`);
    expect(existsSync(join(outDir, 'hsproject.json'))).toBe(true);
    expect(existsSync(join(outDir, 'src/app/workflow-actions/send-retention-offer-hsmeta.json'))).toBe(true);
    expect(redirectUrlsIn(outDir)).toEqual(['https://churn.acme.test/oauth/callback']);
  });

  it('takes the public URL from PUBLIC_URL when no flag is given', async () => {
    const outDir = join(tempDir('churn-hsproject-cli-'), 'project');
    const { code } = await runScript(['--out', outDir], { PUBLIC_URL: 'https://radar.example.org' });
    expect(code).toBe(0);
    expect(redirectUrlsIn(outDir)).toEqual(['https://radar.example.org/oauth/callback']);
  });

  it('refuses an http:// public URL with a clear message and writes nothing', async () => {
    const outDir = join(tempDir('churn-hsproject-cli-'), 'project');
    const { code, output } = await runScript(['--out', outDir, '--public-url', 'http://127.0.0.1:3000']);
    expect(code).toBe(1);
    expect(output).toMatch(
      /^hubspot:project: The public URL http:\/\/127\.0\.0\.1:3000 must use https:\/\//m,
    );
    expect(output).not.toMatch(/at .*\.ts:\d+/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('refuses a broken manifest, naming the place to fix', async () => {
    const dir = tempDir('churn-hsproject-cli-');
    const manifest = JSON.parse(readFileSync(join(ROOT, 'app/manifest.json'), 'utf8')) as {
      auth: { requiredScopes: string[] };
    };
    manifest.auth.requiredScopes.push('contacts');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const { code, output } = await runScript([
      '--manifest',
      join(dir, 'manifest.json'),
      '--out',
      join(dir, 'out'),
    ]);
    expect(code).toBe(1);
    expect(output).toContain('auth.requiredScopes[12]: unknown OAuth scope "contacts"');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
