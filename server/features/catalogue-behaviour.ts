/** Catalogue entries for what the customer does: email engagement, support, product usage. */
import type { FeatureDefinition } from './catalogue.js';
import { count, measure } from './catalogue-account.js';

export const EMAIL: FeatureDefinition[] = [
  count({
    name: 'emails_sent_30d',
    label: 'Emails sent to them, last 30 days',
    description: 'Outgoing one-to-one emails sent in the 30 days before the date.',
    source: 'emails',
    windowDays: 30,
    risk: 'none',
  }),
  count({
    name: 'emails_sent_90d',
    label: 'Emails sent to them, last 90 days',
    description: 'Outgoing one-to-one emails sent in the 90 days before the date.',
    source: 'emails',
    windowDays: 90,
    risk: 'none',
  }),
  count({
    name: 'emails_opened_30d',
    label: 'Emails opened, last 30 days',
    description:
      'Outgoing emails first opened in the 30 days before the date (an open after the date does not count).',
    source: 'emails',
    windowDays: 30,
  }),
  count({
    name: 'emails_opened_90d',
    label: 'Emails opened, last 90 days',
    description: 'Outgoing emails first opened in the 90 days before the date.',
    source: 'emails',
    windowDays: 90,
  }),
  count({
    name: 'emails_replied_30d',
    label: 'Emails answered, last 30 days',
    description: 'Outgoing emails first replied to in the 30 days before the date.',
    source: 'emails',
    windowDays: 30,
  }),
  count({
    name: 'emails_replied_90d',
    label: 'Emails answered, last 90 days',
    description: 'Outgoing emails first replied to in the 90 days before the date.',
    source: 'emails',
    windowDays: 90,
  }),
  measure({
    name: 'email_open_rate_90d',
    label: 'Email open rate, last 90 days',
    description:
      'Share of the outgoing emails sent in the 90 days before the date that were opened before the date; null when none was sent.',
    source: 'emails',
    windowDays: 90,
  }),
  measure({
    name: 'email_response_rate_90d',
    label: 'Email response rate, last 90 days',
    description:
      'Share of the outgoing emails sent in the 90 days before the date that were replied to before the date; null when none was sent.',
    source: 'emails',
    windowDays: 90,
  }),
  measure({
    name: 'days_since_last_open',
    label: 'Days since they last opened an email',
    description:
      'Days from the last first-open of an outgoing email to the date; null when they never opened one.',
    source: 'emails',
    windowDays: null,
    risk: 'higher',
  }),
  measure({
    name: 'days_since_last_reply',
    label: 'Days since they last answered an email',
    description:
      'Days from the last first-reply to an outgoing email to the date; null when they never replied.',
    source: 'emails',
    windowDays: null,
    risk: 'higher',
  }),
  count({
    name: 'emails_unopened_in_a_row',
    label: 'Emails delivered since they last opened one',
    description:
      'Outgoing emails delivered (not bounced) after their last open or reply before the date, whichever email that was on: every one delivered before the date when they never engaged. A disengagement streak, like sends since last engagement.',
    source: 'emails',
    windowDays: null,
    risk: 'higher',
  }),
];

