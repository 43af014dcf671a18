/**
 * What the Salesforce package in an org and this server agree on: the Named Credential its Apex
 * calls out through, the External Credential and principal whose secret this server sets after
 * install, the headers the Apex adds, and the paths it calls. The package generator writes these
 * into the org's metadata and Apex; the inbound routes read them back.
 */

import { SALESFORCE_PLAYS_PERMISSIONS } from '../plays-permissions.js';

/** `callout:Churn_Radar/...` in the org's Apex. */
export const NAMED_CREDENTIAL = 'Churn_Radar';
export const EXTERNAL_CREDENTIAL = 'Churn_Radar';
/** The one named principal the whole org calls as. */
export const ORG_PRINCIPAL = 'Churn_Radar_Org';
/** The principal's credential parameter holding the per-org secret. */
export const SECRET_PARAMETER = 'Secret';

/** Added by the External Credential from the stored secret; never by code in the org. */
export const SECRET_HEADER = 'X-Churn-Radar-Secret';
/** Added by the Apex: `UserInfo.getOrganizationId()`, checked against the secret's org. */
export const ORG_HEADER = 'X-Churn-Radar-Org';
/** Added by the Apex: the user on whose behalf the org calls (recorded with plays and feedback). */
export const USER_HEADER = 'X-Churn-Radar-User';

/** Where the org's Apex calls this server. */
export const ORG_API_PATH = '/api/v1/salesforce';

/** The custom permission that lets a user start plays from the record page. */
export const RUN_PLAYS_PERMISSION = SALESFORCE_PLAYS_PERMISSIONS.customPermission;
/** The package's permission set that grants it (and the Flow actions' Apex). */
export const PLAYS_PERMISSION_SET = SALESFORCE_PLAYS_PERMISSIONS.permissionSet;

/** Records one Flow action callout carries; Flow hands an action up to 200 interviews at once. */
export const ORG_ACTION_BATCH = 200;

const ID_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * A Salesforce id in its 18-character, case-safe form: Apex and the identity service give the
 * org id as 18 characters, but a user may paste the 15-character one.
 */
export function caseSafeId(id: string): string {
  if (id.length !== 15) return id;
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id[block * 5 + i]!;
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += ID_SUFFIX_ALPHABET[bits];
  }
  return id + suffix;
}

/** An org id (`00D…`) as Salesforce writes it, 15 or 18 characters. */
export const ORG_ID_PATTERN = /^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;
