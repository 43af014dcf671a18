import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EnsurePropertiesReport, PropertyGroupSpec, PropertySpec } from '../crm/connector.js';
import { CrmRequestError } from '../crm/errors.js';
import type { CrmConnectors } from '../crm/registry.js';
import { json, type Database } from '../db/index.js';
import {
  orgCredentialNeeded,
  provisionOrgCredential,
  type OrgCredentialOutcome,
} from '../crm/org-credentials.js';
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
  properties: {
    group: PropertyGroupSpec;
    contact: PropertySpec[];
    /** The account score's fields on companies, when the app writes one. */
    company?: { group: PropertyGroupSpec; properties: PropertySpec[] } | null;
  };
  logger: Logger;
  /** What follows a portal's bootstrap: its first full sync. */
  onBootstrapped: (portalId: number) => Promise<void>;
}

/** The contact fields' report, with the company fields' own (or why they could not be made). */
export type WrittenFieldsReport = EnsurePropertiesReport & {
  companies?: EnsurePropertiesReport | { refused: string };
};

/**
 * The app's property group and the fields it writes, as this release defines them (options added
 * to a field an earlier release created, a number field given the decimals it lacked; those widened
 * are logged). Also run by each cycle before its write-back. A CRM that refuses the company fields
 * (an install from before they existed lacks the scope) leaves the contacts' alone: the refusal is
 * reported, and the account scores stay in the dashboard.
 */
export async function ensureWrittenFields(
  deps: Pick<BootstrapDeps, 'db' | 'crms' | 'properties'> & Partial<Pick<BootstrapDeps, 'logger'>>,
  portalId: number,
): Promise<WrittenFieldsReport> {
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
  const report: WrittenFieldsReport = await untilRevoked(() =>
    connector.ensureProperties(portalId, 'contacts', deps.properties.group, deps.properties.contact),
  );
  const company = deps.properties.company;
  if (company) {
    try {
      report.companies = await untilRevoked(() =>
        connector.ensureProperties(portalId, 'companies', company.group, company.properties),
      );
    } catch (error) {
      if (!(error instanceof CrmRequestError)) throw error;
      report.companies = { refused: error.message };
    }
  }
  const widened = {
    contacts: report.updated ?? [],
    companies: report.companies && 'updated' in report.companies ? (report.companies.updated ?? []) : [],
  };
  if (widened.contacts.length + widened.companies.length > 0) {
    deps.logger?.info({ portalId, widened }, 'fields an earlier release made narrower were widened');
  }
  return report;
}

/**
 * The secret the app's code inside the CRM calls this server with (Salesforce's package), when the
 * install's CRM has such code and the secret is not set yet. Never fails the caller: an org whose
 * package is not installed yet, or a refusal, is recorded for the admin and tried again next time.
 */
export async function ensureOrgCredential(
  deps: Pick<BootstrapDeps, 'db' | 'crms' | 'logger'>,
  portalId: number,
): Promise<OrgCredentialOutcome | 'failed' | 'already_set'> {
  try {
    const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
    if (!connector.setOrgSecret) return 'not_needed';
    if (!(await orgCredentialNeeded(deps.db, portalId))) return 'already_set';
    const outcome = await untilRevoked(() => provisionOrgCredential(deps.db, connector, portalId));
    await deps.db
      .insertInto('audit_log')
      .values({
        portal_id: portalId,
        actor: 'system',
        action: 'portal.org_credential',
        details: json({ outcome }),
      })
      .execute();
    return outcome;
  } catch (error) {
    deps.logger.warn({ portalId, err: error }, 'could not set the org credential; will try again next cycle');
    return 'failed';
  }
}

/**
 * After an install: the app's property group and score properties in the portal, and the org's
 * credential where the CRM's side needs one. Safe to run any
 * number of times; properties that exist with another type are reported in the audit log.
 */
export async function processBootstrapPortal(job: Job, deps: BootstrapDeps): Promise<WrittenFieldsReport> {
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
  await ensureOrgCredential(deps, portalId);
  await deps.onBootstrapped(portalId);
  return report;
}
