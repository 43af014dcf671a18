import { CardUserAccess } from './access/card-user-access.js';
import { CardViewCache } from './api/cards/card-view-cache.js';
import { hubspotPlug } from './crm/hubspot/stack.js';
import { salesforcePlug } from './crm/salesforce/stack.js';
import type { CrmOAuth } from './crm/oauth.js';
import type { RateLimits } from './crm/rate-limit.js';
import { CrmRegistry, type CrmPlugDeps } from './crm/registry.js';
import { ContactStamps } from './jobs/contact-stamps.js';
import { InstallState } from './oauth/install-state.js';
import { loadTokenKey, TokenCipher } from './oauth/token-cipher.js';
import { TokenVault } from './oauth/token-vault.js';
import { forgetRevokedPortal } from './oauth/uninstall.js';
import type { Runtime } from './runtime.js';
import type { WorkQueue } from './work-queue.js';

type Connections = Pick<Runtime, 'config' | 'logger' | 'db' | 'queues'> & { work: WorkQueue };

/** The product's CRMs: one line per CRM, its plug made from its own folder. */
function productCrms(deps: CrmPlugDeps) {
  return new CrmRegistry({
    hubspot: hubspotPlug(deps),
    salesforce: salesforcePlug(deps),
  });
}

export type ProductCrms = ReturnType<typeof productCrms>;

/** The product's long-lived parts, built once per process on top of its connections. */
export interface Services {
  cipher: TokenCipher;
  installState: InstallState;
  /** Each CRM's OAuth, token vault and connector, by kind; only the configured ones have parts. */
  crms: ProductCrms;
  /** Who may do what from the risk card, as the CRM says (kept briefly per portal and user). */
  cardUsers: CardUserAccess;
  /** The risk card's views, kept per contact until its next status or score. */
  cardViews: CardViewCache;
}

export interface ServiceOptions {
  rateLimits?: RateLimits;
  /** The clock the card users' and card views' caches expire by (tests move it instead of waiting). */
  clock?: () => number;
}

export function createServices(runtime: Connections, options: ServiceOptions = {}): Services {
  const { config, logger, db, queues, work } = runtime;
  const cipher = new TokenCipher(
    loadTokenKey({ configuredKey: config.tokenEncryptionKey, dataDir: config.dataDir }),
  );
  const installState = new InstallState(cipher.derive('oauth-state'), queues.connection, config.queuePrefix);
  const vaultFor = (oauth: CrmOAuth) =>
    new TokenVault({
      db: db.db,
      cipher,
      oauth,
      redis: queues.connection,
      keyPrefix: config.queuePrefix,
      logger,
      onRevoked: (portalId) =>
        forgetRevokedPortal({ db: db.db, work, logger }, portalId, 'the CRM refused our refresh token'),
    });
  const crms = productCrms({
    config,
    vaultFor,
    redis: queues.connection,
    keyPrefix: config.queuePrefix,
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  });
  const cardUsers = new CardUserAccess({
    db: db.db,
    crms,
    ttlMs: config.cardUserCacheMs,
    ...(options.clock ? { now: options.clock } : {}),
  });
  const cardViews = new CardViewCache({
    stamps: new ContactStamps(queues.connection, queues.prefix),
    ...(options.clock ? { now: options.clock } : {}),
  });
  return { cipher, installState, crms, cardUsers, cardViews };
}
