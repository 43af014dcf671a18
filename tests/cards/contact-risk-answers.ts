/** What the server answers the risk card for a scored customer, one who left and a prospect. */
import type { ContactRisk } from '../../app/cards/contact-risk.js';

export const scored: ContactRisk = {
  status: 'scored',
  customer: { status: 'active', since: '2023-04-03T00:00:00.000Z', leftOn: null, evidence: null },
  contactId: '123',
  contact: { name: 'Ada Lovelace', email: 'ada@example.com' },
  sync: null,
  score: {
    id: 991,
    value: 82.3,
    probability: 0.8234,
    tier: 'high',
    scoredAt: '2026-11-23T06:00:00.000Z',
    model: { id: 4, version: 3, family: 'gbdt', isStarter: false, label: 'gbdt model v3' },
  },
  trend: { change: 7.1, previous: 75.2, previousScoredAt: '2026-11-16T06:00:00.000Z' },
  history: [
    { week: '2026-11-02', score: 61.4 },
    { week: '2026-11-09', score: 70 },
    { week: '2026-11-16', score: 75.2 },
    { week: '2026-11-23', score: 82.3 },
  ],
  reasons: [
    { feature: 'tickets_open_now', text: 'Tickets open now: 3', direction: 'raises', contribution: 0.9 },
    {
      feature: 'days_since_last_use',
      text: 'Days since last use: 41',
      direction: 'raises',
      contribution: 0.6,
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

/** A customer who left: the server sends no score, reasons, recommendation or renewal. */
export const churned: ContactRisk = {
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
};

export const prospect: ContactRisk = {
  ...churned,
  status: 'prospect',
  customer: { status: 'prospect', since: null, leftOn: null, evidence: null },
};
