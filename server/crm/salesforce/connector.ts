import { z } from 'zod';
import { setSalesforceOrgSecret, type OrgSecretOutcome } from './org-credential.js';
import type {
  BatchUpdateResult,
  ChangedPage,
  CrmConnector,
  CrmObjectType,
  CrmOwner,
  CrmRecord,
  CrmUser,
  EnsurePropertiesReport,
  ListOptions,
  ModifiedSinceOptions,
  Page,
  PropertyGroupSpec,
  PropertyObjectType,
  PropertySpec,
  TicketSpec,
} from '../connector.js';
import { CrmRequestError } from '../errors.js';
import type { ChurnRule } from '../../settings/churn-rule.js';
import { WRITTEN_FIELDS, type RecordSpec, type WrittenField } from '../warehouse-records.js';
import { BULK_THRESHOLD } from './bulk-export.js';
import { CASE_KEY_FIELD, CASE_OBJECT, ensureCaseKeyField } from './case-key.js';
import { customFieldName, ensureSalesforceFields, FIELDS_OBJECTS } from './fields.js';
import { associations, batchRead, batchUpdate, listPage, modifiedSincePage, WRITE_BATCH } from './objects.js';
import { listSalesforceOwners } from './owners.js';
import { findSalesforceUser } from './users.js';
import { ReadableFields } from './readable-fields.js';
import { SALESFORCE_OBJECTS, salesforceRecordSpecs } from './records.js';
import type { SalesforceRequester } from './requester.js';
import { stringLiteral } from './soql.js';

const createdSchema = z.object({ id: z.string().optional(), success: z.boolean() });
const foundSchema = z.object({ records: z.array(z.object({ Id: z.string() }).passthrough()) });

/** Salesforce's case priorities for the app's ticket priorities. */
const CASE_PRIORITY: Record<TicketSpec['priority'], string> = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' };

/** The CRM connector on Salesforce's REST API through jsforce; every call goes through the requester. */
export class SalesforceConnector implements CrmConnector {
  readonly writeBatchSize = WRITE_BATCH;
  readonly fieldNames: Readonly<Record<WrittenField, string>> = Object.fromEntries(
    WRITTEN_FIELDS.map((name) => [name, customFieldName(name)]),
  ) as Record<WrittenField, string>;
  /** Orgs whose case key field this process has seen in place (see case-key.ts). */
  private readonly caseKeyReady = new Set<number>();

  constructor(
    readonly requester: SalesforceRequester,
    /** Records in an object above which a full read goes through Bulk API 2.0. */
    private readonly bulkThreshold = BULK_THRESHOLD,
  ) {
    this.readable = new ReadableFields(requester, new Set(Object.values(this.fieldNames)));
  }

  /** Which of the app's own fields a read can name (./readable-fields.ts). */
  private readonly readable: ReadableFields;

  private readableOf(portalId: number, type: CrmObjectType, properties: string[]): Promise<string[]> {
    return this.readable.of(portalId, SALESFORCE_OBJECTS[type].sobject, properties);
  }

  async listPage(portalId: number, type: CrmObjectType, options: ListOptions): Promise<Page<CrmRecord>> {
    const properties = await this.readableOf(portalId, type, options.properties);
    return listPage(this.requester, portalId, type, { ...options, properties }, this.bulkThreshold);
  }

  async modifiedSincePage(
    portalId: number,
    type: CrmObjectType,
    options: ModifiedSinceOptions,
  ): Promise<ChangedPage> {
    const properties = await this.readableOf(portalId, type, options.properties);
    return modifiedSincePage(this.requester, portalId, type, { ...options, properties });
  }

  async batchRead(
    portalId: number,
    type: CrmObjectType,
    ids: string[],
    properties: string[],
    options?: { propertiesWithHistory?: string[] },
  ): Promise<CrmRecord[]> {
    const readable = await this.readableOf(portalId, type, properties);
    return batchRead(this.requester, portalId, type, ids, readable, options);
  }

  batchUpdate(
    portalId: number,
    type: CrmObjectType,
    inputs: { id: string; properties: Record<string, string> }[],
  ): Promise<BatchUpdateResult> {
    return batchUpdate(this.requester, portalId, type, inputs);
  }

