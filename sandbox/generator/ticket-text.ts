/**
 * Support-ticket wording. A ticket is composed from independent parts (greeting, problem, detail,
 * impact, request, sign-off), each drawn from pools that differ by tone and category, so the
 * sentiment model downstream meets the variety of real tickets rather than a few templates.
 */
import type { Random } from './random.js';

export type Tone = 'positive' | 'neutral' | 'angry';
export type TicketCategory = 'PRODUCT_ISSUE' | 'BILLING_ISSUE' | 'FEATURE_REQUEST' | 'GENERAL_INQUIRY';

export interface TicketContext {
  firstname: string;
  plan: string;
  seats: number;
  /** Tickets this customer opened before, so an angry one can say "again". */
  previousTickets: number;
  /** Set when the customer has decided to leave and is asking to cancel. */
  cancelling?: boolean;
}

export interface TicketText {
  subject: string;
  content: string;
  category: TicketCategory;
}

const AREAS = [
  'the dashboard',
  'the weekly report',
  'CSV export',
  'the Salesforce sync',
  'the mobile app',
  'single sign-on',
  'user permissions',
  'email notifications',
  'the calendar integration',
  'the API',
  'data import',
  'the forecasting view',
  'the team inbox',
  'invoice downloads',
  'the search bar',
  'custom fields',
];
const SINCE = [
  'since Monday',
  'since this morning',
  'for three days now',
  'since your last update',
  'for about a week',
  'since yesterday afternoon',
  'on and off all month',
  'since we added new users',
  'after the outage last night',
];
const ERRORS = [
  'Error 500',
  'Something went wrong',
  'Request timed out',
  'Access denied',
  'Invalid token',
  'Unknown error (code 17)',
];

const PROBLEMS: Record<TicketCategory, readonly string[]> = {
  PRODUCT_ISSUE: [
    '{area} does not load {since}.',
    '{area} shows numbers that do not match our own records {since}.',
    'We get "{error}" whenever we open {area}.',
    '{area} keeps crashing {since}.',
    '{area} has been painfully slow {since}.',
    'Changes we make in {area} are lost after a refresh.',
    'Half of our team cannot use {area} {since}.',
    '{area} stopped syncing {since}.',
  ],
  BILLING_ISSUE: [
    'We were charged twice this month.',
    'Our invoice lists {n} seats but we only have {seats}.',
    'The card on file was declined although it is valid.',
    'We were billed at the old price after our plan change.',
    'I cannot find the invoice for last month in {area}.',
    'The VAT number is missing from our invoices.',
    'We were charged for the {plan} plan although we asked to change it.',
  ],
  FEATURE_REQUEST: [
    'We would love to filter {area} by team.',
    'Is there a way to schedule {area} to run every Friday?',
    'It would help a lot if {area} supported custom date ranges.',
    'Could {area} show a comparison with last year?',
    'We need {area} to work with our SSO groups.',
    'Please add a bulk edit option to {area}.',
    'Our managers keep asking for a read-only view of {area}.',
  ],
  GENERAL_INQUIRY: [
    'How do we add {n} more users to our account?',
    'Where can I change the owner of our account?',
    'Is there a training session for new team members on {area}?',
    'Can you explain how {area} calculates its totals?',
    'We are moving offices; how do we update our billing address?',
    'What is the difference between our {plan} plan and the next one up?',
    'How long do you keep our data after we delete a project?',
  ],
};

const DETAILS: Record<TicketCategory, readonly string[]> = {
  PRODUCT_ISSUE: [
    'We tried another browser and cleared the cache, no change.',
    'It happens for {n} of our {seats} users.',
    'The error message says "{error}".',
    'Screenshots are attached.',
    'It only happens with larger accounts, small ones load fine.',
    'Our IT team checked the firewall and nothing is blocked on our side.',
    '',
  ],
  BILLING_ISSUE: [
    'Our account number is on the attached statement.',
    'Finance needs this sorted before month end.',
    'We have been customers for a while and this never happened before.',
    'The payment reference starts with INV-{n}.',
    '',
  ],
  FEATURE_REQUEST: [
    'Right now we export everything to a spreadsheet to do this.',
    'Two other teams in our company asked for the same thing.',
    'A competitor we looked at has this built in.',
    'It would save each of us maybe an hour a week.',
    '',
  ],
  GENERAL_INQUIRY: [
    'We are on the {plan} plan with {seats} seats.',
    'The help centre article did not cover our case.',
    '',
  ],
};

const GREETINGS: Record<Tone, readonly string[]> = {
  positive: [
    'Hi team!',
    'Hello, and thanks for a great product.',
    'Hi there, hope you are well.',
    'Hey folks,',
  ],
  neutral: ['Hi team,', 'Hello,', 'Hi there,', 'Good morning,', 'Hi support,'],
  angry: ['Hello.', 'To whom it may concern,', 'Support,', '', 'Hi,'],
};

const IMPACTS: Record<Tone, readonly string[]> = {
  positive: [
    'Not a big deal, everything else works great.',
    'We really enjoy using the product otherwise.',
    'No rush at all.',
    'Your team has always been quick, so thanks in advance.',
  ],
  neutral: [
    'It slows down our weekly reporting a bit.',
    'It is not urgent, but we would like it sorted this month.',
    'A few people on the team have noticed it.',
    'We can work around it for now.',
  ],
  angry: [
    'This is costing us real money.',
    'My team cannot do their work.',
    'We pay for the {plan} plan and this is not what we signed up for.',
    'Honestly, I am close to looking for another tool.',
    'This is completely unacceptable.',
    'I have had to apologise to our own customers because of this.',
    'Frankly the service has gone downhill.',
    'We are wasting hours every day on this.',
  ],
};
const REPEAT = [
  'I have reported this before.',
  'This is not the first time.',
  'Nobody replied to my last ticket.',
];

