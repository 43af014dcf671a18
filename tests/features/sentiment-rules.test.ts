import { describe, expect, it } from '@jest/globals';
import { labelOf, scoreSentiment, scoreSentiments } from '../../server/features/sentiment/index.js';

const compound = (text: string) => scoreSentiment(text).compound;

describe('sentiment: negation', () => {
  it.each([
    ['The product is good.', 'The product is not good.'],
    ['I love the new dashboard.', "I don't love the new dashboard."],
    ['Your team was helpful.', 'Your team was never helpful.'],
    ['The issue is resolved.', 'The issue is not resolved.'],
    ['The sync works.', 'The sync still doesnt work at all.'],
  ])('"%s" scores above "%s", and the negated one is negative', (plain, negated) => {
    expect(compound(negated)).toBeLessThan(compound(plain));
    expect(scoreSentiment(negated).label).toBe('negative');
  });

  it('a negated complaint is milder than the complaint', () => {
    expect(compound('The app is not slow.')).toBeGreaterThan(compound('The app is slow.'));
    expect(compound('It is not bad at all.')).toBeGreaterThan(compound('It is bad.'));
  });
});

describe('sentiment: intensity', () => {
  it('intensifiers, capitals and exclamation marks strengthen a negative text', () => {
    const ladder = ['The service was bad.', 'The service was very bad.', 'The service was VERY bad!!!'].map(
      compound,
    );
    expect(ladder[1]).toBeLessThan(ladder[0]!);
    expect(ladder[2]).toBeLessThan(ladder[1]!);
  });

  it('and a positive one', () => {
    expect(compound('The onboarding was extremely good!')).toBeGreaterThan(
      compound('The onboarding was good.'),
    );
  });

  it('a stronger word scores further from zero than a milder one', () => {
    expect(compound('The update is terrible.')).toBeLessThan(compound('The update is poor.'));
    expect(compound('The update is excellent.')).toBeGreaterThan(compound('The update is fine.'));
  });

  it('intensifiers also strengthen support terms the general lexicons do not know', () => {
    expect(compound('Export is very slow.')).toBeLessThan(compound('Export is slow.'));
  });
});

describe('sentiment: support and account texts', () => {
  it('an angry ticket is negative', () => {
    const ticket =
      'This is the third time I ask. My issue is still unresolved and I have been waiting for two weeks. ' +
      'Cancel my subscription and refund me.';
    expect(scoreSentiment(ticket)).toEqual({ compound: expect.any(Number), label: 'negative' });
    expect(compound(ticket)).toBeLessThan(-0.5);
  });

  it.each([
    'Still waiting for a reply, please escalate this.',
    'Please process a refund for order 1234.',
    'I want to cancel my account.',
    'Your support is useless, I am switching to a competitor.',
    'No response for 5 days. Unacceptable.',
  ])('"%s" is negative although courtesy words or no general sentiment words carry it', (text) => {
    expect(scoreSentiment(text).label).toBe('negative');
  });

  it('a thank-you is positive', () => {
    expect(scoreSentiment('Thank you so much for the quick help, everything works now!').label).toBe(
      'positive',
    );
    expect(scoreSentiment('Resolved, thanks! Great job from your team.').label).toBe('positive');
  });

  it.each([
    'Ticket moved to tier 2. Customer will be contacted on Monday.',
    'Status: awaiting customer reply.',
    'Dear support, please find attached the invoice for March. Kind regards, Anna',
    'Hi, can you send me the API documentation? Best regards',
  ])('the status note or plain request "%s" is neutral', (text) => {
    expect(scoreSentiment(text)).toEqual({ compound: expect.any(Number), label: 'neutral' });
  });

  it('a customer who will renew reads positive, one who will not reads negative', () => {
    expect(scoreSentiment('We will renew for another year.').label).toBe('positive');
    expect(scoreSentiment('We are not going to renew.').label).toBe('negative');
  });
});

describe('sentiment: scores and labels', () => {
  it('keeps scores in [-1, 1] even for a pile-up of strong words', () => {
    const worst = 'TERRIBLE!!!! awful horrible disgusting useless broken outage cancel refund '.repeat(20);
    const best = 'AMAZING!!!! wonderful excellent perfect love it, resolved, fixed '.repeat(20);
    expect(compound(worst)).toBeGreaterThanOrEqual(-1);
    expect(compound(worst)).toBeLessThan(-0.95);
    expect(compound(best)).toBeLessThanOrEqual(1);
    expect(compound(best)).toBeGreaterThan(0.95);
  });

  it('an empty or blank text is neutral at 0', () => {
    expect(scoreSentiment('')).toEqual({ compound: 0, label: 'neutral' });
    expect(scoreSentiment('  \n\t ')).toEqual({ compound: 0, label: 'neutral' });
  });

  it('labels follow the ±0.05 band', () => {
    expect([-0.5, -0.05, -0.0499, 0, 0.0499, 0.05, 0.5].map(labelOf)).toEqual([
      'negative',
      'negative',
      'neutral',
      'neutral',
      'neutral',
      'positive',
      'positive',
    ]);
  });

  it('the batch form gives the same scores as one at a time, in order', () => {
    const texts = ['great product', 'terrible support', 'invoice attached', 'not good'];
    expect(scoreSentiments(texts)).toEqual(texts.map((t) => scoreSentiment(t)));
  });
});
