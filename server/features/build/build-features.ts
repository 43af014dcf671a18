import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import {
  commerceFeatures,
  emptyCommerceFeatures,
  emptyFeedbackFeatures,
  feedbackFeatures,
} from './commerce-feedback-features.js';
import { loadCustomerEpisodes } from '../customer-histories.js';
import type { CustomerEpisode } from '../customer-status.js';
import { contactChunks, DEFAULT_CHUNK_SIZE, type ContactRow } from './contact-chunks.js';
import { emailFeatures, emptyEmailFeatures } from './email-features.js';
import { profileFeatures } from './profile-features.js';
import { supportFeatures, ticketAggregates } from './support-features.js';
import { ensureTextSentiment } from './text-sentiment.js';
import { windowsFor } from './time-windows.js';
import { emptyUsageFeatures, usageFeatures } from './usage-features.js';

export interface ContactFeatures {
  contactId: string;
  asOf: Date;
  values: FeatureValues;
}

export interface BuildOptions {
  /** Contacts per chunk: one set of aggregate queries each (default 1,000). */
  chunkSize?: number;
  /** Score texts not yet scored before building (default true); off when the caller just did. */
  scoreText?: boolean;
}

/**
 * One feature vector per live contact of the portal as it stood just before `asOf`: only events
 * strictly before `asOf` are read. Yields a chunk at a time, so memory stays flat however large
 * the portal is.
 */
export async function* buildFeatures(
  db: Kysely<Database>,
  portalId: number,
  asOf: Date,
  options: BuildOptions = {},
): AsyncGenerator<ContactFeatures[]> {
  if (options.scoreText !== false) await ensureTextSentiment(db, portalId);
  for await (const contacts of contactChunks(db, portalId, options.chunkSize ?? DEFAULT_CHUNK_SIZE)) {
    yield await featuresOfContacts(db, portalId, asOf, contacts);
  }
}

/**
 * Features of the given contacts as of `asOf`: one aggregate query per source. `episodes` are the
 * contacts' customer episodes when the caller has them (read from the warehouse otherwise).
 */
export async function featuresOfContacts(
  db: Kysely<Database>,
  portalId: number,
  asOf: Date,
  contacts: readonly ContactRow[],
  episodes?: ReadonlyMap<string, readonly CustomerEpisode[]>,
): Promise<ContactFeatures[]> {
  if (contacts.length === 0) return [];
  const w = windowsFor(asOf);
  const ids = contacts.map((c) => c.id);
  const [emails, tickets, usage, commerce, feedback, lives] = await Promise.all([
    emailFeatures(db, portalId, ids, w),
    ticketAggregates(db, portalId, ids, w),
    usageFeatures(db, portalId, ids, w),
    commerceFeatures(db, portalId, ids, w),
    feedbackFeatures(db, portalId, ids, w),
    episodes ?? loadCustomerEpisodes(db, portalId, contacts),
  ]);
  return contacts.map((contact) => {
    const email = emails.get(contact.id);
    return {
      contactId: contact.id,
      asOf,
      values: {
        ...(email?.features ?? emptyEmailFeatures()),
        ...supportFeatures(tickets.get(contact.id), email?.inbound),
        ...(usage.get(contact.id) ?? emptyUsageFeatures()),
        ...(commerce.get(contact.id) ?? emptyCommerceFeatures()),
        ...profileFeatures(contact, asOf, lives.get(contact.id) ?? []),
        ...(feedback.get(contact.id) ?? emptyFeedbackFeatures()),
      },
    };
  });
}
