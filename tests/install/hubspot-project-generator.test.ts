import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  generateHubSpotProject,
  HubSpotProjectError,
  loadManifest,
  PublicUrlError,
  type AppManifest,
} from '../../server/manifest/index.js';
import { tempDir } from '../support/processes.js';

const PUBLIC_URL = 'https://churn.acme.test';

/** Every file of a folder with its bytes, keyed by relative path. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const file = join(entry.parentPath, entry.name);
        return [relative(dir, file).split(sep).join('/'), readFileSync(file, 'utf8')];
      })
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
}

const newOutDir = () => join(tempDir('churn-hsproject-'), 'hubspot-project');

describe('generating the HubSpot project', () => {
  it('writes the project files under stable names', () => {
    const outDir = newOutDir();
    const project = generateHubSpotProject(loadManifest(), {
      publicUrl: PUBLIC_URL,
      outDir,
      cardSourceDir: null,
    });
    expect(project.files).toEqual([
      'hsproject.json',
      'src/app/app-hsmeta.json',
      'src/app/cards/risk-card-hsmeta.json',
      'src/app/cards/risk-sidebar-hsmeta.json',
      'src/app/webhooks/webhooks-hsmeta.json',
      'src/app/workflow-actions/loyalty-reward-hsmeta.json',
      'src/app/workflow-actions/proactive-support-hsmeta.json',
      'src/app/workflow-actions/request-feedback-hsmeta.json',
      'src/app/workflow-actions/send-retention-offer-hsmeta.json',
    ]);
    expect(JSON.parse(readFileSync(join(outDir, 'hsproject.json'), 'utf8'))).toEqual({
      name: 'churn-radar',
      platformVersion: '2026.03',
      srcDir: 'src',
    });
  });

  it('asks for the scopes that create and write the company properties (HubSpot projects have no property component)', () => {
    const outDir = newOutDir();
    generateHubSpotProject(loadManifest(), { publicUrl: PUBLIC_URL, outDir, cardSourceDir: null });
    const app = JSON.parse(readFileSync(join(outDir, 'src/app/app-hsmeta.json'), 'utf8')) as {
      config: { auth: { requiredScopes: string[] } };
    };
    expect(app.config.auth.requiredScopes).toEqual(
      expect.arrayContaining(['crm.schemas.companies.write', 'crm.objects.companies.write']),
    );
    expect(loadManifest().crmProperties.companies!.properties.map((p) => p.name)).toEqual([
      'churn_risk_score',
      'churn_risk_tier',
      'churn_risk_reasons',
    ]);
  });

  it('gives byte-identical output whatever order the manifest lists sets and keys in', () => {
    const manifest = loadManifest();
    const reordered = JSON.parse(JSON.stringify(manifest), (_key, value: unknown) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as AppManifest;
    reordered.auth.requiredScopes.reverse();
    reordered.webhooks!.subscriptions.crmObjects.reverse();
    const first = newOutDir();
    const second = newOutDir();
    generateHubSpotProject(manifest, { publicUrl: PUBLIC_URL, outDir: first, cardSourceDir: null });
    generateHubSpotProject(reordered, { publicUrl: `${PUBLIC_URL}/`, outDir: second, cardSourceDir: null });
    expect(snapshot(second)).toEqual(snapshot(first));
  });

  it.each([
    ['http://churn.acme.test', /must use https:\/\//],
    ['https://localhost:3000', /points at this machine \(localhost\)/],
    ['https://127.0.0.1', /points at this machine/],
    ['not a url', /is not a URL/],
  ])('refuses the public URL %s and writes nothing', (publicUrl, message) => {
    const outDir = newOutDir();
    expect(() => generateHubSpotProject(loadManifest(), { publicUrl, outDir })).toThrow(PublicUrlError);
    expect(() => generateHubSpotProject(loadManifest(), { publicUrl, outDir })).toThrow(message);
    expect(existsSync(outDir)).toBe(false);
  });

  it("copies the cards' sources next to their config, leaving out tests and stray configs", () => {
    const cardSourceDir = tempDir('churn-cards-');
    writeFileSync(
      join(cardSourceDir, 'RiskCard.tsx'),
      'export default function RiskCard() { return null; }\n',
    );
    writeFileSync(
      join(cardSourceDir, 'RiskSidebarCard.tsx'),
      'export default function Sidebar() { return null; }\n',
    );
    writeFileSync(join(cardSourceDir, 'package.json'), '{ "name": "churn-radar-cards" }\n');
    writeFileSync(join(cardSourceDir, 'RiskCard.test.tsx'), 'test\n');
    writeFileSync(join(cardSourceDir, 'old-hsmeta.json'), '{}\n');
    mkdirSync(join(cardSourceDir, 'parts'));
    writeFileSync(join(cardSourceDir, 'parts/Trend.tsx'), 'export const Trend = () => null;\n');

    const outDir = newOutDir();
    const project = generateHubSpotProject(loadManifest(), { publicUrl: PUBLIC_URL, outDir, cardSourceDir });

    expect(project.files.filter((file) => file.startsWith('src/app/cards/'))).toEqual([
      'src/app/cards/RiskCard.tsx',
      'src/app/cards/RiskSidebarCard.tsx',
      'src/app/cards/package.json',
      'src/app/cards/parts/Trend.tsx',
      'src/app/cards/risk-card-hsmeta.json',
      'src/app/cards/risk-sidebar-hsmeta.json',
    ]);
    expect(project.missingEntrypoints).toEqual([]);
  });

  it('reports card entrypoints that have no source yet', () => {
    const project = generateHubSpotProject(loadManifest(), {
      publicUrl: PUBLIC_URL,
      outDir: newOutDir(),
      cardSourceDir: tempDir('churn-cards-'),
    });
    expect(project.missingEntrypoints).toEqual(['/app/cards/RiskCard.tsx', '/app/cards/RiskSidebarCard.tsx']);
  });

  it('replaces an earlier generation, dropping components no longer in the manifest but keeping local.json', () => {
    const outDir = newOutDir();
    generateHubSpotProject(loadManifest(), { publicUrl: PUBLIC_URL, outDir, cardSourceDir: null });
    writeFileSync(join(outDir, 'src/app/local.json'), '{ "proxy": {} }\n');
    const smaller = loadManifest();
    smaller.workflowActions = smaller.workflowActions.filter((action) => action.key !== 'loyalty-reward');

    generateHubSpotProject(smaller, { publicUrl: PUBLIC_URL, outDir, cardSourceDir: null });

    expect(readdirSync(join(outDir, 'src/app/workflow-actions')).sort()).toEqual([
      'proactive-support-hsmeta.json',
      'request-feedback-hsmeta.json',
      'send-retention-offer-hsmeta.json',
    ]);
    expect(readFileSync(join(outDir, 'src/app/local.json'), 'utf8')).toContain('proxy');
  });

  it('refuses to write into a folder that is not a generated project', () => {
    const outDir = tempDir('churn-not-a-project-');
    writeFileSync(join(outDir, 'notes.txt'), 'keep me\n');
    expect(() => generateHubSpotProject(loadManifest(), { publicUrl: PUBLIC_URL, outDir })).toThrow(
      HubSpotProjectError,
    );
    expect(readdirSync(outDir)).toEqual(['notes.txt']);
  });
});
