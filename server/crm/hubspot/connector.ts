import type {
  BatchUpdateResult,
  CrmConnector,
  CrmObjectType,
  CrmOwner,
  CrmPipeline,
  CrmRecord,
  CrmRole,
  CrmUser,
  ListOptions,
  ModifiedSinceOptions,
  Page,
  PipelineStages,
  PropertyGroupSpec,
  PropertyObjectType,
  PropertySpec,
  TicketSpec,
} from '../connector.js';
import { readAssociations } from './associations.js';
import { completeActionCallback, createTicket } from './automation.js';
import { modifiedSincePage } from './changes.js';
import { BATCH_LIMIT, batchRead, batchUpdate, listPage } from './objects.js';
import { listOwners } from './owners.js';
import { listAllHubSpotPipelines } from './pipelines.js';
import { findHubSpotUser, listHubSpotRoles } from './users.js';
import { ensureHubSpotProperties } from './properties.js';
import type { ChurnRule } from '../../settings/churn-rule.js';
import { WRITTEN_FIELDS, type RecordSpec, type WrittenField } from '../warehouse-records.js';
import { hubspotRecordSpecs } from './records.js';
import type { HubSpotRequester } from './requester.js';

/** The CRM connector on HubSpot's 2026-03 APIs; every call goes through the requester's limits. */
export class HubSpotConnector implements CrmConnector {
  readonly writeBatchSize = BATCH_LIMIT;
  constructor(private readonly requester: HubSpotRequester) {}

  listPage(portalId: number, type: CrmObjectType, options: ListOptions): Promise<Page<CrmRecord>> {
    return listPage(this.requester, portalId, type, options);
  }

  modifiedSincePage(portalId: number, type: CrmObjectType, options: ModifiedSinceOptions) {
    return modifiedSincePage(this.requester, portalId, type, options);
  }

  batchRead(
    portalId: number,
    type: CrmObjectType,
    ids: string[],
    properties: string[],
    options?: { propertiesWithHistory?: string[] },
  ): Promise<CrmRecord[]> {
    return batchRead(this.requester, portalId, type, ids, properties, options);
  }

  batchUpdate(
    portalId: number,
    type: CrmObjectType,
    inputs: { id: string; properties: Record<string, string> }[],
  ): Promise<BatchUpdateResult> {
    return batchUpdate(this.requester, portalId, type, inputs);
  }

  associations(portalId: number, from: CrmObjectType, to: CrmObjectType, fromIds: string[]) {
    return readAssociations(this.requester, portalId, from, to, fromIds);
  }

  owners(portalId: number): Promise<CrmOwner[]> {
    return listOwners(this.requester, portalId);
  }

  findUser(portalId: number, userId: string): Promise<CrmUser | null> {
    return findHubSpotUser(this.requester, portalId, userId);
  }

  listRoles(portalId: number): Promise<CrmRole[]> {
    return listHubSpotRoles(this.requester, portalId);
  }

  pipelines(portalId: number): Promise<CrmPipeline[]> {
    return listAllHubSpotPipelines(this.requester, portalId);
  }

  createTicket(portalId: number, ticket: TicketSpec): Promise<string> {
    return createTicket(this.requester, portalId, ticket);
  }

  completeActionCallback(portalId: number, callbackId: string, outputFields: Record<string, string>) {
    return completeActionCallback(this.requester, portalId, callbackId, outputFields);
  }

  /** HubSpot's properties carry the app's own names (the manifest creates them so). */
  readonly fieldNames: Readonly<Record<WrittenField, string>> = Object.fromEntries(
    WRITTEN_FIELDS.map((field) => [field, field]),
  ) as Record<WrittenField, string>;

  recordSpecs(rule: ChurnRule, stages?: PipelineStages): RecordSpec[] {
    return hubspotRecordSpecs(rule, stages);
  }

  ensureProperties(
    portalId: number,
    objectType: PropertyObjectType,
    group: PropertyGroupSpec,
    properties: PropertySpec[],
  ) {
    return ensureHubSpotProperties(this.requester, portalId, objectType, group, properties);
  }
}
