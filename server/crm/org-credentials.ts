/**
 * The per-install secret with which the app's code inside a CRM (Salesforce's package Apex) calls
 * this server. A fresh random secret is set in the CRM through its connector, and only its SHA-256
 * is kept here; an inbound call is let in when its org id names an installed portal and its secret
 * hashes to that portal's. Setting again rotates it. The status says what an admin must do.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, OrgCredentialStatus, Portal } from '../db/schema.js';
import { findPortalByExternalId } from '../db/portals.js';
import type { CrmConnector } from './connector.js';

export type OrgCredentialOutcome = 'set' | 'package_missing' | 'not_needed';

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

async function record(
  db: Kysely<Database>,
  portalId: number,
  status: OrgCredentialStatus,
  values: { secret_sha256?: string | null; detail?: string | null },
): Promise<void> {
  const row = {
    status,
    updated_at: new Date(),
    detail: values.detail ?? null,
    ...('secret_sha256' in values ? { secret_sha256: values.secret_sha256 } : {}),
  };
  await db
    .insertInto('org_credentials')
    .values({ portal_id: portalId, secret_sha256: values.secret_sha256 ?? null, ...row })
    .onConflict((oc) => oc.column('portal_id').doUpdateSet(row))
    .execute();
}

/**
 * Sets a new secret in the CRM and keeps its hash. While it is being set the status is `rotating`,
 * so a crash between the CRM's answer and our write is repaired by the next call (each cycle makes
 * one for an install whose status is not `set`).
 */
export async function provisionOrgCredential(
  db: Kysely<Database>,
  connector: CrmConnector,
  portalId: number,
): Promise<OrgCredentialOutcome> {
  if (!connector.setOrgSecret) return 'not_needed';
  await record(db, portalId, 'rotating', {});
  const secret = randomBytes(32).toString('base64url');
  let outcome: 'set' | 'package_missing';
  try {
    outcome = await connector.setOrgSecret(portalId, secret);
  } catch (error) {
    await record(db, portalId, 'failed', {
      detail: error instanceof Error ? error.message.slice(0, 500) : String(error),
    });
    throw error;
  }
  if (outcome === 'package_missing') {
    await record(db, portalId, 'awaiting_package', {
      secret_sha256: null,
      detail: 'The Churn Radar package is not installed in this org yet: install it, then connect again.',
    });
    return outcome;
  }
  await record(db, portalId, 'set', { secret_sha256: sha256(secret) });
  return outcome;
}

/** Whether an install still needs its secret set (never set, interrupted, or waiting for the package). */
export async function orgCredentialNeeded(db: Kysely<Database>, portalId: number): Promise<boolean> {
  const row = await db
    .selectFrom('org_credentials')
    .select('status')
    .where('portal_id', '=', portalId)
    .executeTakeFirst();
  return row?.status !== 'set';
}

export async function orgCredentialStatus(db: Kysely<Database>, portalId: number) {
  return db
    .selectFrom('org_credentials')
    .select(['status', 'detail', 'updated_at'])
    .where('portal_id', '=', portalId)
    .executeTakeFirst();
}

/**
 * The installed portal whose org id and secret these are, or undefined. Both are always checked,
 * with the hashes compared in constant time, so a wrong org and a wrong secret look the same.
 */
export async function portalForOrgSecret(
  db: Kysely<Database>,
  crm: 'salesforce',
  orgId: string,
  secret: string,
): Promise<Portal | undefined> {
  const portal = await findPortalByExternalId(db, crm, orgId);
  const row = portal
    ? await db
        .selectFrom('org_credentials')
        .select('secret_sha256')
        .where('portal_id', '=', portal.id)
        .executeTakeFirst()
    : undefined;
  const expected = Buffer.from(row?.secret_sha256 ?? '0'.repeat(64), 'hex');
  const given = Buffer.from(sha256(secret), 'hex');
  const matches = timingSafeEqual(expected, given);
  // The stored hash is the check: while a new secret is being set, the previous one still holds.
  if (!portal || portal.status === 'uninstalled' || !row?.secret_sha256 || !matches) return undefined;
  return portal;
}
