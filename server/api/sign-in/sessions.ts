import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** How long a dashboard sign-in lasts before the user goes through the CRM again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  portalId: number;
  userId: string;
  userEmail: string | null;
  /** Sent back by the dashboard in `X-CSRF-Token` on every request that changes something. */
  csrfToken: string;
  expiresAt: Date;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Starts a session; the returned token goes in the cookie and is never stored in clear. */
export async function createSession(
  db: Kysely<Database>,
  input: { portalId: number; userId: string; userEmail: string | null },
  now = new Date(),
): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const session: Session = {
    ...input,
    csrfToken: randomBytes(24).toString('base64url'),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  };
  await db
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      portal_id: input.portalId,
      user_id: input.userId,
      user_email: input.userEmail,
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt,
    })
    .execute();
  // Expired sessions are dropped as new ones start, so the table stays the size of its users.
  await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  return { token, session };
}

/** The live session of a cookie token: unexpired, and its portal still installed. */
export async function findSession(db: Kysely<Database>, token: string): Promise<Session | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('portals', 'portals.id', 'sessions.portal_id')
    .select(['sessions.portal_id', 'user_id', 'user_email', 'csrf_token', 'expires_at'])
    .where('sessions.id', '=', hashToken(token))
    .where('expires_at', '>', sql<Date>`now()`)
    .where('portals.status', '=', 'active')
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    portalId: Number(row.portal_id),
    userId: row.user_id,
    userEmail: row.user_email,
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
  };
}

export async function endSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
}
