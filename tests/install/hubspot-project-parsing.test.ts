import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATEST_SUPPORTED_PLATFORM_VERSION } from '@hubspot/project-parsing-lib/projects';
import { generateHubSpotProject, loadManifest, type AppManifest } from '../../server/manifest/index.js';
import { tempDir } from '../support/processes.js';
import { checkHubSpotProject, hsmetaFiles, type ParsedProject } from './hubspot-project-schema.js';

const PUBLIC_URL = 'https://churn.acme.test';

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe("the generated HubSpot project, read by HubSpot's own parser", () => {
  let manifest: AppManifest;
  let outDir: string;
  let parsed: ParsedProject;

  beforeAll(async () => {
    manifest = loadManifest();
    outDir = join(tempDir('churn-hsproject-'), 'hubspot-project');
    generateHubSpotProject(manifest, { publicUrl: PUBLIC_URL, outDir });
    parsed = await checkHubSpotProject(outDir);
  });

  it('is a platform 2026.03 project, the newest HubSpot supports', () => {
    expect(parsed.platformVersion).toBe('2026.03');
    expect(LATEST_SUPPORTED_PLATFORM_VERSION).toBe('2026.03');
  });

  it('has no skipped file, no component without a valid uid, nothing misplaced and nothing off-schema', () => {
    expect(parsed.problems).toEqual([]);
  });

  it('holds one node per component of the manifest, each under its own uid', () => {
    const expected = [
      [manifest.uid, 'APPLICATION'],
      ...manifest.cards.map((card) => [card.uid, 'CARD']),
      ...manifest.workflowActions.map((action) => [action.uid, 'WORKFLOW_ACTION']),
      [manifest.webhooks!.uid, 'WEBHOOKS'],
    ];
    const actual = Object.entries(parsed.nodes).map(([key, node]) => {
      expect(node.uid).toBe(key);
      return [key, node.componentType];
    });
    expect(actual.sort()).toEqual(expected.sort());
    for (const node of Object.values(parsed.nodes)) {
      if (node.componentType !== 'APPLICATION') expect(node.componentDeps.app).toBe(manifest.uid);
    }
  });

  it('points HubSpot at the public URL for OAuth, card fetches, actions and webhooks', () => {
    const src = join(outDir, 'src/app');
    const app = readJson(join(src, 'app-hsmeta.json')).config as {
      auth: { redirectUrls: string[] };
      permittedUrls: { fetch: string[] };
    };
    expect(app.auth.redirectUrls).toEqual([`${PUBLIC_URL}/oauth/callback`]);
    expect(app.permittedUrls.fetch).toEqual([PUBLIC_URL]);
    for (const action of manifest.workflowActions) {
      const config = readJson(join(src, `workflow-actions/${action.key}-hsmeta.json`)).config as {
        actionUrl: string;
      };
      expect(config.actionUrl).toBe(`${PUBLIC_URL}/workflow-actions/${action.key}`);
    }
    const webhooks = readJson(join(src, 'webhooks/webhooks-hsmeta.json')).config as {
      settings: { targetUrl: string };
    };
    expect(webhooks.settings.targetUrl).toBe(`${PUBLIC_URL}/webhooks/hubspot`);
    for (const file of hsmetaFiles(join(outDir, 'src'))) {
      expect(readFileSync(join(outDir, 'src', file), 'utf8')).not.toContain('{{PUBLIC_URL}}');
    }
  });

  it('keeps the input fields in the order the workflow editor shows them', () => {
    const config = readJson(join(outDir, 'src/app/workflow-actions/loyalty-reward-hsmeta.json')).config as {
      inputFields: { typeDefinition: { name: string } }[];
    };
    expect(config.inputFields.map((field) => field.typeDefinition.name)).toEqual([
      'points',
      'period_days',
      'cap_per_period',
      'holdout_percent',
      'campaign',
    ]);
  });
});

describe('the project check', () => {
  it('catches what the parser lets through silently', async () => {
    const outDir = join(tempDir('churn-hsproject-'), 'hubspot-project');
    generateHubSpotProject(loadManifest(), { publicUrl: PUBLIC_URL, outDir });
    const cards = join(outDir, 'src/app/cards');
    // A card without its uid, one with a bad uid, a nested file, a component in the wrong folder, broken JSON, an http URL.
    const card = readJson(join(cards, 'risk-card-hsmeta.json'));
    delete card.uid;
    writeFileSync(join(cards, 'risk-card-hsmeta.json'), JSON.stringify(card));
    mkdirSync(join(cards, 'nested'));
    writeFileSync(
      join(cards, 'nested/extra-hsmeta.json'),
      JSON.stringify({ uid: 'extra', type: 'card', config: {} }),
    );
    const action = readJson(join(outDir, 'src/app/workflow-actions/request-feedback-hsmeta.json'));
    writeFileSync(join(cards, 'feedback-hsmeta.json'), JSON.stringify({ ...action, uid: 'moved_action' }));
    writeFileSync(join(outDir, 'src/app/webhooks/webhooks-hsmeta.json'), '{ "uid": ');
    const sidebar = readJson(join(cards, 'risk-sidebar-hsmeta.json'));
    writeFileSync(
      join(cards, 'risk-sidebar-hsmeta.json'),
      JSON.stringify({ ...sidebar, uid: 'risk sidebar!' }),
    );
    const offerFile = join(outDir, 'src/app/workflow-actions/send-retention-offer-hsmeta.json');
    const offer = readJson(offerFile) as { config: { actionUrl: string } };
    offer.config.actionUrl = 'http://localhost:3000/workflow-actions/send-retention-offer';
    writeFileSync(offerFile, JSON.stringify(offer));

    const { problems } = await checkHubSpotProject(outDir);

    expect(problems).toEqual(
      expect.arrayContaining([
        "app/cards/nested/extra-hsmeta.json: skipped by HubSpot's parser",
        'app/cards/risk-card-hsmeta.json: component has no uid',
        'app/cards/feedback-hsmeta.json: a workflow-action belongs in app/workflow-actions/',
        expect.stringMatching(/^app\/cards\/risk-sidebar-hsmeta\.json: 'uid' should use only letters/),
        "app/webhooks/webhooks-hsmeta.json: not read by HubSpot's parser (is it valid JSON?)",
        expect.stringMatching(/^app\/cards\/risk-card-hsmeta\.json: \/ must have required property 'uid'/),
        expect.stringMatching(
          /^app\/workflow-actions\/send-retention-offer-hsmeta\.json: \/config\/actionUrl /,
        ),
      ]),
    );
  });
});
