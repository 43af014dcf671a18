import { describe, it, expect } from '@jest/globals';
import { npsComment } from '../../sandbox/generator/feedback-text.js';
import { generatePortal } from '../../sandbox/generator/index.js';
import { Random } from '../../sandbox/generator/random.js';
import { ticketText, type Tone } from '../../sandbox/generator/ticket-text.js';
import { SandboxStore } from '../../sandbox/store.js';

const ANGRY_WORDS =
  /unacceptable|refund|cancel|escalat|senior|frankly|honestly|wasting|costing|apologise|downhill|cannot do|not what we signed|real answer/i;

function texts(tone: Tone, count: number, seed = 1): string[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, (_, i) => {
    const text = ticketText(rng, tone, {
      firstname: 'Ana',
      plan: 'professional',
      seats: 12,
      previousTickets: i % 3,
    });
    return `${text.subject}\n${text.content}`;
  });
}

const sentences = (text: string): string[] => text.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.length > 3);

describe('generated wording', () => {
  it('writes hundreds of distinct tickets among two thousand in a portal', () => {
    const portal = new SandboxStore().createPortal(9);
    generatePortal(portal, { contacts: 1100, seed: 5, now: new Date('2026-01-01T00:00:00Z') });
    const tickets = [...portal.recordsOf('tickets').values()].slice(0, 2000);
    expect(tickets).toHaveLength(2000);
    expect(new Set(tickets.map((t) => t.properties.content)).size).toBeGreaterThan(1500);
    expect(new Set(tickets.map((t) => t.properties.subject)).size).toBeGreaterThan(300);
    const emails = [...portal.recordsOf('emails').values()].slice(0, 2000);
    expect(new Set(emails.map((e) => e.properties.hs_email_text)).size).toBeGreaterThan(500);
  });

  it('words angry tickets in many different ways', () => {
    const angry = texts('angry', 400);
    expect(new Set(angry).size).toBeGreaterThan(380);
    const allSentences = new Set(angry.flatMap(sentences));
    expect(allSentences.size).toBeGreaterThan(150);
    const openings = new Set(angry.map((text) => sentences(text.split('\n')[1] ?? '')[0]));
    expect(openings.size).toBeGreaterThan(20);
  });

  it('sounds angry when angry and calm when pleased', () => {
    const share = (list: string[]) => list.filter((t) => ANGRY_WORDS.test(t)).length / list.length;
    expect(share(texts('angry', 300))).toBeGreaterThan(0.9);
    expect(share(texts('neutral', 300))).toBeLessThan(0.1);
    expect(share(texts('positive', 300))).toBeLessThan(0.05);
  });

  it('asks to cancel when the customer is leaving', () => {
    const rng = new Random(3);
    const text = ticketText(rng, 'neutral', {
      firstname: 'Ana',
      plan: 'basic',
      seats: 1,
      previousTickets: 0,
      cancelling: true,
    });
    expect(`${text.subject} ${text.content}`).toMatch(/cancel|renew|close|closure/i);
  });

  it('comments on NPS in the mood of the score, and sometimes not at all', () => {
    const rng = new Random(4);
    const low = Array.from({ length: 300 }, () => npsComment(rng, 2));
    const high = Array.from({ length: 300 }, () => npsComment(rng, 10));
    expect(low.filter((c) => c === '').length).toBeGreaterThan(50);
    expect(new Set(low.filter(Boolean)).size).toBeGreaterThan(60);
    expect(
      low.filter((c) =>
        /expensive|open for weeks|breaks|crashes|disappointed|unhappy|frustrating|not worth/i.test(c),
      ).length,
    ).toBeGreaterThan(150);
    expect(
      high.filter((c) => /expensive|breaks|crashes|disappointed|unhappy|frustrating|not worth/i.test(c)),
    ).toEqual([]);
  });
});
