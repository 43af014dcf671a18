import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { ASSOCIATION_TYPE_IDS, SandboxStore, type CrmRecord } from '../../sandbox/store.js';
import { createWebViewRouter } from '../../sandbox/web/router.js';
import { callApi, installApp, NO_LIMITS } from '../support/sandbox-server.js';

const HOSTILE = '<script>alert("x")</script> & "quotes"';
const APP = {
  appId: 7,
  clientId: 'c7',
  clientSecret: 's7',
  redirectUris: ['http://127.0.0.1:9/oauth/callback'],
};
const RISK_PROPERTIES = [
  { name: 'churn_risk_score', label: 'Churn risk score', type: 'number', fieldType: 'number' },
  {
    name: 'churn_risk_tier',
    label: 'Churn risk tier',
    type: 'enumeration',
    fieldType: 'select',
    options: ['low', 'medium', 'high'].map((value, displayOrder) => ({ label: value, value, displayOrder })),
  },
  { name: 'churn_risk_reasons', label: 'Churn risk reasons', type: 'string', fieldType: 'textarea' },
];

describe('read-only web view', () => {
  let sandbox: RunningSandbox;
  let base: string;
  let scored: CrmRecord;

  const page = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    // Layout whitespace is not what a reader sees: collapse it so assertions read like the page.
    const text = (await response.text()).replace(/\s+/g, ' ').replace(/> </g, '><');
    return { status: response.status, headers: response.headers, text };
  };

  beforeAll(async () => {
    const store = new SandboxStore();
    sandbox = await startSandbox({
      store,
      apps: [APP],
      portals: [501, 502],
      extraRouters: [createWebViewRouter(store)],
      rateLimits: NO_LIMITS,
    });
    base = sandbox.url;
    const portal = store.portal(501)!;
    const at = new Date('2026-06-01T12:00:00Z');
    for (let i = 0; i < 120; i += 1) {
      portal.createRecord('contacts', { email: `person${i}@example.com`, firstname: `Person${i}` }, at);
    }
    scored = portal.createRecord(
      'contacts',
      { email: 'ada@lovelace.example', firstname: 'Ada', lastname: 'Lovelace', lifecyclestage: 'customer' },
      at,
    );

    // The app installs, creates its properties and writes a score back, all through the API.
    const scopes = ['oauth', 'crm.objects.contacts.write', 'crm.schemas.contacts.write'];
    const token = (await installApp(base, 501, scopes, APP)).access_token;
    for (const property of RISK_PROPERTIES) {
      const created = await callApi(base, token, 'POST', '/crm/properties/2026-03/contacts', {
        groupName: 'contactinformation',
        ...property,
      });
      expect(created.status).toBe(201);
    }
    const written = await callApi(base, token, 'PATCH', `/crm/objects/2026-03/contacts/${scored.id}`, {
      properties: { churn_risk_score: '87', churn_risk_tier: 'high', churn_risk_reasons: HOSTILE },
    });
    expect(written.status).toBe(200);

    const link = (
      type: 'emails' | 'tickets' | 'deals' | 'feedback_submissions',
      properties: Record<string, string>,
    ) => {
      const record = portal.createRecord(type, properties, at);
      portal.associate('contacts', scored.id, type, record.id, ASSOCIATION_TYPE_IDS[`contacts:${type}`]!);
    };
    link('emails', {
      hs_timestamp: '2026-03-10T09:00:00.000Z',
      hs_email_subject: 'Your renewal <soon>',
      hs_email_direction: 'EMAIL',
      hs_email_text: 'Hi Ada, your plan renews next month.',
    });
    link('tickets', {
      createdate: '2026-04-02T15:30:00.000Z',
      subject: 'Export keeps failing',
      hs_ticket_priority: 'HIGH',
      content: 'This is the third time this week!',
    });
    link('deals', {
      closedate: '2026-05-20T00:00:00.000Z',
      dealname: 'Renewal 2026',
      dealstage: 'closedlost',
    });
    link('feedback_submissions', { hs_submission_timestamp: '2026-02-01T10:00:00.000Z', hs_value: '3' });
    for (const [day, minutes] of [
      ['2026-05-01', 30],
      ['2026-05-01', 15],
      ['2026-01-15', 60],
    ] as const) {
      portal.usage.add({
        eventId: `u-${day}-${minutes}`,
        contactId: scored.id,
        email: 'ada@lovelace.example',
        type: 'session',
        minutes,
        occurredAt: new Date(`${day}T10:00:00Z`),
      });
    }
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('lists the portals with their contact counts and links', async () => {
    const { status, headers, text } = await page('/_sandbox/ui');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('text/html');
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(text).toContain('href="/_sandbox/ui/portals/501/contacts"');
    expect(text).toContain('href="/_sandbox/ui/portals/502/contacts"');
    expect(text).toMatch(/<td class="num">121<\/td>/);
    expect(text).not.toContain('<script');
  });

  it('pages the contacts and shows the written-back risk columns, escaped', async () => {
    const first = await page('/_sandbox/ui/portals/501/contacts');
    expect(first.text).toContain('Page 1 of 3');
    // The app defined the properties, so their columns show even where no score is written yet.
    expect(first.text).toContain(
      '<th>churn_risk_score</th><th>churn_risk_tier</th><th>churn_risk_reasons</th>',
    );
    expect(first.text).toContain('person0@example.com');
    expect(first.text).not.toContain('person50@example.com');
    expect(first.text).toContain('href="/_sandbox/ui/portals/501/contacts?page=2"');

    const last = await page('/_sandbox/ui/portals/501/contacts?page=3');
    expect(last.text).toContain('Page 3 of 3');
    expect(last.text).toContain('ada@lovelace.example');
    expect(last.text).toContain(
      '<td>87</td><td><span class="badge tier-high">high</span></td><td>&lt;script&gt;',
    );
    expect(last.text).toContain('<span class="badge tier-high">high</span>');
    expect(last.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(last.text).not.toContain('<script>');
  });

  it('finds contacts by email, keeping the search in the page links', async () => {
    const found = await page('/_sandbox/ui/portals/501/contacts?q=LOVELACE');
    expect(found.text).toContain('1 contact matching');
    expect(found.text).toContain(`href="/_sandbox/ui/portals/501/contacts/${scored.id}"`);
    expect(found.text).not.toContain('person1@example.com');

    const several = await page('/_sandbox/ui/portals/501/contacts?q=person1');
    // person1, person10–19, person100–119: 31 contacts, one page.
    expect(several.text).toContain('31 contacts matching');

    const paged = await page('/_sandbox/ui/portals/501/contacts?q=person&page=2');
    expect(paged.text).toContain('120 contacts matching');
    expect(paged.text).toContain('Page 2 of 3');
    expect(paged.text).toContain('href="/_sandbox/ui/portals/501/contacts?q=person&amp;page=3"');
    expect(paged.text).toContain('href="/_sandbox/ui/portals/501/contacts?q=person&amp;page=1"');

    const hostile = await page(`/_sandbox/ui/portals/501/contacts?q=${encodeURIComponent('"><b>x</b>')}`);
    expect(hostile.text).toContain('value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;"');
    expect(hostile.text).not.toContain('<b>x</b>');
  });

  it('shows one contact’s written-back properties and a dated timeline, newest first', async () => {
    const { status, text } = await page(`/_sandbox/ui/portals/501/contacts/${scored.id}`);
    expect(status).toBe(200);
    expect(text).toContain('Ada Lovelace');
    const riskCard = text.slice(
      text.indexOf('Churn risk (written by the app)'),
      text.indexOf('<h2>Timeline'),
    );
    expect(riskCard).toContain('<th scope="row">churn_risk_score</th><td>87</td>');
    expect(riskCard).toContain('<span class="badge tier-high">high</span>');
    expect(riskCard).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(text).not.toContain('<script>');

    const timeline = text.slice(text.indexOf('<h2>Timeline'), text.indexOf('<h2>All properties'));
    const order = [
      'Renewal 2026',
      '2 sessions, 45 min',
      'Export keeps failing',
      'Your renewal &lt;soon&gt;',
      '<strong>Feedback</strong>',
      '1 session, 60 min',
    ].map((needle) => timeline.indexOf(needle));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(timeline).toContain('hs_ticket_priority: HIGH');
    expect(timeline).toContain('This is the third time this week!');
    expect(timeline).toContain('2026-05-20 00:00');
  });

  it('answers 404 pages for unknown portals and contacts', async () => {
    expect((await page('/_sandbox/ui/portals/999/contacts')).status).toBe(404);
    const missing = await page('/_sandbox/ui/portals/501/contacts/%3Cnope%3E');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('no contact &lt;nope&gt;');
  });
});
