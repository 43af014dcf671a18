/**
 * The product's CRMs by kind (`portals.crm`). Each CRM's folder makes a plug (its name, and its
 * parts once its app's credentials are set); `server/services.ts` registers one line per CRM.
 * Routes and jobs ask the registry for a portal's CRM and never name one.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { CrmKind } from '../db/schema.js';
import { BadRequestError } from '../errors.js';
import type { CrmConnector } from './connector.js';
import { CrmNotConfiguredError } from './errors.js';
import type { CrmOAuth, CrmTokenStore } from './oauth.js';
import type { RateLimits } from './rate-limit.js';

/** A portal (by its `crm`) or a CRM kind. */
export type CrmRef = CrmKind | { crm: CrmKind };

/** One CRM's parts, built once per process. */
export interface CrmStack {
  oauth: CrmOAuth;
  /** The tokens of the CRM's installs. */
  vault: CrmTokenStore;
  connector: CrmConnector;
}

export interface CrmPlug<S extends CrmStack = CrmStack> {
  /** The CRM's name as people say it. */
  name: string;
  /** What an operator sets to turn it on; the error that says it is off names it. */
  enabledBy: string;
  /** Absent while the CRM's app credentials are not set. */
  stack: S | undefined;
}

/** What each CRM's plug is made from: the process's config and the product's shared parts. */
export interface CrmPlugDeps {
  config: Config;
  /** The token vault of a CRM's installs, over that CRM's OAuth. */
  vaultFor(oauth: CrmOAuth): CrmTokenStore;
  /** Where per-portal rate limits are kept, so they hold across every worker. */
  redis: Redis;
  keyPrefix: string;
  /** Instead of the CRM's configured rate limits (tests, benchmarks). */
  rateLimits?: RateLimits;
}

export type CrmPlugs = { [K in CrmKind]?: CrmPlug };

/** What jobs ask of the registry. */
export interface CrmConnectors {
  /** The connector of the portal's CRM; throws CrmNotConfiguredError when this process has none. */
  connectorFor(portal: CrmRef): CrmConnector;
}

/** What the install, sign-in and admin routes ask of it. */
export interface CrmStacks extends CrmConnectors {
  /** The parts of the portal's CRM; throws CrmNotConfiguredError when this process has none. */
  stackFor(portal: CrmRef): CrmStack;
  nameOf(crm: CrmKind): string;
  /** The CRM a request names (`?crm=`), or the one CRM configured when it names none. */
  choose(named: string | undefined): CrmKind;
}

type StackOf<P extends CrmPlugs, K extends CrmKind> =
  NonNullable<P[K]> extends CrmPlug<infer S extends CrmStack> ? S : never;

export class CrmRegistry<Plugs extends CrmPlugs = CrmPlugs> implements CrmStacks {
  constructor(private readonly plugs: Plugs) {}

  /** The CRMs registered, configured or not, in the order they were registered. */
  kinds(): CrmKind[] {
    return (Object.keys(this.plugs) as CrmKind[]).filter((kind) => this.plugs[kind] !== undefined);
  }

  /** The CRMs this process can serve. */
  configured(): CrmKind[] {
    return this.kinds().filter((kind) => this.plugs[kind]?.stack !== undefined);
  }

  stackFor<K extends CrmKind>(portal: K | { crm: K }): StackOf<Plugs, K> {
    const kind = typeof portal === 'string' ? portal : portal.crm;
    const stack = this.plugs[kind]?.stack;
    if (!stack) throw this.notConfigured(kind);
    return stack as StackOf<Plugs, K>;
  }

  connectorFor(portal: CrmRef): CrmConnector {
    return this.stackFor(portal).connector;
  }

  nameOf(crm: CrmKind): string {
    return this.plugs[crm]?.name ?? crm;
  }

  choose(named: string | undefined): CrmKind {
    const kinds = this.kinds();
    if (named !== undefined) {
      const kind = kinds.find((k) => k === named);
      if (!kind) throw new BadRequestError(`No CRM "${named}": this app serves ${kinds.join(', ')}.`);
      return kind;
    }
    const configured = this.configured();
    if (configured.length === 1) return configured[0]!;
    if (configured.length === 0) throw this.notConfigured(kinds[0]);
    throw new BadRequestError(`Name the CRM: ${configured.map((k) => `crm=${k}`).join(' or ')}.`);
  }

  private notConfigured(kind: CrmKind | undefined): CrmNotConfiguredError {
    const plug = kind && this.plugs[kind];
    if (!plug) return new CrmNotConfiguredError(`No ${kind ?? 'CRM'} app is registered in this release.`);
    return new CrmNotConfiguredError(`The ${plug.name} app is not configured: set ${plug.enabledBy}.`);
  }
}
