import { UnrecoverableError } from 'bullmq';
import type { Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import { CrmAccessRevokedError } from '../crm/errors.js';
import { findPortal } from '../db/portals.js';
import type { Database } from '../db/schema.js';

/**
 * The CRM connector for a job about a portal. A portal that is gone fails the job for good
 * (retrying cannot help); a worker without the app's credentials fails it for a retry elsewhere.
 */
export async function connectorForInstalledPortal(
  db: Kysely<Database>,
  portalId: number,
  connector: CrmConnector | undefined,
): Promise<CrmConnector> {
  await requireInstalledPortal(db, portalId);
  if (!connector) throw new Error('the HubSpot app is not configured in this worker');
  return connector;
}

/** Fails the job for good when the portal is gone or uninstalled. */
export async function requireInstalledPortal(db: Kysely<Database>, portalId: number): Promise<void> {
  const portal = await findPortal(db, portalId);
  if (!portal || portal.status === 'uninstalled')
    throw new UnrecoverableError(`portal ${portalId} is not installed`);
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
