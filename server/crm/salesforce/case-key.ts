/**
 * The Case field holding the key of the retention action that opened the case: an External ID
 * with unique values, so a create sent again (a retry after a lost answer, a job run twice) is
 * refused and finds, by the key, the case the first one opened. The package creates it
 * (`objects/Case/fields/`); in an org whose package predates it, the connector creates it through
 * the Tooling API as it does the written fields, grants it to the connected user by the app's
 * permission set, and checks it with describe, before the org's first case.
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import { CrmRequestError } from '../errors.js';
import { grantFields } from './fields.js';
import type { SalesforceRequester } from './requester.js';
import { stringLiteral } from './soql.js';

export const CASE_OBJECT = 'Case';
export const CASE_KEY_FIELD = 'Churn_Radar_Action_Key__c';

/** The field as the Tooling API's `CustomField.Metadata`, and as the package declares it. */
export const CASE_KEY_METADATA = {
  label: 'Churn Radar action key',
  description:
    'The Churn Radar retention action that opened this case. Unique, so one action never opens two cases. Written by Churn Radar.',
  type: 'Text',
  length: 80,
  externalId: true,
  unique: true,
  caseSensitive: false,
} as const;

const rowsSchema = z.object({ records: z.array(z.object({ Id: z.string() }).passthrough()) });
const createdSchema = z.object({ id: z.string(), success: z.boolean() });
const describeSchema = z.object({
  fields: z.array(
    z
      .object({
        name: z.string(),
        externalId: z.boolean().optional(),
        createable: z.boolean().optional(),
        updateable: z.boolean().optional(),
      })
      .passthrough(),
  ),
});

/** Makes sure the connected user can write and find cases by the key field; throws what is wrong. */
export async function ensureCaseKeyField(requester: SalesforceRequester, portalId: number): Promise<void> {
  const call = <T>(fn: (conn: Connection) => Promise<T>) => requester.call(portalId, fn);
  const version = `/services/data/v${requester.apiVersion}`;
  const developerName = CASE_KEY_FIELD.replace(/__c$/, '');
  const existing = rowsSchema.parse(
    await call((conn) =>
      conn.request({
        method: 'GET',
        url: `${version}/tooling/query?q=${encodeURIComponent(
          `SELECT Id FROM CustomField WHERE TableEnumOrId = ${stringLiteral(CASE_OBJECT)} AND DeveloperName = ${stringLiteral(developerName)}`,
        )}`,
      }),
    ),
  ).records;
  if (existing.length === 0) {
    const answer = createdSchema.parse(
      await call((conn) =>
        conn.request({
          method: 'POST',
          url: `${version}/tooling/sobjects/CustomField`,
          body: JSON.stringify({ FullName: `${CASE_OBJECT}.${CASE_KEY_FIELD}`, Metadata: CASE_KEY_METADATA }),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    if (!answer.success)
      throw new CrmRequestError(400, `Salesforce did not create ${CASE_OBJECT}.${CASE_KEY_FIELD}.`);
  }
  await grantFields(requester, portalId, CASE_OBJECT, [CASE_KEY_FIELD]);

  const described = describeSchema.parse(
    await call((conn) => conn.request(`${version}/sobjects/${CASE_OBJECT}/describe`)),
  );
  const found = described.fields.find((field) => field.name === CASE_KEY_FIELD);
  if (!found?.externalId || !found.createable || !found.updateable) {
    throw new CrmRequestError(
      409,
      found
        ? `${CASE_OBJECT}.${CASE_KEY_FIELD} is not a writable External ID, so cases cannot be opened once per action; make it an External ID with unique values.`
        : `${CASE_OBJECT}.${CASE_KEY_FIELD} is still not visible to the connected user after the grant.`,
    );
  }
}
