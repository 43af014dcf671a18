import { describe, expect, it } from '@jest/globals';
import type { RenderedRootNode } from '@hubspot/ui-extensions/testing';
import type { ContactRisk } from '../../app/cards/contact-risk.js';
import { cardHtml } from '../../scripts/card-preview/card-html.js';
import { riskCardHtml } from '../../scripts/card-preview/render-card.js';

const scored: ContactRisk = {
  status: 'scored',
  customer: { status: 'active', since: '2023-04-03T00:00:00.000Z', leftOn: null, evidence: null },
  contactId: '123',
  contact: { name: 'Ada Lovelace', email: 'ada@example.com' },
  sync: null,
  score: {
    id: 991,
    value: 82.3,
    probability: 0.823,
    tier: 'high',
    scoredAt: '2026-11-30T06:00:00.000Z',
    model: { id: 7, version: 3, family: 'gbdt', isStarter: false, label: 'Portal model v3' },
  },
  trend: { change: 12.5, previous: 69.8, previousScoredAt: '2026-11-23T06:00:00.000Z' },
  history: [
    { week: '2026-11-09', score: 55.1 },
    { week: '2026-11-16', score: 61 },
    { week: '2026-11-23', score: 69.8 },
    { week: '2026-11-30', score: 82.3 },
  ],
  reasons: [
    {
      feature: 'days_since_last_use',
      text: 'No product use in 4 weeks',
      direction: 'raises',
      contribution: 1.2,
    },
    {
      feature: 'tickets_30d',
      text: '3 support tickets in 30 days, angry',
      direction: 'raises',
      contribution: 0.8,
    },
    { feature: 'tenure_days', text: 'Days as a customer: 1,200', direction: 'lowers', contribution: -0.4 },
  ],
  recommendation: {
    play: 'proactive_support',
    title: 'Proactive support call',
    because: 'Tickets open now: 3',
  },
  renewal: { date: '2026-12-31T00:00:00.000Z', valueAtRisk: 24000, dealName: 'Renewal 2027' },
  viewer: { userId: '4711', canRunPlays: true, canGiveFeedback: true },
};

const textOf = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describe("the risk card's picture", () => {
  it('draws what the card shows a scored customer: score, tier, trend, chart, reasons, next step, facts, buttons', async () => {
    const html = await riskCardHtml(scored);
    const text = textOf(html);
    expect(text).toContain('82.3');
    expect(html).toMatch(/<span class="tag danger">High risk<\/span>/);
    expect(text).toContain('▲ 12.5 pts since last week');
    expect(html).toContain('aria-label="Churn risk by week"');
    expect((html.match(/<circle /g) ?? []).length).toBe(4);
    const reasons = [
      'No product use in 4 weeks',
      '3 support tickets in 30 days, angry',
      'Days as a customer: 1,200',
    ];
    const at = reasons.map((r) => text.indexOf(r));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toContain('Next step: Proactive support call');
    expect(text).toContain('Value at risk');
    for (const button of [
      'Send retention offer',
      'Ask for feedback',
      'Schedule check-in',
      'This looks wrong',
    ])
      expect(html).toContain(`>${button}</button>`);
  });

  it('draws a customer who left with when and why, and no score or buttons', async () => {
    const html = await riskCardHtml({
      ...scored,
      status: 'churned',
      customer: {
        status: 'churned',
        since: '2023-04-03T00:00:00.000Z',
        leftOn: '2026-11-22T00:00:00.000Z',
        evidence: 'Renewal lost: Acme renewal',
      },
      score: null,
      trend: null,
      history: [],
      reasons: [],
      recommendation: null,
      renewal: null,
    });
    expect(textOf(html)).toContain('Renewal lost: Acme renewal');
    expect(html).not.toContain('<button');
    expect(html).not.toContain('class="tag');
  });

  it('refuses a component it has no drawing of, rather than leave it out of the picture', () => {
    const root = {
      childNodes: [{ nodeType: 'element', name: 'Image', props: {}, childNodes: [] }],
    } as unknown as RenderedRootNode;
    expect(() => cardHtml(root, 'Churn risk')).toThrow('the card preview has no drawing of Image');
  });
});
