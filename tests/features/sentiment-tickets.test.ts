import { describe, expect, it } from '@jest/globals';
import { Random } from '../../sandbox/generator/random.js';
import { ticketText, type Tone } from '../../sandbox/generator/ticket-text.js';
import { scoreSentiments, type SentimentScore } from '../../server/features/sentiment/index.js';

/**
 * Tickets written by the sandbox's generator, whose wording the scorer was not built on: an
 * independent check that the tone a customer writes in is the tone the score reports.
 */
function ticketsIn(tone: Tone, count: number, seed: number): SentimentScore[] {
  const rng = new Random(seed);
  const texts = Array.from({ length: count }, (_, i) => {
    const ticket = ticketText(rng, tone, {
      firstname: 'Ana',
      plan: 'Pro',
      seats: 12,
      previousTickets: i % 3,
    });
    return `${ticket.subject}\n${ticket.content}`;
  });
  return scoreSentiments(texts);
}

const share = (scores: SentimentScore[], label: SentimentScore['label']) =>
  scores.filter((s) => s.label === label).length / scores.length;
const mean = (scores: SentimentScore[]) => scores.reduce((sum, s) => sum + s.compound, 0) / scores.length;

describe('sentiment of generated support tickets', () => {
  const angry = ticketsIn('angry', 300, 11);
  const neutral = ticketsIn('neutral', 300, 12);
  const positive = ticketsIn('positive', 300, 13);

  it('reads at least 85% of angry tickets as negative and of friendly ones as positive', () => {
    expect(share(angry, 'negative')).toBeGreaterThanOrEqual(0.85);
    expect(share(positive, 'positive')).toBeGreaterThanOrEqual(0.85);
  });

  it('orders the tones by mean score: angry < neutral < friendly', () => {
    expect(mean(angry)).toBeLessThan(mean(neutral) - 0.2);
    expect(mean(positive)).toBeGreaterThan(mean(neutral) + 0.2);
  });
});
