import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EnsurePropertiesReport, PropertyGroupSpec, PropertySpec } from '../crm/connector.js';
import type { CrmConnectors } from '../crm/registry.js';
import { json, type Database } from '../db/index.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';
import type { Logger } from '../logger.js';
import type { Queues } from './queues.js';

export const BOOTSTRAP_PORTAL_JOB = 'bootstrap-portal';
const dataSchema = z.object({ portalId: z.number().int().positive() });

/** Queues a new install's bootstrap. */
export async function enqueueBootstrapPortal(queues: Queues, portalId: number): Promise<void> {
  await queues.get('system').add(BOOTSTRAP_PORTAL_JOB, dataSchema.parse({ portalId }));
}

export interface BootstrapDeps {
  db: Kysely<Database>;
  crms: CrmConnectors;
  properties: { group: PropertyGroupSpec; contact: PropertySpec[] };
  logger: Logger;
  /** What follows a portal's bootstrap: its first full sync. */
  onBootstrapped: (portalId: number) => Promise<void>;
}

/**
 * The app's property group and the fields it writes, as this release defines them (options added
 * to a field an earlier release created). Also run by each cycle before its write-back.
 */
export async function ensureWrittenFields(
  deps: Pick<BootstrapDeps, 'db' | 'crms' | 'properties'>,
  portalId: number,
): Promise<EnsurePropertiesReport> {
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
  return untilRevoked(() =>
    connector.ensureProperties(portalId, 'contacts', deps.properties.group, deps.properties.contact),
  );
}

/**
 * After an install: the app's property group and score properties in the portal. Safe to run any
 * number of times; properties that exist with another type are reported in the audit log.
 */
export async function processBootstrapPortal(job: Job, deps: BootstrapDeps): Promise<EnsurePropertiesReport> {
  const { portalId } = dataSchema.parse(job.data);
  const report = await ensureWrittenFields(deps, portalId);
  await deps.db
    .insertInto('audit_log')
    .values({
      portal_id: portalId,
      actor: 'system',
      action: 'portal.properties_ensured',
      details: json(report),
    })
    .execute();
  if (report.conflicts.length > 0) {
    deps.logger.warn(
      { portalId, conflicts: report.conflicts },
      'properties exist with another type; left alone',
    );
  }
  await deps.onBootstrapped(portalId);
  return report;
}
