/**
 * Wording of one-to-one emails: what customer success sends (onboarding, check-ins, renewal
 * reminders, ...) and what customers write back, whose tone follows their satisfaction.
 */
import type { Random } from './random.js';
import type { Tone } from './ticket-text.js';

export type OutgoingKind =
  'onboarding' | 'check_in' | 'feature_news' | 'webinar' | 'renewal_reminder' | 'usage_tips' | 'win_back';

export interface EmailText {
  subject: string;
  text: string;
}

const FEATURES = [
  'automations',
  'the forecasting view',
  'the new reports',
  'the team inbox',
  'the mobile app',
  'bulk editing',
];
const MANAGERS = ['Alex Morgan', 'Priya Shah', 'Tom Becker', 'Lucia Romero', 'Kenji Mori', 'Hannah Clarke'];

const SUBJECTS: Record<OutgoingKind, readonly string[]> = {
  onboarding: [
    'Welcome aboard, {first}',
    'Your first week with us',
    'Getting started: three quick steps',
    'Your onboarding call',
  ],
  check_in: [
    'Checking in',
    'How is it going, {first}?',
    'Quick check-in on your account',
    'Anything we can help with?',
  ],
  feature_news: [
    'New: {feature}',
    'You asked, we built it: {feature}',
    'What is new this month',
    'Meet {feature}',
  ],
  webinar: [
    'Live session: getting more from {feature}',
    'Join our customer webinar',
    'Webinar invite: best practices',
  ],
  renewal_reminder: [
    'Your renewal is coming up',
    'Renewal of your {plan} plan',
    'Before your renewal: a quick review',
  ],
  usage_tips: ['Three tips for {feature}', 'Save time with {feature}', 'Did you know? {feature}'],
  win_back: ['We are sorry to see you go', 'Can we win you back, {first}?', 'A last word from us'],
};

const BODIES: Record<OutgoingKind, readonly string[]> = {
  onboarding: [
    'Welcome! Your workspace is ready. The fastest way to start is to invite your team and connect your calendar.',
    'Thanks for choosing us. I will be your contact for the first months; here is a short checklist to get set up.',
    'Let us book a 30-minute onboarding call so we can set up your first reports together.',
  ],
  check_in: [
    'It has been a few weeks since we last spoke, so I wanted to see how things are going.',
    'I noticed your team has been working with the dashboard; is there anything that would make it easier?',
    'Just checking in to see whether you have any questions or feedback for us.',
  ],
  feature_news: [
    'We just released {feature}. It is included in your {plan} plan at no extra cost.',
    'This month we shipped {feature} along with a dozen smaller fixes you asked for.',
  ],
  webinar: [
    'Next Thursday we run a 45-minute live session on {feature}, with time for your questions.',
    'Our product team hosts a webinar for customers on the {plan} plan; seats are limited.',
  ],
  renewal_reminder: [
    'Your {plan} subscription renews next month. If anything should change, just reply to this email.',
    'Ahead of your renewal I would like to review how the last year went and what is planned for the next.',
  ],
  usage_tips: [
    'Teams that set up {feature} save about two hours a week. Here is how to turn it on.',
    'A short guide on {feature}, with examples from customers like you.',
  ],
  win_back: [
    'Your account is now closed. If you ever want to come back, your data stays available for 90 days.',
    'We would value a few words on why you left; it helps us improve.',
  ],
};

const CLOSINGS = ['Best,', 'Kind regards,', 'Cheers,', 'Thanks,', 'All the best,'];

const REPLIES: Record<Tone, readonly string[]> = {
  positive: [
    'Thanks, that is really helpful!',
    'Great news, the team will love this.',
    'All good on our side, thanks for checking in.',
    'Happy to join the session, please send the link.',
    'Thanks for the quick help last week, much appreciated.',
  ],
  neutral: [
    'Thanks. Could you send me the invoice for last quarter?',
    'Noted. We will look at it next week.',
    'Can we move our call to Friday?',
    'Who should I contact about adding users?',
    'Thanks. Is this included in our plan?',
  ],
  angry: [
    'Honestly we are reconsidering whether this is worth the price.',
    'We still have an open ticket nobody has answered. Please sort that first.',
    'Not interested in webinars until the sync works again.',
    'We are evaluating alternatives at the moment.',
    'Please stop sending these and fix our issues instead.',
  ],
};

function fill(template: string, rng: Random, first: string, plan: string): string {
  if (!template.includes('{')) return template;
  return template.replace('{first}', first).replace('{plan}', plan).replace('{feature}', rng.pick(FEATURES));
}

export function outgoingEmail(rng: Random, kind: OutgoingKind, first: string, plan: string): EmailText {
  const manager = rng.pick(MANAGERS);
  const subject = fill(rng.pick(SUBJECTS[kind]), rng, first, plan);
  const body = fill(rng.pick(BODIES[kind]), rng, first, plan);
  return { subject, text: `Hi ${first},\n\n${body}\n\n${rng.pick(CLOSINGS)}\n${manager}` };
}

export function replyEmail(rng: Random, tone: Tone, subject: string, first: string): EmailText {
  const lines = [rng.pick(REPLIES[tone])];
  if (rng.chance(0.3)) lines.push(rng.pick(REPLIES[tone === 'angry' ? 'neutral' : tone]));
  return { subject: `Re: ${subject}`, text: `${lines.join(' ')}\n\n${first}` };
}
