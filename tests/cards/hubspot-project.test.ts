import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateHubSpotProject, loadManifest } from '../../server/manifest/index.js';
import { ROOT, tempDir } from '../support/processes.js';

const PUBLIC_URL = 'https://churn.acme.test';

describe('the risk cards in the generated HubSpot project', () => {
  it('ships both entrypoints and their parts, fetching from the public URL the app permits', async () => {
    const outDir = join(tempDir('churn-card-project-'), 'hubspot-project');
    const project = generateHubSpotProject(loadManifest(), { publicUrl: PUBLIC_URL, outDir });

    expect(project.missingEntrypoints).toEqual([]);
    const cards = project.files.filter((file) => file.startsWith('src/app/cards/'));
    expect(cards).toEqual(
      expect.arrayContaining([
        'src/app/cards/RiskCard.tsx',
        'src/app/cards/RiskSidebarCard.tsx',
        'src/app/cards/RiskParts.tsx',
        'src/app/cards/contact-risk.ts',
        'src/app/cards/api-base.ts',
        'src/app/cards/package.json',
      ]),
    );
    expect(cards.filter((file) => /\.test\./.test(file))).toEqual([]);

    const apiBase = readFileSync(join(outDir, 'src/app/cards/api-base.ts'), 'utf8');
    expect(apiBase).toContain(`'${PUBLIC_URL}'`);
    expect(apiBase).not.toContain('{{PUBLIC_URL}}');
    const app = JSON.parse(readFileSync(join(outDir, 'src/app/app-hsmeta.json'), 'utf8'));
    expect(app.config.permittedUrls.fetch).toEqual([PUBLIC_URL]);

    // The copied sources type-check on their own under --strict, as HubSpot's build sees them.
    symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
    const tsc = join(ROOT, 'node_modules/typescript/lib/tsc.js');
    const entrypoints = ['RiskCard.tsx', 'RiskSidebarCard.tsx'].map((file) =>
      join(outDir, 'src/app/cards', file),
    );
    const run = promisify(execFile)(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--jsx',
        'react-jsx',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        ...entrypoints,
      ],
      { cwd: outDir },
    );
    await expect(run).resolves.toMatchObject({ stdout: '' });
  }, 300_000);
});
