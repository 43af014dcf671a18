import { UnrecoverableError } from 'bullmq';
import type { Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import { CrmAccessRevokedError } from '../crm/errors.js';
import type { CrmConnectors } from '../crm/registry.js';
import { findPortal } from '../db/portals.js';
import type { Database, Portal } from '../db/schema.js';

/**
 * The connector of the portal's CRM, for a job about the portal. A portal that is gone fails the
 * job for good (retrying cannot help); a worker without that CRM's app credentials fails it
 * (CrmNotConfiguredError) for a retry elsewhere.
 */
export async function connectorForInstalledPortal(
  db: Kysely<Database>,
  portalId: number,
  crms: CrmConnectors,
): Promise<CrmConnector> {
  return crms.connectorFor(await requireInstalledPortal(db, portalId));
}

/** The portal; fails the job for good when it is gone or uninstalled. */
export async function requireInstalledPortal(db: Kysely<Database>, portalId: number): Promise<Portal> {
  const portal = await findPortal(db, portalId);
  if (!portal || portal.status === 'uninstalled')
    throw new UnrecoverableError(`portal ${portalId} is not installed`);
  return portal;
}

/** Runs CRM work for a job; an install revoked meanwhile ends the job without retries. */
export async function untilRevoked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CrmAccessRevokedError) throw new UnrecoverableError(error.message);
    throw error;
  }
}