export const SUPPORT: FeatureDefinition[] = [
  count({
    name: 'tickets_30d',
    label: 'Support tickets, last 30 days',
    description: 'Tickets created in the 30 days before the date.',
    source: 'tickets',
    windowDays: 30,
    risk: 'higher',
    monotone: true,
  }),
  count({
    name: 'tickets_90d',
    label: 'Support tickets, last 90 days',
    description: 'Tickets created in the 90 days before the date.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
    monotone: true,
  }),
  count({
    name: 'tickets_open',
    label: 'Support tickets open',
    description:
      'Tickets created before the date and not closed before it (a ticket closed later was open then).',
    source: 'tickets',
    windowDays: null,
    risk: 'higher',
    monotone: true,
  }),
  count({
    name: 'tickets_open_over_7d',
    label: 'Support tickets open for over a week',
    description:
      'Tickets open at the date (not closed before it) that were created more than 7 days before it: a backlog waiting on us.',
    source: 'tickets',
    windowDays: null,
    risk: 'higher',
    monotone: true,
  }),
  measure({
    name: 'tickets_high_priority_share_90d',
    label: 'Share of urgent tickets, last 90 days',
    description:
      'Share of the tickets created in the 90 days before the date with priority HIGH or URGENT; null without tickets.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
    monotone: true,
  }),
  measure({
    name: 'ticket_resolution_hours_median_90d',
    label: 'Hours to resolve a ticket (median), last 90 days',
    description:
      'Median hours from creation to close of the tickets closed in the 90 days before the date; null when none closed.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
    monotone: true,
  }),
  measure({
    name: 'support_sentiment_mean_90d',
    label: 'Tone of their support messages, last 90 days',
    description:
      'Mean sentiment (-1..1) of ticket text and inbound emails written in the 90 days before the date; null without text.',
    source: 'tickets',
    windowDays: 90,
    monotone: true,
  }),
  measure({
    name: 'support_sentiment_worst_90d',
    label: 'Most negative support message, last 90 days',
    description:
      'Lowest sentiment (-1..1) of ticket text and inbound emails in the 90 days before the date; null without text.',
    source: 'tickets',
    windowDays: 90,
    monotone: true,
  }),
  measure({
    name: 'support_sentiment_trend',
    label: 'Change in tone of support messages',
    description:
      'Mean sentiment of the last 30 days minus that of the 60 days before them; null unless both have text.',
    source: 'tickets',
    windowDays: 90,
    monotone: true,
  }),
];

export const USAGE: FeatureDefinition[] = [
  count({
    name: 'sessions_per_week_4w',
    label: 'Product sessions per week, last 4 weeks',
    description: 'Sessions in the 28 days before the date, divided by 4.',
    source: 'usage_events',
    windowDays: 28,
  }),
  count({
    name: 'usage_minutes_per_week_4w',
    label: 'Minutes in the product per week, last 4 weeks',
    description: 'Minutes of use in the 28 days before the date, divided by 4.',
    source: 'usage_events',
    windowDays: 28,
  }),
  count({
    name: 'features_used_4w',
    label: 'Product features used, last 4 weeks',
    description: 'Distinct product features used in the 28 days before the date.',
    source: 'usage_events',
    windowDays: 28,
  }),
  count({
    name: 'usage_trend',
    label: 'Change in product use, last 4 weeks vs the 8 before',
    description:
      'log2((minutes per week in the last 4 weeks + 1) / (minutes per week in the 8 weeks before them + 1)): 0 is steady, -1 is about half.',
    source: 'usage_events',
    windowDays: 84,
  }),
  count({
    name: 'usage_vs_own_baseline',
    label: 'Product use, last 4 weeks vs their usual',
    description:
      'log2((minutes per week in the last 4 weeks + 1) / (minutes per week in the 22 weeks before them + 1)), the 22 weeks counted from their first use in them when later: 0 is their usual, -1 about half. Shows a slow decline that the 4-vs-8-week trend misses.',
    source: 'usage_events',
    windowDays: 182,
  }),
  count({
    name: 'sessions_trend',
    label: 'Change in product sessions, last 4 weeks vs the 8 before',
    description:
      'log2((sessions per week in the last 4 weeks + 1) / (sessions per week in the 8 weeks before them + 1)).',
    source: 'usage_events',
    windowDays: 84,
  }),
  measure({
    name: 'session_minutes_12w',
    label: 'Typical session length, last 12 weeks',
    description:
      'Geometric mean of the minutes of their product sessions in the 84 days before the date; null when they had none.',
    source: 'usage_events',
    windowDays: 84,
  }),
  measure({
    name: 'session_minutes_vs_usual',
    label: 'Session length, last 4 weeks vs their usual',
    description:
      'log2 of the geometric mean minutes a session in the last 4 weeks over that of the 22 weeks before them: 0 is their usual, -1 about half; null when either has no session.',
    source: 'usage_events',
    windowDays: 182,
  }),
  measure({
    name: 'days_since_last_use',
    label: 'Days since they last used the product',
    description: 'Days from the last usage event before the date; null when they never used it.',
    source: 'usage_events',
    windowDays: null,
    risk: 'higher',
  }),
];
