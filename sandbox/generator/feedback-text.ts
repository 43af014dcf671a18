/** NPS comments, composed from a reason and an optional suggestion that fit the score. */
import type { Random } from './random.js';

const LEADS = {
  promoter: ['Love it.', 'Great tool.', 'Really happy with it.', 'Best purchase we made this year.', ''],
  passive: ['It is fine.', 'Does the job.', 'Mostly good.', 'Decent.', ''],
  detractor: ['Disappointed.', 'Not worth it.', 'Frustrating.', 'Expected more.', 'Very unhappy.', ''],
};
const REASONS = {
  promoter: [
    'The reports save us hours every week.',
    'Support answers fast and actually solves things.',
    'The whole team picked it up without training.',
    'The integrations just work.',
    'It replaced three other tools for us.',
  ],
  passive: [
    'Some features feel unfinished.',
    'The price is a bit high for what we use.',
    'Reports are good but slow on big accounts.',
    'Support is friendly but slow.',
    'We only use a small part of it.',
  ],
  detractor: [
    'Too expensive for what it does.',
    'Our tickets stay open for weeks.',
    'The sync breaks every other week.',
    'It is slow and crashes often.',
    'Nobody on the team wants to use it.',
    'Billing mistakes every month.',
  ],
};
const SUGGESTIONS = [
  'Please add better exports.',
  'A mobile app that works offline would help.',
  'Cheaper plans for small teams, please.',
  'Faster support would make a big difference.',
  'More control over permissions.',
  '',
  '',
];

export function npsBand(score: number): 'promoter' | 'passive' | 'detractor' {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** A comment for an NPS score, or '' (many people leave the box empty). */
export function npsComment(rng: Random, score: number): string {
  if (rng.chance(0.35)) return '';
  const band = npsBand(score);
  return [rng.pick(LEADS[band]), rng.pick(REASONS[band]), rng.pick(SUGGESTIONS)].filter(Boolean).join(' ');
}
