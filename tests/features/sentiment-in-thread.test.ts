import { describe, expect, it } from '@jest/globals';
import { compoundScores, scoreSentiments } from '../../server/features/sentiment/index.js';
import { replyEmail } from '../../sandbox/generator/email-text.js';
import { Random } from '../../sandbox/generator/random.js';

const tones = ['angry', 'neutral', 'positive'] as const;

function replies(count: number, seed: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, (_, i) => replyEmail(rng, tones[i % 3]!, 'Your account', 'Ana').text);
}

describe('sentiment read on the sentiment thread', () => {
  it('gives each text of a page the score it has read in place, in order', async () => {
    const page = replies(100, 1);
    const expected = scoreSentiments(page).map((s) => s.compound);
    expect(await compoundScores(page)).toEqual(expected);
    // Several pages at once, as the sync's streams ask: each gets its own answers.
    const pages = [replies(40, 2), replies(3, 3), replies(60, 4)];
    const answers = await Promise.all(pages.map((p) => compoundScores(p)));
    answers.forEach((scores, i) => expect(scores).toEqual(scoreSentiments(pages[i]!).map((s) => s.compound)));
    expect(expected.some((s) => s < -0.05) && expected.some((s) => s > 0.05)).toBe(true);
  }, 120_000);
});
