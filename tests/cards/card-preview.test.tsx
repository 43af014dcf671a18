import { describe, expect, it } from '@jest/globals';
import type { RenderedRootNode } from '@hubspot/ui-extensions/testing';
import { cardHtml } from '../../scripts/card-preview/card-html.js';
import { riskCardHtml } from '../../scripts/card-preview/render-card.js';
import { churned, scored } from './contact-risk-answers.js';

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
    expect(text).toContain('▲ 7.1 pts since last week');
    expect(html).toContain('aria-label="Churn risk by week"');
    expect((html.match(/<circle /g) ?? []).length).toBe(4);
    const reasons = scored.reasons.map((r) => r.text);
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
    const html = await riskCardHtml(churned);
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
