import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_MANIFEST_PATH,
  ManifestError,
  fillPublicUrl,
  loadManifest,
  parseManifest,
  withPublicUrl,
} from '../../server/manifest/index.js';
import { tempDir } from '../support/processes.js';

type Json = Record<string, unknown>;
type Edit = (manifest: Json) => void;

/** The manifest as written in the repository, re-read for every edit so cases never leak into each other. */
const rawManifest = (): Json => JSON.parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json;

/** The object holding the last segment of a dotted path such as `cards.1.uid`. */
function parentOf(manifest: Json, path: string): [Record<string, unknown>, string] {
  const segments = path.split('.');
  const last = segments.pop()!;
  let node: unknown = manifest;
  for (const segment of segments) node = (node as Record<string, unknown>)[segment];
  return [node as Record<string, unknown>, last];
}
const set =
  (path: string, value: unknown): Edit =>
  (manifest) => {
    const [parent, name] = parentOf(manifest, path);
    parent[name] = value;
  };
const remove =
  (path: string): Edit =>
  (manifest) => {
    const [parent, name] = parentOf(manifest, path);
    delete parent[name];
  };
const append =
  (path: string, value: unknown): Edit =>
  (manifest) => {
    const [parent, name] = parentOf(manifest, path);
    (parent[name] as unknown[]).push(value);
  };
const valueAt = (manifest: Json, path: string): unknown => {
  const [parent, name] = parentOf(manifest, path);
  return parent[name];
};

function issuesAfter(edit: Edit): { path: string; message: string }[] {
  const manifest = rawManifest();
  edit(manifest);
  try {
    parseManifest(manifest);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues;
  }
  throw new Error('the edited manifest was accepted');
}

