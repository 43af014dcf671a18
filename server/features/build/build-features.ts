import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import { accountFeatures, emptyAccountFeatures } from './account-features.js';
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
import { contactCutoffs, windowsFor } from './time-windows.js';
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
  const [features] = await featuresAtCutoffs(db, portalId, [{ asOf, contacts }], episodes);
  return features!;
}

/** Contacts whose features are wanted as of one cutoff. */
export interface CutoffContacts {
  asOf: Date;
  contacts: readonly ContactRow[];
}

/**
 * Features of contacts at several cutoffs (each its own contacts, in their order): one aggregate
 * query per source reads every cutoff, so the events are joined once, not once per cutoff, and
 * each contact's only to the cutoffs it is wanted at.
 */
export async function featuresAtCutoffs(
  db: Kysely<Database>,
  portalId: number,
  cutoffs: readonly CutoffContacts[],
  episodes?: ReadonlyMap<string, readonly CustomerEpisode[]>,
): Promise<ContactFeatures[][]> {
  const union = new Map<string, ContactRow>();
  for (const { contacts } of cutoffs) for (const contact of contacts) union.set(contact.id, contact);
  if (union.size === 0) return cutoffs.map(() => []);
  const at = contactCutoffs(
    cutoffs.map((c) => windowsFor(c.asOf)),
    cutoffs.map((c) => c.contacts.map((contact) => contact.id)),
  );
  const [emails, tickets, usage, commerce, feedback, accounts, lives] = await Promise.all([
    emailFeatures(db, portalId, at),
    ticketAggregates(db, portalId, at),
    usageFeatures(db, portalId, at),
    commerceFeatures(db, portalId, at),
    feedbackFeatures(db, portalId, at),
    accountFeatures(db, portalId, [...union.values()], at),
    episodes ?? loadCustomerEpisodes(db, portalId, [...union.values()]),
  ]);
  return cutoffs.map(({ asOf, contacts }, k) =>
    contacts.map((contact) => {
      const email = emails[k]!.get(contact.id);
      // One assign of the seven groups, not an object spread of them: V8 builds a spread of this
      // many properties one by one, ten times slower, and a training set has tens of thousands.
      const values: FeatureValues = Object.assign(
        {},
        email?.features ?? emptyEmailFeatures(),
        supportFeatures(tickets[k]!.get(contact.id), email?.inbound),
        usage[k]!.get(contact.id) ?? emptyUsageFeatures(),
        commerce[k]!.get(contact.id) ?? emptyCommerceFeatures(),
        profileFeatures(contact, asOf, lives.get(contact.id) ?? []),
        feedback[k]!.get(contact.id) ?? emptyFeedbackFeatures(),
        accounts[k]!.get(contact.id) ?? emptyAccountFeatures(),
      );
      return { contactId: contact.id, asOf, values };
    }),
  );
}
