import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { CrmAccessRevokedError } from '../crm/errors.js';
import { OAuthRequestError, type CrmOAuth, type CrmTokenGrant, type CrmTokenStore } from '../crm/oauth.js';
import { json, type Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { TokenCipher } from './token-cipher.js';

/** Refresh this long before expiry, so no call starts with a token about to lapse. */
const REFRESH_AHEAD_MS = 5 * 60 * 1000;
const LOCK_TTL_MS = 15_000;
/**
 * How long a process reuses an access token it read, instead of reading and decrypting it for
 * every CRM call (a cycle makes hundreds a minute). Short, so a token another process refreshed
 * or an uninstall is seen within seconds; a call refused meanwhile refreshes at once.
 */
const READ_REUSE_MS = 5_000;
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface TokenVaultOptions {
  db: Kysely<Database>;
  cipher: TokenCipher;
  /** The OAuth server of the CRM whose installs this vault keeps. */
  oauth: Pick<CrmOAuth, 'refresh'>;
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
  /** Called once when the CRM says the install is gone (invalid_grant on refresh). */
  onRevoked: (portalId: number) => Promise<void>;
  /** How long a token read is reused (default READ_REUSE_MS). */
  readReuseMs?: number;
}

/**
 * OAuth tokens, encrypted at rest. Refreshes ahead of expiry, single-flight across processes: the
 * process holding a Redis lock refreshes, the others wait for its result in the database.
 */
export class TokenVault implements CrmTokenStore {
  private readonly inFlight = new Map<number, Promise<string>>();
  private readonly recent = new Map<number, { accessToken: string; expiresAt: Date; readAt: number }>();

  constructor(private readonly options: TokenVaultOptions) {}

  async store(portalId: number, grant: CrmTokenGrant, installedByUserId?: string): Promise<void> {
    const { cipher, db } = this.options;
    this.recent.delete(portalId);
    const context = tokenContext(portalId);
    const row = {
      access_token_enc: cipher.encrypt(grant.accessToken, context),
      refresh_token_enc: cipher.encrypt(grant.refreshToken, context),
      expires_at: new Date(Date.now() + grant.expiresInSeconds * 1000),
      scopes: json(grant.scopes ?? []),
      // A refresh that names no instance keeps the one stored.
      ...(grant.apiBase !== undefined ? { api_base: grant.apiBase } : {}),
    };
    await db
      .insertInto('oauth_tokens')
      .values({ portal_id: portalId, ...row, installed_by_user_id: installedByUserId ?? null })
      .onConflict((oc) => oc.column('portal_id').doUpdateSet({ ...row, updated_at: sql`now()` }))
      .execute();
  }

  async accessToken(portalId: number): Promise<string> {
    const now = Date.now();
    const reused = this.recent.get(portalId);
    const reuseMs = this.options.readReuseMs ?? READ_REUSE_MS;
    const row = reused && now - reused.readAt < reuseMs ? reused : await this.read(portalId);
    if (row.expiresAt.getTime() - now > REFRESH_AHEAD_MS) {
      if (row !== reused)
        this.recent.set(portalId, { accessToken: row.accessToken, expiresAt: row.expiresAt, readAt: now });
      return row.accessToken;
    }
    this.recent.delete(portalId);
    return this.refreshOnce(portalId, row.expiresAt);
  }

  /**
   * A fresh access token after the CRM refused `rejected`. When another process replaced that
   * token meanwhile (two workers meeting an expired token at once), the replacement is taken
   * instead of refreshing again: with Salesforce's rotation, every refresh spends a refresh token.
   */
  async refreshAccessToken(portalId: number, rejected?: string): Promise<string> {
    this.recent.delete(portalId);
    if (rejected === undefined) return this.refreshOnce(portalId);
    const current = await this.read(portalId);
    if (current.accessToken !== rejected) return current.accessToken;
    return this.refreshOnce(portalId, current.expiresAt);
  }

  /** One refresh at a time in this process; with `seenExpiry`, a token newer than that one is taken. */
  private refreshOnce(portalId: number, seenExpiry?: Date): Promise<string> {
    let pending = this.inFlight.get(portalId);
    if (!pending) {
      pending = this.refreshSingleFlight(portalId, seenExpiry).finally(() => this.inFlight.delete(portalId));
      this.inFlight.set(portalId, pending);
    }
    return pending;
  }

  async apiBase(portalId: number): Promise<string | null> {
    const row = await this.options.db
      .selectFrom('oauth_tokens')
      .select('api_base')
      .where('portal_id', '=', portalId)
      .executeTakeFirst();
    if (!row) throw new CrmAccessRevokedError(portalId);
    return row.api_base;
  }

  /** The refresh token in clear, for revoking it at uninstall. */
  async refreshToken(portalId: number): Promise<string> {
    return (await this.read(portalId)).refreshToken;
  }

  private async refreshSingleFlight(portalId: number, seenExpiry: Date | undefined): Promise<string> {
    const { redis, keyPrefix } = this.options;
    const lockKey = `${keyPrefix}:token-refresh:${portalId}`;
    const owner = randomBytes(12).toString('hex');
    const deadline = Date.now() + LOCK_TTL_MS * 2;
    const baseline = seenExpiry ?? (await this.read(portalId)).expiresAt;
    for (;;) {
      if ((await redis.set(lockKey, owner, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') {
        try {
          const current = await this.read(portalId);
          // Someone refreshed between our read and the lock: use theirs.
          if (current.expiresAt.getTime() > baseline.getTime()) return current.accessToken;
          return await this.refreshNow(portalId, current.refreshToken);
        } finally {
          await redis.eval(RELEASE_LOCK, 1, lockKey, owner);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      const current = await this.readIfPresent(portalId);
      if (!current) throw new CrmAccessRevokedError(portalId);
      if (current.expiresAt.getTime() > baseline.getTime()) return current.accessToken;
      if (Date.now() > deadline)
        throw new Error(`Token refresh for portal ${portalId} did not finish in time.`);
    }
  }

  private async refreshNow(portalId: number, refreshToken: string): Promise<string> {
    try {
      const grant = await this.options.oauth.refresh(refreshToken);
      await this.store(portalId, grant);
      this.options.logger.info({ portalId }, 'refreshed access token');
      return grant.accessToken;
    } catch (error) {
      if (error instanceof OAuthRequestError && error.isRevoked) {
        this.options.logger.warn({ portalId, error: error.message }, 'refresh refused: install revoked');
        await this.options.onRevoked(portalId);
        throw new CrmAccessRevokedError(portalId);
      }
      throw error;
    }
  }

  private async read(portalId: number) {
    const row = await this.readIfPresent(portalId);
    if (!row) throw new CrmAccessRevokedError(portalId);
    return row;
  }

  private async readIfPresent(portalId: number) {
    const row = await this.options.db
      .selectFrom('oauth_tokens')
      .select(['access_token_enc', 'refresh_token_enc', 'expires_at'])
      .where('portal_id', '=', portalId)
      .executeTakeFirst();
    if (!row) return undefined;
    const context = tokenContext(portalId);
    return {
      accessToken: this.options.cipher.decrypt(row.access_token_enc, context),
      refreshToken: this.options.cipher.decrypt(row.refresh_token_enc, context),
      expiresAt: row.expires_at,
    };
  }
}

function tokenContext(portalId: number): string {
  return `portal:${portalId}`;
}
