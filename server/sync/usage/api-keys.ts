import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { json } from '../../db/json.js';
import type { Database } from '../../db/schema.js';
import { AppError, NotFoundError } from '../../errors.js';

/**
 * The key a customer's product sends its usage events with: `cru_` + 8 lookup characters + `_` +
 * 256 random bits. Only its SHA-256 is stored (a key this random needs no slow hash); the first 12
 * characters are kept in clear so the admin can tell keys apart and the server can find the row.
 */

const KEY_PATTERN = /^cru_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;

export interface UsageApiKey {
  portalId: number;
  /** The clear key: returned once, when created or rotated, and never stored. */
  key: string;
  prefix: string;
  createdAt: Date;
}

export interface UsageApiKeyInfo {
  portalId: number;
  prefix: string;
  createdAt: Date;
  rotatedAt: Date | null;
}

export class UsageApiKeyExistsError extends AppError {
  constructor(portalId: number) {
    super(
      409,
      'usage_api_key_exists',
      `Portal ${portalId} already has a usage API key; rotate it to get a new one.`,
    );
  }
}

export class NoUsageApiKeyError extends NotFoundError {
  constructor(portalId: number) {
    super(`Portal ${portalId} has no usage API key yet; create one first.`);
  }
}

function newKey(): { key: string; prefix: string; hash: string } {
  const key = `cru_${randomBytes(6).toString('base64url')}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashKey(key) };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates the portal's first key; refuses if it has one (rotation is the explicit way to replace it). */
export async function createUsageApiKey(db: Kysely<Database>, portalId: number): Promise<UsageApiKey> {
  const { key, prefix, hash } = newKey();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('usage_api_keys')
      .values({ portal_id: portalId, key_prefix: prefix, key_hash: hash })
      .onConflict((oc) => oc.column('portal_id').doNothing())
      .returning('created_at')
      .executeTakeFirst();
    if (!row) throw new UsageApiKeyExistsError(portalId);
    await audit(trx, portalId, 'usage_api_key.created', prefix);
    return { portalId, key, prefix, createdAt: row.created_at };
  });
}

/** Replaces the portal's key; the old one stops working at once. */
export async function rotateUsageApiKey(db: Kysely<Database>, portalId: number): Promise<UsageApiKey> {
  const { key, prefix, hash } = newKey();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('usage_api_keys')
      .set({ key_prefix: prefix, key_hash: hash, rotated_at: sql`now()` })
      .where('portal_id', '=', portalId)
      .returning('rotated_at')
      .executeTakeFirst();
    if (!row) throw new NoUsageApiKeyError(portalId);
    await audit(trx, portalId, 'usage_api_key.rotated', prefix);
    return { portalId, key, prefix, createdAt: row.rotated_at ?? new Date() };
  });
}

export async function describeUsageApiKey(
  db: Kysely<Database>,
  portalId: number,
): Promise<UsageApiKeyInfo | undefined> {
  const row = await db
    .selectFrom('usage_api_keys')
    .select(['key_prefix', 'created_at', 'rotated_at'])
    .where('portal_id', '=', portalId)
    .executeTakeFirst();
  return row && { portalId, prefix: row.key_prefix, createdAt: row.created_at, rotatedAt: row.rotated_at };
}

/** The active portal a key belongs to, or undefined for a key that is unknown, replaced or malformed. */
export async function portalForUsageApiKey(db: Kysely<Database>, key: string): Promise<number | undefined> {
  if (!KEY_PATTERN.test(key)) return undefined;
  const row = await db
    .selectFrom('usage_api_keys')
    .innerJoin('portals', 'portals.id', 'usage_api_keys.portal_id')
    .select(['usage_api_keys.portal_id', 'usage_api_keys.key_hash', 'portals.status'])
    .where('usage_api_keys.key_prefix', '=', key.slice(0, PREFIX_LENGTH))
    .executeTakeFirst();
  if (!row) return undefined;
  const given = Buffer.from(hashKey(key), 'hex');
  const stored = Buffer.from(row.key_hash, 'hex');
  const matches = given.length === stored.length && timingSafeEqual(given, stored);
  return matches && row.status === 'active' ? row.portal_id : undefined;
}

async function audit(db: Kysely<Database>, portalId: number, action: string, prefix: string): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ portal_id: portalId, actor: 'admin', action, details: json({ prefix }) })
    .execute();
}