describe('the app manifest', () => {
  const manifest = loadManifest();

  it('describes Churn Radar as a marketplace OAuth app with the scopes it needs', () => {
    expect(manifest.name).toBe('Churn Radar');
    expect(manifest.distribution).toBe('marketplace');
    expect(manifest.auth.type).toBe('oauth');
    expect([...manifest.auth.requiredScopes].sort()).toEqual(
      [
        'oauth',
        'crm.objects.contacts.read',
        'crm.objects.contacts.write',
        'sales-email-read',
        'tickets',
        'crm.objects.companies.read',
        'crm.objects.companies.write',
        'crm.objects.deals.read',
        'crm.schemas.contacts.write',
        'crm.schemas.companies.write',
        'automation',
        'settings.users.read',
      ].sort(),
    );
    expect(manifest.auth.optionalScopes).toEqual(['crm.objects.feedback_submissions.read']);
    expect(manifest.auth.redirectUrls).toEqual(['{{PUBLIC_URL}}/oauth/callback']);
    expect(manifest.permittedUrls.fetch).toEqual(['{{PUBLIC_URL}}']);
  });

  it('declares a record-tab risk card and a compact sidebar one on contacts', () => {
    expect(manifest.cards.map((card) => [card.location, card.objectTypes, card.entrypoint])).toEqual([
      ['crm.record.tab', ['contacts'], '/app/cards/RiskCard.tsx'],
      ['crm.record.sidebar', ['contacts'], '/app/cards/RiskSidebarCard.tsx'],
    ]);
  });

  it('declares the four retention actions with their inputs and outputs', () => {
    const shape = Object.fromEntries(
      manifest.workflowActions.map((action) => [
        action.key,
        {
          inputs: action.inputFields.map((f) => `${f.typeDefinition.name}:${f.typeDefinition.type}`),
          outputs: action.outputFields.map((f) => `${f.typeDefinition.name}:${f.typeDefinition.type}`),
          objectTypes: action.objectTypes,
        },
      ]),
    );
    expect(shape).toEqual({
      'send-retention-offer': {
        inputs: [
          'offer_type:enumeration',
          'discount_percent:number',
          'validity_days:number',
          'holdout_percent:number',
          'campaign:string',
        ],
        outputs: ['offer_code:string', 'offer_expires_at:datetime', 'group:enumeration'],
        objectTypes: ['CONTACT'],
      },
      'request-feedback': {
        inputs: ['holdout_percent:number', 'campaign:string'],
        outputs: ['survey_url:string', 'group:enumeration'],
        objectTypes: ['CONTACT'],
      },
      'proactive-support': {
        inputs: ['holdout_percent:number', 'campaign:string'],
        outputs: ['ticket_id:string', 'group:enumeration'],
        objectTypes: ['CONTACT'],
      },
      'loyalty-reward': {
        inputs: [
          'points:number',
          'period_days:number',
          'cap_per_period:number',
          'holdout_percent:number',
          'campaign:string',
        ],
        outputs: ['points_awarded:number', 'loyalty_balance:number', 'group:enumeration'],
        objectTypes: ['CONTACT'],
      },
    });
    const offer = manifest.workflowActions[0]!;
    expect(offer.inputFields[0]!.typeDefinition.options?.map((o) => o.value)).toEqual([
      'discount',
      'free_month',
      'upgrade',
    ]);
    for (const action of manifest.workflowActions) {
      const group = action.outputFields.find((f) => f.typeDefinition.name === 'group')!;
      expect(group.typeDefinition.options?.map((o) => o.value)).toEqual(['treatment', 'control']);
      expect(action.labels.en!.actionName).toMatch(/\w/);
    }
  });

  it('declares the "Churn risk" group and the contact properties the app writes', () => {
    const contacts = manifest.crmProperties.contacts!;
    expect(contacts.groups).toEqual([{ name: 'churn_risk', label: 'Churn risk', displayOrder: -1 }]);
    expect(
      Object.fromEntries(contacts.properties.map((p) => [p.name, `${p.type}/${p.fieldType}/${p.groupName}`])),
    ).toEqual({
      churn_risk_score: 'number/number/churn_risk',
      churn_risk_tier: 'enumeration/select/churn_risk',
      churn_risk_reasons: 'string/textarea/churn_risk',
      churn_risk_updated_at: 'datetime/date/churn_risk',
      churn_risk_model: 'string/text/churn_risk',
      retention_offer_code: 'string/text/churn_risk',
      loyalty_points: 'number/number/churn_risk',
    });
    const tier = contacts.properties.find((p) => p.name === 'churn_risk_tier')!;
    expect(tier.options?.map((o) => o.value)).toEqual(['low', 'medium', 'high', 'churned', 'prospect']);
  });

  it('subscribes to the contact, ticket, deal and email changes that move a score', () => {
    const subscriptions = manifest.webhooks!.subscriptions.crmObjects.map(
      (s) => `${s.objectType} ${s.subscriptionType}${s.propertyName ? ` ${s.propertyName}` : ''}`,
    );
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        'contact object.creation',
        'contact object.deletion',
        'contact object.propertyChange lifecyclestage',
        'ticket object.creation',
        'deal object.creation',
        'deal object.propertyChange dealstage',
        'email object.creation',
      ]),
    );
    expect(manifest.webhooks!.targetUrl).toBe('{{PUBLIC_URL}}/webhooks/hubspot');
  });
});

