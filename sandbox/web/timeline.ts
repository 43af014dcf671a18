/**
 * One contact's history as a person reads it: associated emails, tickets, deals and feedback,
 * and product usage summed per day, newest first.
 */
import type { CrmRecord, ObjectType, PortalData } from '../store.js';

export interface TimelineEntry {
  at: Date;
  kind: 'email' | 'ticket' | 'deal' | 'feedback' | 'usage';
  title: string;
  details: string[];
  snippet?: string;
}

interface Describer {
  kind: TimelineEntry['kind'];
  dateProperties: string[];
  titleProperties: string[];
  untitled: string;
  detailProperties: string[];
  textProperties: string[];
}

// HubSpot's standard property names, with the first that is set winning.
const DESCRIBERS: Partial<Record<ObjectType, Describer>> = {
  emails: {
    kind: 'email',
    dateProperties: ['hs_timestamp', 'createdate'],
    titleProperties: ['hs_email_subject'],
    untitled: '(no subject)',
    detailProperties: ['hs_email_direction', 'hs_email_status'],
    textProperties: ['hs_email_text', 'hs_body_preview'],
  },
  tickets: {
    kind: 'ticket',
    dateProperties: ['createdate', 'hs_createdate'],
    titleProperties: ['subject', 'hs_ticket_subject'],
    untitled: '(no subject)',
    detailProperties: ['hs_ticket_priority', 'hs_pipeline_stage', 'hs_ticket_category', 'closed_date'],
    textProperties: ['content'],
  },
  deals: {
    kind: 'deal',
    dateProperties: ['closedate', 'createdate'],
    titleProperties: ['dealname'],
    untitled: 'Deal',
    detailProperties: ['dealstage', 'amount', 'dealtype'],
    textProperties: [],
  },
  feedback_submissions: {
    kind: 'feedback',
    dateProperties: ['hs_submission_timestamp', 'createdate'],
    titleProperties: ['hs_survey_name', 'hs_survey_type'],
    untitled: 'Feedback',
    detailProperties: ['hs_value', 'hs_sentiment', 'hs_response_group'],
    textProperties: ['hs_content', 'hs_response'],
  },
};

const MAX_SNIPPET = 240;

function firstSet(record: CrmRecord, names: string[]): string | undefined {
  for (const name of names) {
    const value = record.properties[name];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

function dateOf(value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  // HubSpot dates arrive both as ISO strings and as epoch milliseconds.
  const parsed = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(parsed.getTime()) ? fallback : parsed;
}

function describe(record: CrmRecord, describer: Describer): TimelineEntry {
  const text = firstSet(record, describer.textProperties);
  return {
    at: dateOf(firstSet(record, describer.dateProperties), record.createdAt),
    kind: describer.kind,
    title: firstSet(record, describer.titleProperties) ?? describer.untitled,
    details: describer.detailProperties.flatMap((name) => {
      const value = record.properties[name];
      return value ? [`${name}: ${value}`] : [];
    }),
    ...(text ? { snippet: text.length > MAX_SNIPPET ? `${text.slice(0, MAX_SNIPPET)}…` : text } : {}),
  };
}

function usageByDay(portal: PortalData, contactId: string): TimelineEntry[] {
  const days = new Map<
    string,
    { sessions: number; featureUses: number; minutes: number; features: Set<string> }
  >();
  for (const event of portal.usage.ofContact(contactId)) {
    const day = event.occurredAt.toISOString().slice(0, 10);
    const total = days.get(day) ?? { sessions: 0, featureUses: 0, minutes: 0, features: new Set<string>() };
    if (event.type === 'session') total.sessions += 1;
    else total.featureUses += 1;
    if (event.feature) total.features.add(event.feature);
    total.minutes += event.minutes;
    days.set(day, total);
  }
  return [...days].map(([day, total]) => ({
    at: new Date(`${day}T00:00:00.000Z`),
    kind: 'usage' as const,
    title: `${total.sessions} session${total.sessions === 1 ? '' : 's'}, ${Math.round(total.minutes)} min`,
    details: [
      ...(total.featureUses > 0 ? [`feature uses: ${total.featureUses}`] : []),
      ...(total.features.size > 0 ? [`features: ${[...total.features].sort().join(', ')}`] : []),
    ],
  }));
}

export function contactTimeline(portal: PortalData, contactId: string): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const [type, describer] of Object.entries(DESCRIBERS) as [ObjectType, Describer][]) {
    const records = portal.recordsOf(type);
    for (const association of portal.associationsOf('contacts', contactId, type)) {
      const record = records.get(association.toId);
      if (record && !record.archived) entries.push(describe(record, describer));
    }
  }
  entries.push(...usageByDay(portal, contactId));
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime());
}