  associations(
    portalId: number,
    from: CrmObjectType,
    to: CrmObjectType,
    fromIds: string[],
  ): Promise<Map<string, string[]>> {
    return associations(this.requester, portalId, from, to, fromIds);
  }

  /** Records' owners are the org's users, active or not (`SELECT Id, Name, Email, IsActive FROM User`). */
  owners(portalId: number): Promise<CrmOwner[]> {
    return listSalesforceOwners(this.requester, portalId);
  }

  /** An active user of the org, with whether the org grants them the plays (see users.ts). */
  findUser(portalId: number, userId: string): Promise<CrmUser | null> {
    return findSalesforceUser(this.requester, portalId, userId);
  }

  /**
   * Opens the action's case on the contact, with its key in a unique field: sent again (a retry
   * after a lost answer, a job run twice), Salesforce refuses the key as taken and the case the
   * first one opened is found by it and left as it is now, its owner, priority and status as
   * whoever works it set them.
   */
  async createTicket(portalId: number, ticket: TicketSpec): Promise<string> {
    if (!this.caseKeyReady.has(portalId)) {
      await ensureCaseKeyField(this.requester, portalId);
      this.caseKeyReady.add(portalId);
    }
    let answer: z.infer<typeof createdSchema>;
    try {
      answer = createdSchema.parse(
        await this.requester.call(portalId, (conn) =>
          conn.sobject(CASE_OBJECT).create({
            [CASE_KEY_FIELD]: ticket.idempotencyKey,
            Subject: ticket.subject,
            Description: ticket.content,
            Priority: CASE_PRIORITY[ticket.priority],
            Origin: 'Web',
            ContactId: ticket.contactId,
            ...(ticket.ownerId ? { OwnerId: ticket.ownerId } : {}),
          }),
        ),
      );
    } catch (error) {
      if (error instanceof CrmRequestError && error.category === 'DUPLICATE_VALUE')
        return this.caseIdByKey(portalId, ticket.idempotencyKey);
      // The key field may have been changed since: the next try makes sure of it again.
      if (error instanceof CrmRequestError) this.caseKeyReady.delete(portalId);
      throw error;
    }
    if (!answer.success || !answer.id) throw new CrmRequestError(400, 'Salesforce did not open the case.');
    return answer.id;
  }

  /** The case an earlier try of the action opened, found by its key. */
  private async caseIdByKey(portalId: number, key: string): Promise<string> {
    const soql = `SELECT Id FROM ${CASE_OBJECT} WHERE ${CASE_KEY_FIELD} = ${stringLiteral(key)} LIMIT 1`;
    const found = foundSchema.parse(
      await this.requester.call(portalId, (conn) =>
        conn.request(`/services/data/v${this.requester.apiVersion}/query?q=${encodeURIComponent(soql)}`),
      ),
    );
    const id = found.records[0]?.Id;
    if (!id) throw new CrmRequestError(400, 'Salesforce did not open the case.');
    return id;
  }

  /** HubSpot's workflow callbacks have no Salesforce counterpart: Flow actions answer in-line. */
  async completeActionCallback(): Promise<void> {
    throw new CrmRequestError(
      400,
      'Salesforce Flow actions complete in-line; there is no callback to complete.',
    );
  }

  /** The org's External Credential holds the secret its package's Apex calls this server with. */
  setOrgSecret(portalId: number, secret: string): Promise<OrgSecretOutcome> {
    return setSalesforceOrgSecret(this.requester, portalId, secret);
  }

  recordSpecs(rule: ChurnRule): RecordSpec[] {
    return salesforceRecordSpecs(rule);
  }

  /** Salesforce has no property groups; the fields are made, granted and checked (Contact, Account). */
  ensureProperties(
    portalId: number,
    objectType: PropertyObjectType,
    _group: PropertyGroupSpec,
    properties: PropertySpec[],
  ): Promise<EnsurePropertiesReport> {
    return ensureSalesforceFields(
      this.requester,
      portalId,
      FIELDS_OBJECTS[objectType],
      properties.map((spec) => ({ spec, field: customFieldName(spec.name) })),
    ).finally(() => this.readable.forget(portalId));
  }
}