describe('a broken manifest is refused with the place to fix named', () => {
  const cases: [string, Edit, string, RegExp][] = [
    [
      'an unknown scope',
      append('auth.requiredScopes', 'crm.objects.contactz.read'),
      'auth.requiredScopes[12]',
      /unknown OAuth scope "crm\.objects\.contactz\.read"/,
    ],
    [
      'a uid used twice',
      (m) => set('workflowActions.2.uid', valueAt(m, 'cards.0.uid'))(m),
      'workflowActions[2].uid',
      /"churn_radar_risk_card" is used by another component/,
    ],
    ['a uid with a space', set('cards.1.uid', 'risk sidebar'), 'cards[1].uid', /letters, digits/],
    ['a uid over 64 characters', set('webhooks.uid', 'w'.repeat(65)), 'webhooks.uid', /at most 64/],
    [
      'a number property shown as a select',
      set('crmProperties.contacts.properties.0.fieldType', 'select'),
      'crmProperties.contacts.properties[0].fieldType',
      /a number cannot be shown as "select"/,
    ],
    [
      'an output label for an unknown field',
      set('workflowActions.0.labels.en.outputFieldLabels.coupon', 'Coupon'),
      'workflowActions[0].labels.en.outputFieldLabels.coupon',
      /"coupon" is not a field of this action/,
    ],
    [
      'an output field without a label',
      remove('workflowActions.3.labels.en.outputFieldLabels.loyalty_balance'),
      'workflowActions[3].labels.en.outputFieldLabels',
      /field "loyalty_balance" has no label/,
    ],
    [
      'a card text naming no input',
      set('workflowActions.1.labels.en.actionCardContent', 'Ask {{who}}'),
      'workflowActions[1].labels.en.actionCardContent',
      /\{\{who\}\} is not an input field/,
    ],
    [
      'an input field type HubSpot does not have',
      set('workflowActions.0.inputFields.1.typeDefinition.type', 'integer'),
      'workflowActions[0].inputFields[1].typeDefinition.type',
      /./,
    ],
    [
      'an enumeration without options',
      remove('workflowActions.0.inputFields.0.typeDefinition.options'),
      'workflowActions[0].inputFields[0].typeDefinition.options',
      /needs at least one option/,
    ],
    [
      'an action URL off its route',
      set('workflowActions.1.actionUrl', '{{PUBLIC_URL}}/actions/feedback'),
      'workflowActions[1].actionUrl',
      /\/workflow-actions\/request-feedback/,
    ],
    [
      'a property in an undeclared group',
      set('crmProperties.contacts.properties.2.groupName', 'contactinformation'),
      'crmProperties.contacts.properties[2].groupName',
      /group "contactinformation" is not declared/,
    ],
    [
      'a property change subscription without its property',
      remove('webhooks.subscriptions.crmObjects.3.propertyName'),
      'webhooks.subscriptions.crmObjects[3].propertyName',
      /names its property/,
    ],
    [
      'a subscription to objects the app cannot read',
      append('webhooks.subscriptions.crmObjects', {
        subscriptionType: 'object.creation',
        objectType: 'line_item',
        active: true,
      }),
      'webhooks.subscriptions.crmObjects[15].objectType',
      /crm\.objects\.line_items\.read/,
    ],
    [
      'a scope both required and optional',
      append('auth.optionalScopes', 'tickets'),
      'auth.optionalScopes[1]',
      /already listed in requiredScopes/,
    ],
    ['a static marketplace app', set('auth.type', 'static'), 'auth.type', /marketplace app must use "oauth"/],
    [
      'an http redirect URL',
      set('auth.redirectUrls', ['http://churn.example.com/oauth/callback']),
      'auth.redirectUrls[0]',
      /https:\/\//,
    ],
    ['a misspelt key', set('cards.0.entryPoint', '/app/cards/X.tsx'), 'cards[0]', /entryPoint/],
  ];

  it.each(cases)('%s', (_name, edit, path, message) => {
    const issues = issuesAfter(edit);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('stops loading with one error naming the file and every place', () => {
    const dir = tempDir('churn-manifest-');
    const file = join(dir, 'manifest.json');
    const manifest = rawManifest();
    set('crmProperties.contacts.properties.0.fieldType', 'select')(manifest);
    set('workflowActions.0.labels.en.outputFieldLabels.coupon', 'Coupon')(manifest);
    writeFileSync(file, JSON.stringify(manifest));
    let message = '';
    try {
      loadManifest(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.startsWith(`Invalid app manifest ${file}: `)).toBe(true);
    expect(message).toContain(
      'crmProperties.contacts.properties[0].fieldType: a number cannot be shown as "select"',
    );
    expect(message).toContain(
      'workflowActions[0].labels.en.outputFieldLabels.coupon: "coupon" is not a field',
    );
  });

  it('says so when the file is missing or not JSON', () => {
    const dir = tempDir('churn-manifest-');
    expect(() => loadManifest(join(dir, 'absent.json'))).toThrow(/absent\.json: \(file\): cannot be read/);
    writeFileSync(join(dir, 'broken.json'), '{ "name": ');
    expect(() => loadManifest(join(dir, 'broken.json'))).toThrow(/broken\.json: \(file\): is not JSON/);
  });
});

describe('the public URL token', () => {
  it('is replaced everywhere, with or without a trailing slash on the base', () => {
    const resolved = withPublicUrl(loadManifest(), 'https://churn.acme.test/');
    expect(resolved.auth.redirectUrls).toEqual(['https://churn.acme.test/oauth/callback']);
    expect(resolved.workflowActions[0]!.actionUrl).toBe(
      'https://churn.acme.test/workflow-actions/send-retention-offer',
    );
    expect(JSON.stringify(resolved)).not.toContain('{{PUBLIC_URL}}');
    expect(fillPublicUrl('{{PUBLIC_URL}}/webhooks/hubspot', 'http://127.0.0.1:3000')).toBe(
      'http://127.0.0.1:3000/webhooks/hubspot',
    );
  });
});
