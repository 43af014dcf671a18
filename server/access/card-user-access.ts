/**
 * Who is asking, from the risk card, and what they may do: decided on the server from what the
 * CRM says about the user now (an active user of the account? their roles, or the org's grant),
 * never from the card's own UI. The CRM's answer is kept for a short while per portal and user,
 * so a user removed or demoted in the CRM loses the right within that time.
 */
import type { Kysely } from 'kysely';
import type { CrmUser } from '../crm/connector.js';
import { CrmError, CrmRequestError } from '../crm/errors.js';
import type { CrmConnectors } from '../crm/registry.js';
import type { CrmKind, Database } from '../db/schema.js';
import { ruleAllowsPlays } from '../settings/card-plays-rule.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import { NotAPortalUserError, PlaysNotAllowedError, UserCheckUnavailableError } from './access-errors.js';
import { ExpiringCache } from './expiring-cache.js';

/** What the card may offer this user; the server checks the same answer on every action. */
export interface CardPermissions {
  userId: string;
  canRunPlays: boolean;
  /** Any user of the account may say a score looks wrong. */
  canGiveFeedback: boolean;
}

export interface CardUserAccessOptions {
  db: Kysely<Database>;
  crms: CrmConnectors;
  /** How long the CRM's answer about a user is trusted. */
  ttlMs: number;
  /** How long a person waits for the CRM's answer before being told it is unavailable. */
  answerWithinMs?: number;
  /** Users remembered at most (least recently asked for forgotten first). */
  maxEntries?: number;
  now?: () => number;
}

/** The portal as this module needs it: our id, and which CRM to ask. */
export interface AccessPortal {
  id: number;
  crm: CrmKind;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_ANSWER_WITHIN_MS = 5_000;
/** How long a portal whose CRM could not answer is answered "unavailable" without asking again. */
const UNAVAILABLE_REMEMBERED_MS = 15_000;

const HOW_TO_GET_PLAYS: Record<CrmKind, string> = {
  hubspot:
    'your portal’s admin lets super admins and chosen roles start them; ask them for one of those roles.',
  salesforce: 'ask your Salesforce admin for the “Churn Radar plays” permission set.',
};

export class CardUserAccess {
  private readonly users: ExpiringCache<CrmUser | null>;
  private readonly pending = new Map<string, Promise<CrmUser | null>>();
  /** Portals whose CRM could not say who a user is a moment ago, with why. */
  private readonly unavailable: ExpiringCache<UserCheckUnavailableError>;

  constructor(private readonly options: CardUserAccessOptions) {
    this.users = new ExpiringCache({
      ttlMs: options.ttlMs,
      maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      ...(options.now ? { now: options.now } : {}),
    });
    this.unavailable = new ExpiringCache({
      ttlMs: UNAVAILABLE_REMEMBERED_MS,
      maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** The user's permissions; `NotAPortalUserError` for anyone the CRM does not know as active. */
  async permissionsOf(portal: AccessPortal, userId: string): Promise<CardPermissions> {
    const user = await this.crmUser(portal, userId);
    if (!user) throw new NotAPortalUserError(userId);
    const canRunPlays =
      user.playsGranted ??
      ruleAllowsPlays((await loadPortalSettings(this.options.db, portal.id)).cardPlays, user);
    return { userId, canRunPlays, canGiveFeedback: true };
  }

  /** Throws unless the user may start plays. */
  async requirePlays(portal: AccessPortal, userId: string): Promise<CardPermissions> {
    const permissions = await this.permissionsOf(portal, userId);
    if (!permissions.canRunPlays) throw new PlaysNotAllowedError(HOW_TO_GET_PLAYS[portal.crm]);
    return permissions;
  }

  /** Throws unless the user may give feedback on a score. */
  async requireFeedback(portal: AccessPortal, userId: string): Promise<CardPermissions> {
    return this.permissionsOf(portal, userId);
  }

  private async crmUser(portal: AccessPortal, userId: string): Promise<CrmUser | null> {
    const key = `${portal.id}:${userId}`;
    const known = this.users.get(key);
    if (known) return known.value;
    // The CRM just failed to answer for this portal: every card does not wait for it again at once.
    const down = this.unavailable.get(String(portal.id));
    if (down) throw down.value;
    let asking = this.pending.get(key);
    if (!asking) {
      // One question to the CRM however many of the user's requests arrive while it is asked.
      asking = this.askCrm(portal, userId)
        .then((user) => {
          this.users.set(key, user);
          return user;
        })
        .catch((error: unknown) => {
          if (error instanceof UserCheckUnavailableError) this.unavailable.set(String(portal.id), error);
          throw error;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, asking);
    }
    return asking;
  }

  private async askCrm(portal: AccessPortal, userId: string): Promise<CrmUser | null> {
    const within = this.options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
    let timer: NodeJS.Timeout | undefined;
    // A person waits on the card: the CRM's retries are not waited for past this.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UserCheckUnavailableError(
              `The CRM could not say who you are within ${Math.round(within / 1000)} s; try again in a minute.`,
            ),
          ),
        within,
      );
    });
    try {
      return await Promise.race([this.options.crms.connectorFor(portal).findUser(portal.id, userId), late]);
    } catch (error) {
      if (error instanceof UserCheckUnavailableError) throw error;
      if (!(error instanceof CrmError)) throw error;
      const refused = error instanceof CrmRequestError && error.httpStatus === 403;
      throw new UserCheckUnavailableError(
        refused
          ? `The CRM does not let Churn Radar read its users (${error.message}): an admin must reinstall the app to grant it.`
          : `The CRM could not say who you are just now (${error.message}); try again in a minute.`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