const ASKS: Record<Tone, readonly string[]> = {
  positive: [
    'Would be great if you could have a look when you have time.',
    'Any tips are welcome!',
    'Let me know if you need anything from me.',
  ],
  neutral: [
    'Could you take a look?',
    'Can you tell us what to do?',
    'Please advise.',
    'What are the next steps?',
  ],
  angry: [
    'Fix it today or we want a refund.',
    'I expect a call from someone senior.',
    'Escalate this immediately.',
    'I want a real answer this time, not a help-centre link.',
    'If this is not resolved this week we will cancel.',
  ],
};

const SIGNOFFS: Record<Tone, readonly string[]> = {
  positive: ['Thanks so much,\n{name}', 'Cheers,\n{name}', 'Best,\n{name}'],
  neutral: ['Thanks,\n{name}', 'Best regards,\n{name}', 'Kind regards,\n{name}', '{name}'],
  angry: ['{name}', 'Regards,\n{name}', '', '- {name}'],
};

const SUBJECT_PREFIX: Record<Tone, readonly string[]> = {
  positive: ['', '', 'Quick question: ', 'Small idea: '],
  neutral: ['', '', 'Question: ', 'Help with '],
  angry: ['URGENT: ', 'Still broken: ', 'Escalation: ', 'Unacceptable: ', '', 'Again: '],
};
const SUBJECT_TOPIC: Record<TicketCategory, readonly string[]> = {
  PRODUCT_ISSUE: [
    '{area} not working',
    'problem with {area}',
    'errors in {area}',
    '{area} is slow',
    'bug in {area}',
  ],
  BILLING_ISSUE: [
    'invoice question',
    'wrong charge',
    'billing error',
    'payment declined',
    'seat count on invoice',
  ],
  FEATURE_REQUEST: ['feature request for {area}', 'suggestion: {area}', 'idea for {area}'],
  GENERAL_INQUIRY: ['account question', 'how to use {area}', 'question about our plan', 'adding users'],
};

const CANCEL_LINES = [
  'We have decided not to continue after this term. Please confirm how to cancel.',
  'Please send us the steps to close our account and export our data.',
  'We will not renew. Who do I talk to about ending the contract?',
  'Our budget was cut, so we need to cancel the {plan} plan.',
];

function fill(template: string, rng: Random, ctx: TicketContext, area: string): string {
  if (!template.includes('{')) return template;
  return template
    .replace('{area}', area)
    .replace('{since}', rng.pick(SINCE))
    .replace('{error}', rng.pick(ERRORS))
    .replace('{n}', String(rng.int(2, Math.max(3, ctx.seats + 3))))
    .replace('{seats}', String(ctx.seats))
    .replace('{plan}', ctx.plan)
    .replace('{name}', ctx.firstname);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function ticketCategory(rng: Random, tone: Tone): TicketCategory {
  return rng.weighted<TicketCategory>([
    ['PRODUCT_ISSUE', tone === 'angry' ? 6 : 4],
    ['BILLING_ISSUE', tone === 'angry' ? 2.5 : 1.5],
    ['FEATURE_REQUEST', tone === 'positive' ? 3 : 1],
    ['GENERAL_INQUIRY', tone === 'angry' ? 0.5 : 2.5],
  ]);
}

export function ticketText(rng: Random, tone: Tone, ctx: TicketContext): TicketText {
  const category: TicketCategory = ctx.cancelling ? 'GENERAL_INQUIRY' : ticketCategory(rng, tone);
  const area = rng.pick(AREAS);
  const subject = ctx.cancelling
    ? rng.pick(['Cancelling our subscription', 'Account closure', 'Not renewing', 'Cancel plan'])
    : capitalise(fill(rng.pick(SUBJECT_PREFIX[tone]) + rng.pick(SUBJECT_TOPIC[category]), rng, ctx, area));
  const lines = [fill(rng.pick(GREETINGS[tone]), rng, ctx, area)];
  if (ctx.cancelling) lines.push(fill(rng.pick(CANCEL_LINES), rng, ctx, area));
  else lines.push(capitalise(fill(rng.pick(PROBLEMS[category]), rng, ctx, area)));
  const detail = fill(rng.pick(DETAILS[category]), rng, ctx, area);
  if (detail && !ctx.cancelling) lines.push(detail);
  if (tone === 'angry' && ctx.previousTickets > 0 && rng.chance(0.6)) lines.push(rng.pick(REPEAT));
  lines.push(fill(rng.pick(IMPACTS[tone]), rng, ctx, area));
  if (tone === 'angry' && rng.chance(0.35)) lines.push(fill(rng.pick(IMPACTS.angry), rng, ctx, area));
  lines.push(rng.pick(ASKS[tone]));
  const signoff = fill(rng.pick(SIGNOFFS[tone]), rng, ctx, area);
  return { subject, content: lines.filter(Boolean).join(' ') + (signoff ? `\n\n${signoff}` : ''), category };
}
