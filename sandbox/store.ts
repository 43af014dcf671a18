/**
 * The sandbox CRM's state: portals, their objects, associations, properties and app installs.
 * Everything lives in memory; each portal is isolated, and nothing here is reachable from
 * another portal's token.
 */
import {
  CRM_SOURCE,
  historyOf,
  recordChange,
  recordCreation,
  replaceHistory,
  type PropertyHistoryEntry,
  type RecordHistory,
} from './property-history.js';
import { DEFAULT_SEARCH_INDEX_LAG_MS, SearchIndex, SearchIndexLag } from './search-index.js';
import { defaultPipelines } from './pipelines.js';
import { AssociationLimits } from './association-limits.js';
import { AssociationStore } from './association-store.js';
import { UsageEventLog, type UsageEvent } from './usage-events.js';

export type { UsageEvent } from './usage-events.js';

export const OBJECT_TYPES = [
  'contacts',
  'companies',
  'deals',
  'tickets',
  'emails',
  'feedback_submissions',
  'notes',
  'calls',
] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export function isObjectType(value: string): value is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(value);
}

/** A CRM record as HubSpot keeps it: every property value is a string (or null). */
export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
  archivedAt?: Date;
  /** Only the property histories the record cannot imply (see property-history.ts). */
  history?: RecordHistory;
}

/**
 * A record as a portal keeps it: a `CrmRecord` whose two times are held as epoch milliseconds and
 * read as new Dates (a Date costs about 110 bytes, as much as the rest of a small record's own
 * fields, and a generated portal holds millions of records). JSON shows it as a plain `CrmRecord`.
 */
class StoredRecord implements CrmRecord {
  declare archivedAt?: Date;
  declare history?: RecordHistory;
  #createdMs: number;
  #updatedMs: number;

  constructor(
    public id: string,
    public properties: Record<string, string | null>,
    createdMs: number,
    updatedMs: number,
    public archived = false,
  ) {
    this.#createdMs = createdMs;
    this.#updatedMs = updatedMs;
  }

  get createdAt(): Date {
    return new Date(this.#createdMs);
  }

  set createdAt(at: Date) {
    this.#createdMs = at.getTime();
  }

  get updatedAt(): Date {
    return new Date(this.#updatedMs);
  }

  set updatedAt(at: Date) {
    this.#updatedMs = at.getTime();
  }

  toJSON(): CrmRecord {
    const { id, properties, createdAt, updatedAt, archived, archivedAt, history } = this;
    return {
      id,
      properties,
      createdAt,
      updatedAt,
      archived,
      ...(archivedAt === undefined ? {} : { archivedAt }),
      ...(history === undefined ? {} : { history }),
    };
  }
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined: boolean;
  /** Set by HubSpot (hs_object_id, createdate…): apps may read the value but never write it. */
  readOnlyValue?: boolean;
  options: { label: string; value: string; displayOrder: number; hidden: boolean; description?: string }[];
  createdAt: Date;
  updatedAt: Date;
  /** Set when the property was archived (it then lives in `PortalData.archivedProperties`). */
  archivedAt?: Date;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** What the generator decided about a customer; never served on the CRM's API. */
export interface HiddenTruth {
  contactId: string;
  churned: boolean;
  /** When the customer decided to leave (behaviour changes before the CRM shows it). */
  churnDecidedAt: Date | null;
  /** When the CRM shows the churn (lifecycle stage change or closed-lost renewal). */
  churnVisibleAt: Date | null;
  /** The generator's latent churn propensity in [0, 1] at the end of the simulation. */
  risk: number;
  drivers: Record<string, number>;
  /**
   * The generator's churn process continued for 90 days past the end of the history, recorded
   * nowhere in the CRM: when a customer still undecided at the end would decide to leave within
   * them, else null (also null for one who had decided already). Absent for truths that were not
   * simulated (the RavenStack data).
   */
  forwardDecisionAt?: Date | null;
  /** When the CRM would show that forward decision (14 to 56 days after it), else null. */
  forwardVisibleAt?: Date | null;
  /**
   * Whether the customer leaves in the 90 days after the end of the history: decided already while
   * the CRM does not show it yet, or deciding within those days (`forwardDecisionAt`). The
   * prediction target of an active customer's score.
   */
  churnsWithin90Days?: boolean;
}

/**
 * One type of one association, seen from its `from` record: a pair of records holds one entry per
 * type (a contact's primary company is linked by both the primary type and the unlabeled one).
 */
export interface Association {
  toId: string;
  typeId: number;
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  label: string | null;
}

/** An association type between two object types, with the type HubSpot keeps the other way. */
export interface AssociationTypeDefinition {
  category: Association['category'];
  typeId: number;
  inverseTypeId: number;
  label: string | null;
  /** The v3 name (`contact_to_company_unlabeled`), or the label's internal name. */
  name: string;
}

/** A label a portal defined between two object types (`…/labels`), and its inverse. */
export interface UserAssociationLabel {
  typeId: number;
  inverseTypeId: number;
  name: string;
  label: string;
  inverseLabel: string | null;
}

/** A change to a CRM record, as webhooks and the workflow engine see it. */
export interface RecordChange {
  portalId: number;
  objectType: ObjectType;
  objectId: string;
  kind: 'creation' | 'propertyChange' | 'deletion' | 'restore' | 'merge' | 'privacyDeletion';
  /** For propertyChange: each changed property with its new value. */
  changed: Record<string, string | null>;
  /** For merge: the record kept, and every record folded into it so far. */
  merge?: MergeDetail;
  occurredAt: Date;
  /** Who made the change: 'CRM' for the sandbox itself, or the app's id for API writes. */
  source: string;
}

/** What a merge event tells: HubSpot's `primaryObjectId`, `mergedObjectIds` and `newObjectId`. */
export interface MergeDetail {
  primaryObjectId: string;
  mergedObjectIds: string[];
  newObjectId: string;
}

/** One merge of `mergeMany`: `mergedId` folded into `primaryId` at `at`. */
export interface RecordMerge {
  primaryId: string;
  mergedId: string;
  at: Date;
}

/** The survivor of a merge lists every record folded into it, separated by semicolons. */
export const MERGED_IDS_PROPERTY = 'hs_merged_object_ids';

/** Values a merge never takes from the record folded in: the survivor's own identity and clock. */
const KEPT_BY_SURVIVOR = new Set([
  'hs_object_id',
  'createdate',
  'hs_createdate',
  'lastmodifieddate',
  'hs_lastmodifieddate',
  MERGED_IDS_PROPERTY,
]);

/** What a GDPR deletion of a contact removes with it, when no other contact shares it. */
const CONTACT_CONTENT: readonly ObjectType[] = ['emails', 'tickets', 'feedback_submissions'];

/** `value`, or an equal string the properties hold already (sharing it saves a copy per record). */
function sameString(value: string, properties: Record<string, string | null>): string {
  for (const name in properties) {
    const held = properties[name];
    if (held === value) return held;
  }
  return value;
}

function isBlank(value: string | null | undefined): boolean {
  return value === undefined || value === null || value === '';
}

/** The ids in a semicolon-separated list such as `hs_merged_object_ids`. */
export function splitIds(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(';')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}

export type ChangeListener = (change: RecordChange) => void;

/** A team an owner belongs to, as HubSpot's owners API shows it. */
export interface OwnerTeam {
  id: string;
  name: string;
  primary: boolean;
}

/**
 * A user of a portal as HubSpot's owners API shows them: every user is an owner, whom records are
 * assigned to through `hubspot_owner_id`, and whom the OAuth consent page signs in by `userId`.
 * An archived owner is a deactivated user: records may still name them, nobody signs in as them.
 */
export interface SandboxOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
  teams: OwnerTeam[];
  /** The user's account-wide rights, as HubSpot's users API shows them. */
  superAdmin: boolean;
  roleIds: string[];
}

/** A role of the portal (HubSpot's users API calls it a `PublicPermissionSet`). */
export interface SandboxRole {
  id: string;
  name: string;
  requiresBillingWrite: boolean;
}

/** The roles every portal starts with; a user holds any of them, or none. */
export const DEFAULT_ROLES = {
  sales: { id: '301', name: 'Sales Rep', requiresBillingWrite: true },
  success: { id: '302', name: 'Customer Success Manager', requiresBillingWrite: true },
  viewer: { id: '303', name: 'View only', requiresBillingWrite: false },
} as const satisfies Record<string, SandboxRole>;

/** The portal's admin user, who installs apps and signs in unless the consent page names another. */
export function adminUserId(portalId: number): number {
  return 1000 + (portalId % 1_000_000);
}

/** Owner ids and the other users' ids: numeric, within HubSpot's int32, apart for each portal. */
const OWNER_ID_BASE = 1_000_000_000;
const USER_ID_BASE = 2_000_000;
const IDS_PER_PORTAL = 1000;

export class PortalData {
  readonly objects = new Map<ObjectType, Map<string, CrmRecord>>();
  /** Each record's associations to each object type, in creation order (see association-store.ts). */
  readonly associations = new AssociationStore(OBJECT_TYPES, defaultTypeIdBetween);
  /** Labels the portal defined, by `${fromType}:${toType}` as they were created. */
  readonly associationLabels = new Map<string, UserAssociationLabel[]>();
  private nextLabelTypeId = FIRST_USER_DEFINED_TYPE_ID;
  /** How many records one record may hold by an association type, where the portal set a limit. */
  readonly associationLimits = new AssociationLimits();
  readonly properties = new Map<ObjectType, Map<string, PropertyDefinition>>();
  readonly propertyGroups = new Map<ObjectType, Map<string, PropertyGroup>>();
  /** Archived properties by name: no longer readable or writable, listed with `archived=true`. */
  readonly archivedProperties = new Map<ObjectType, Map<string, PropertyDefinition>>();
  /** The product's usage events of the portal's contacts (see usage-events.ts). */
  readonly usage = new UsageEventLog();
  /**
   * Every usage event, as a new array of new objects: a copy, which changes nothing in the portal
   * and costs as much as the events; `usage` reads them without one.
   */
  get usageEvents(): readonly UsageEvent[] {
    return this.usage.slice();
  }
  readonly truth = new Map<string, HiddenTruth>();
  /** Owners by id, in creation order; the first is the admin user. */
  readonly owners = new Map<string, SandboxOwner>();
  /** Deal and ticket pipelines by object type, then by id (see pipelines.ts). */
  readonly pipelines = defaultPipelines();
  /** Roles by id. */
  readonly roles = new Map<string, SandboxRole>(
    Object.values(DEFAULT_ROLES).map((role) => [role.id, { ...role }]),
  );
  private nextId = 1;
  private nextOwner = 0;
  private readonly changeListeners = new Set<ChangeListener>();
  /** While false (bulk loading by the generator), no change events are emitted. */
  emitChanges = true;
  /** Which version of each record the search API shows (see search-index.ts). */
  readonly searchIndex: SearchIndex;

  /** `indexLag`: the sandbox's search index lag; a portal made alone is searchable at once. */
  constructor(
    readonly portalId: number,
    readonly domain: string,
    createdAt = new Date(),
    indexLag = new SearchIndexLag(() => new Date(), 0),
  ) {
    this.searchIndex = new SearchIndex(indexLag);
    for (const type of OBJECT_TYPES) {
      this.objects.set(type, new Map());
      this.properties.set(type, new Map());
      this.propertyGroups.set(type, new Map());
      this.archivedProperties.set(type, new Map());
    }
    this.addOwner(
      { email: `admin@${domain}`, firstName: 'Portal', lastName: 'Admin', teams: [], superAdmin: true },
      createdAt,
      adminUserId(portalId),
    );
  }

  /** The owner who is the admin user: the one a sign-in without a named user is. */
  get adminOwner(): SandboxOwner {
    return this.owners.values().next().value!;
  }

  /** Adds a user, and so an owner; ids are issued unless `userId` names the user. */
  addOwner(
    person: Pick<SandboxOwner, 'email' | 'firstName' | 'lastName' | 'teams'> &
      Partial<Pick<SandboxOwner, 'archived' | 'superAdmin' | 'roleIds'>>,
    at: Date,
    userId?: number,
  ): SandboxOwner {
    const serial = this.nextOwner++;
    const slot = (this.portalId % 1_000_000) * IDS_PER_PORTAL + serial;
    const owner: SandboxOwner = {
      id: String(OWNER_ID_BASE + slot),
      userId: userId ?? USER_ID_BASE + slot,
      email: person.email,
      firstName: person.firstName,
      lastName: person.lastName,
      teams: person.teams,
      archived: person.archived ?? false,
      superAdmin: person.superAdmin ?? false,
      roleIds: [...(person.roleIds ?? [])],
      createdAt: at,
      updatedAt: at,
    };
    this.owners.set(owner.id, owner);
    return owner;
  }

  /** The live (not archived) owner who is this user, if any. */
  ownerOfUser(userId: number): SandboxOwner | undefined {
    for (const owner of this.owners.values()) if (owner.userId === userId && !owner.archived) return owner;
    return undefined;
  }

  allocateId(): string {
    // HubSpot ids are numeric strings, unique across object types within a portal here.
    return String(this.portalId * 1000 + 100000000 + this.nextId++);
  }

  recordsOf(type: ObjectType): Map<string, CrmRecord> {
    return this.objects.get(type)!;
  }

  createRecord(
    type: ObjectType,
    properties: Record<string, string | null>,
    at: Date,
    id: string = this.allocateId(),
    source = CRM_SOURCE,
  ): CrmRecord {
    const iso = sameString(at.toISOString(), properties);
    const record = new StoredRecord(
      id,
      {
        ...properties,
        hs_object_id: id,
        createdate: properties.createdate ?? iso,
        hs_createdate: properties.hs_createdate ?? properties.createdate ?? iso,
        lastmodifieddate: iso,
        hs_lastmodifieddate: iso,
      },
      new Date(properties.createdate ?? iso).getTime(),
      at.getTime(),
    );
    recordCreation(record, properties, source);
    this.recordsOf(type).set(id, record);
    this.searchIndex.created(type, record, at);
    this.emit(
      {
        objectType: type,
        objectId: id,
        kind: 'creation',
        changed: { ...record.properties },
        occurredAt: at,
      },
      source,
    );
    return record;
  }

  updateRecord(
    type: ObjectType,
    id: string,
    properties: Record<string, string | null>,
    at: Date,
    source = CRM_SOURCE,
  ): CrmRecord {
    const record = this.recordsOf(type).get(id);
    if (!record) throw new Error(`no ${type} ${id} in portal ${this.portalId}`);
    const iso = at.toISOString();
    this.searchIndex.changing(type, record, at);
    const changed: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(properties)) {
      if ((record.properties[name] ?? null) === value) continue;
      changed[name] = value;
      recordChange(record, name, value, at, source);
    }
    Object.assign(record.properties, properties, { lastmodifieddate: iso, hs_lastmodifieddate: iso });
    record.updatedAt = at;
    if (Object.keys(changed).length > 0) {
      this.emit({ objectType: type, objectId: id, kind: 'propertyChange', changed, occurredAt: at }, source);
    }
    return record;
  }

  /**
   * Gives a record's property a past, oldest entry first, for generators that write a record with
   * its final values; throws when the entries do not end with the current value.
   */
  setHistory(type: ObjectType, id: string, property: string, entries: PropertyHistoryEntry[]): void {
    const record = this.recordsOf(type).get(id);
    if (!record) throw new Error(`no ${type} ${id} in portal ${this.portalId}`);
    replaceHistory(record, property, entries);
  }

  archiveRecord(type: ObjectType, id: string, at: Date, source = CRM_SOURCE): void {
    const record = this.recordsOf(type).get(id);
    if (!record || record.archived) return;
    this.searchIndex.changing(type, record, at);
    record.archived = true;
    record.archivedAt = at;
    record.updatedAt = at;
    this.emit({ objectType: type, objectId: id, kind: 'deletion', changed: {}, occurredAt: at }, source);
  }

  /**
   * Merges `mergedId` into `primaryId`, as HubSpot does: the primary's values win and the other's
   * fill the primary's empty ones, both histories are kept, the associations of both end on the
   * primary (a contact keeping its own primary company, the other's company staying as an
   * unlabeled one), which lists the folded ids in `hs_merged_object_ids`; the merged record is gone.
   */
  mergeRecords(
    type: ObjectType,
    primaryId: string,
    mergedId: string,
    at: Date,
    source = CRM_SOURCE,
  ): CrmRecord {
    return this.mergeMany(type, [{ primaryId, mergedId, at }], source)[0]!;
  }

  /**
   * Several merges, each as `mergeRecords` makes it, in the order given; the merged records leave
   * their type's map in one pass (a portal of a million records is not copied once per merge). A
   * record merged away here cannot be a primary of the same call.
   */
  mergeMany(type: ObjectType, merges: readonly RecordMerge[], source = CRM_SOURCE): CrmRecord[] {
    const records = this.recordsOf(type);
    const gone = new Set<string>();
    const folded = merges.map(({ primaryId, mergedId, at }) => {
      const primary = records.get(primaryId);
      const merged = records.get(mergedId);
      if (!primary || !merged || primaryId === mergedId || gone.has(primaryId) || gone.has(mergedId)) {
        throw new Error(`cannot merge ${type} ${mergedId} into ${primaryId} in portal ${this.portalId}`);
      }
      this.joinHistories(primary, merged, at);
      this.moveAssociations(type, mergedId, primaryId);
      gone.add(mergedId);
      return { primary, merged, at };
    });
    this.removeRecords(type, [...gone]);
    return folded.map(({ primary, merged, at }) => {
      const ids = [
        ...new Set([
          ...splitIds(primary.properties[MERGED_IDS_PROPERTY]),
          merged.id,
          ...splitIds(merged.properties[MERGED_IDS_PROPERTY]),
        ]),
      ];
      const filled: Record<string, string | null> = { [MERGED_IDS_PROPERTY]: ids.join(';') };
      for (const [name, value] of Object.entries(merged.properties)) {
        if (!KEPT_BY_SURVIVOR.has(name) && isBlank(primary.properties[name]) && !isBlank(value))
          filled[name] = value;
      }
      const survivor = this.updateRecord(type, primary.id, filled, at, source);
      if (type === 'companies') this.repointPrimaryCompany(merged.id, primary.id, at, source);
      this.emit(
        {
          objectType: type,
          objectId: primary.id,
          kind: 'merge',
          changed: {},
          occurredAt: at,
          merge: { primaryObjectId: primary.id, mergedObjectIds: [merged.id], newObjectId: primary.id },
        },
        source,
      );
      return survivor;
    });
  }

  /**
   * Contacts whose primary company was merged away name the surviving company in
   * `associatedcompanyid`, as their primary association to it already does.
   */
  private repointPrimaryCompany(mergedId: string, survivorId: string, at: Date, source: string): void {
    for (const link of this.associationsOf('companies', survivorId, 'contacts')) {
      const contact = this.recordsOf('contacts').get(link.toId);
      if (contact?.properties.associatedcompanyid === mergedId)
        this.updateRecord('contacts', contact.id, { associatedcompanyid: survivorId }, at, source);
    }
  }

  /**
   * Deletes a record for good (GDPR): gone from every list, archived ones included, with its links.
   * A contact takes its content along: the emails, tickets and feedback that are its alone.
   */
  purgeRecord(type: ObjectType, id: string, at: Date, source = CRM_SOURCE): void {
    this.purgeRecords(type, [id], at, source);
  }

  /**
   * Deletes several records for good, as `purgeRecord` deletes one, each map copied once: content
   * shared only among the contacts deleted together goes with them.
   */
  purgeRecords(type: ObjectType, ids: readonly string[], at: Date, source = CRM_SOURCE): void {
    const targets = new Set(ids.filter((id) => this.recordsOf(type).has(id)));
    if (targets.size === 0) return;
    if (type === 'contacts') {
      for (const contentType of CONTACT_CONTENT) {
        const own = new Set<string>();
        for (const id of targets) {
          for (const link of this.associationsOf(type, id, contentType)) {
            const owners = this.associationsOf(contentType, link.toId, type);
            if (owners.every((back) => targets.has(back.toId))) own.add(link.toId);
          }
        }
        this.purgeRecords(contentType, [...own], at, source);
      }
    }
    for (const id of targets) {
      for (const toType of OBJECT_TYPES) {
        for (const link of this.associationsOf(type, id, toType)) this.unlink(toType, link.toId, type, id);
        this.associations.delete(type, id, toType);
      }
    }
    this.removeRecords(type, [...targets]);
    if (type === 'contacts') {
      for (const id of targets) this.truth.delete(id);
      this.usage.removeContacts(targets);
    }
    for (const id of targets) {
      this.emit(
        { objectType: type, objectId: id, kind: 'privacyDeletion', changed: {}, occurredAt: at },
        source,
      );
    }
  }

  /**
   * Drops records from their type's map. The map is replaced, not changed in place: readers cache
   * the id order of a map by its size, which a removal followed by a creation would keep.
   */
  removeRecords(type: ObjectType, ids: readonly string[]): void {
    const gone = new Set(ids);
    const kept = [...this.recordsOf(type)].filter(([id]) => !gone.has(id));
    this.objects.set(type, new Map(kept));
  }

  /** Every property's past on `primary` becomes the union of both records' pasts, oldest first. */
  private joinHistories(primary: CrmRecord, merged: CrmRecord, at: Date): void {
    const names = new Set([...Object.keys(merged.history ?? {}), ...Object.keys(merged.properties)]);
    for (const name of names) {
      if (KEPT_BY_SURVIVOR.has(name)) continue;
      const entries = [...historyOf(merged, name), ...historyOf(primary, name)]
        .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
        .map(({ value, timestamp, sourceType, sourceId }) => ({
          value,
          at: timestamp.getTime(),
          sourceType,
          ...(sourceId === undefined ? {} : { sourceId }),
        }));
      if (entries.length === 0) continue;
      const current = primary.properties[name];
      // The newest entry is the value the survivor shows: the primary's, where it had one.
      if (!isBlank(current) && entries[entries.length - 1]!.value !== current) {
        entries.push({ value: current!, at: at.getTime(), sourceType: 'CRM_UI' });
      }
      (primary.history ??= {})[name] = entries;
    }
  }

  /**
   * Moves every association of `fromId` to `toId`, each type with its inverse on the other record;
   * links between the two records go. A contact keeps one primary company: when the survivor has
   * one, the merged contact's primary company stays linked by its unlabeled type only.
   */
  private moveAssociations(type: ObjectType, fromId: string, toId: string): void {
    for (const otherType of OBJECT_TYPES) {
      const links = this.associationsOf(type, fromId, otherType);
      const keepsOwnPrimary =
        type === 'contacts' &&
        otherType === 'companies' &&
        this.associationsOf(type, toId, otherType).some((a) => isPrimaryCompanyType(type, otherType, a));
      const moved = (from: ObjectType, to: ObjectType, association: Association) =>
        !(keepsOwnPrimary && isPrimaryCompanyType(from, to, association));
      for (const target of new Set(links.map((link) => link.toId))) {
        const back = this.associationsOf(otherType, target, type).filter((a) => a.toId === fromId);
        this.unlink(otherType, target, type, fromId);
        if (otherType === type && target === toId) continue;
        for (const link of links) {
          if (link.toId === target && moved(type, otherType, link))
            this.associations.add(type, toId, otherType, link);
        }
        for (const entry of back) {
          if (moved(otherType, type, entry))
            this.associations.add(otherType, target, type, { ...entry, toId });
        }
      }
      this.associations.delete(type, fromId, otherType);
    }
  }

  /** Removes the links from one record to another (one direction). */
  private unlink(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.associations.keepOnly(fromType, fromId, toType, (a) => a.toId !== toId);
  }

  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  offChange(listener: ChangeListener): void {
    this.changeListeners.delete(listener);
  }

  private emit(change: Omit<RecordChange, 'portalId' | 'source'>, source = CRM_SOURCE): void {
    if (!this.emitChanges) return;
    for (const listener of this.changeListeners) listener({ ...change, portalId: this.portalId, source });
  }

  /** Links two records by their default (unlabeled) type: `typeIds` is [from → to, to → from]. */
  associate(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    typeIds: [number, number],
  ): void {
    this.associations.add(fromType, fromId, toType, defaultEntry(toId, typeIds[0]));
    this.associations.add(toType, toId, fromType, defaultEntry(fromId, typeIds[1]));
  }

  /** The associations from one record to records of a type, in creation order (a new list). */
  associationsOf(fromType: ObjectType, fromId: string, toType: ObjectType): Association[] {
    return this.associations.list(fromType, fromId, toType);
  }

  /** Every type the portal can link `fromType` to `toType` by: HubSpot's, then its own labels. */
  associationTypesBetween(fromType: ObjectType, toType: ObjectType): AssociationTypeDefinition[] {
    const own = (this.associationLabels.get(`${fromType}:${toType}`) ?? []).map((label) => ({
      category: 'USER_DEFINED' as const,
      typeId: label.typeId,
      inverseTypeId: label.inverseTypeId,
      label: label.label,
      name: label.name,
    }));
    const inverse = (this.associationLabels.get(`${toType}:${fromType}`) ?? []).map((label) => ({
      category: 'USER_DEFINED' as const,
      typeId: label.inverseTypeId,
      inverseTypeId: label.typeId,
      label: label.inverseLabel ?? label.label,
      name: label.name,
    }));
    return [...hubspotDefinedTypes(fromType, toType), ...own, ...inverse];
  }

  /** Defines a label between two object types (and its inverse); returns it with its type ids. */
  defineAssociationLabel(
    fromType: ObjectType,
    toType: ObjectType,
    label: Omit<UserAssociationLabel, 'typeId' | 'inverseTypeId'>,
  ): UserAssociationLabel {
    const typeId = this.nextLabelTypeId++;
    // A label between records of one type is its own inverse unless it names another.
    const inverseTypeId =
      fromType === toType && label.inverseLabel === null ? typeId : this.nextLabelTypeId++;
    const defined = { ...label, typeId, inverseTypeId };
    const key = `${fromType}:${toType}`;
    this.associationLabels.set(key, [...(this.associationLabels.get(key) ?? []), defined]);
    return defined;
  }

  /** The label the portal defined with `typeId` from `fromType` to `toType`, and where it is kept. */
  userLabelOf(fromType: ObjectType, toType: ObjectType, typeId: number): UserAssociationLabel | undefined {
    return (this.associationLabels.get(`${fromType}:${toType}`) ?? []).find((l) => l.typeId === typeId);
  }

  /** Renames a label the portal defined (and its inverse), on the associations that hold it too. */
  relabelAssociationType(
    fromType: ObjectType,
    toType: ObjectType,
    typeId: number,
    label: string,
    inverseLabel: string | null,
  ): void {
    const defined = this.userLabelOf(fromType, toType, typeId);
    if (!defined) return;
    defined.label = label;
    if (inverseLabel !== null) defined.inverseLabel = inverseLabel;
    this.associations.relabel(fromType, toType, defined.typeId, label);
    if (defined.inverseTypeId !== defined.typeId || fromType !== toType)
      this.associations.relabel(toType, fromType, defined.inverseTypeId, defined.inverseLabel ?? label);
  }

  /**
   * Deletes a label the portal defined, with every association of that type (both directions);
   * the records stay linked by their other types.
   */
  removeAssociationLabel(fromType: ObjectType, toType: ObjectType, typeId: number): void {
    const key = `${fromType}:${toType}`;
    const label = this.userLabelOf(fromType, toType, typeId);
    if (!label) return;
    this.associationLabels.set(
      key,
      (this.associationLabels.get(key) ?? []).filter((l) => l.typeId !== typeId),
    );
    const strip = (from: ObjectType, to: ObjectType, id: number) =>
      this.associations.removeWhere(from, to, (a) => a.category === 'USER_DEFINED' && a.typeId === id);
    strip(fromType, toType, label.typeId);
    strip(toType, fromType, label.inverseTypeId);
  }

  /**
   * Adds types to the association of two records (creating it), each with its inverse, as HubSpot
   * does: every association also holds the default type, and a primary company replaces the
   * contact's former primary one, with `associatedcompanyid` following it. Both records count as
   * modified at `at`. `types` must come from `associationTypesBetween(fromType, toType)`.
   */
  addAssociationTypes(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    types: readonly AssociationTypeDefinition[],
    at: Date,
    source = CRM_SOURCE,
  ): void {
    const all = [...hubspotDefinedTypes(fromType, toType).filter((t) => t.label === null), ...types];
    for (const type of all) {
      this.associations.add(fromType, fromId, toType, entryOf(toId, type));
      const back = this.associationTypesBetween(toType, fromType).find(
        (t) => t.category === type.category && t.typeId === type.inverseTypeId,
      );
      if (back) this.associations.add(toType, toId, fromType, entryOf(fromId, back));
    }
    const primary = all.find((type) => isPrimaryCompanyType(fromType, toType, type));
    if (primary) {
      const [contactId, companyId] = fromType === 'contacts' ? [fromId, toId] : [toId, fromId];
      for (const link of this.associationsOf('contacts', contactId, 'companies')) {
        if (link.toId !== companyId && link.typeId === PRIMARY_COMPANY_TYPE_IDS[0]) {
          this.dropTypes('contacts', contactId, 'companies', link.toId, [PRIMARY_COMPANY_TYPE_IDS[0]]);
          this.updateRecord('companies', link.toId, {}, at, source);
        }
      }
      this.updateRecord('contacts', contactId, { associatedcompanyid: companyId }, at, source);
      this.updateRecord('companies', companyId, {}, at, source);
      return;
    }
    this.touchBoth(fromType, fromId, toType, toId, at, source);
  }

  /**
   * Removes types from the association of two records; removing its default type removes the
   * association. A contact whose primary company goes loses its `associatedcompanyid`.
   */
  removeAssociationTypes(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    typeIds: readonly number[] | 'all',
    at: Date,
    source = CRM_SOURCE,
  ): void {
    const held = this.associationsOf(fromType, fromId, toType).filter((a) => a.toId === toId);
    if (held.length === 0) return;
    const defaults = new Set(
      hubspotDefinedTypes(fromType, toType)
        .filter((t) => t.label === null)
        .map((t) => t.typeId),
    );
    const removed =
      typeIds === 'all' || typeIds.some((id) => defaults.has(id)) ? held.map((a) => a.typeId) : [...typeIds];
    const lostPrimary = held.some(
      (a) => removed.includes(a.typeId) && isPrimaryCompanyType(fromType, toType, a),
    );
    this.dropTypes(fromType, fromId, toType, toId, removed);
    if (lostPrimary) {
      const contactId = fromType === 'contacts' ? fromId : toId;
      this.updateRecord('contacts', contactId, { associatedcompanyid: null }, at, source);
      this.updateRecord('companies', fromType === 'contacts' ? toId : fromId, {}, at, source);
      return;
    }
    this.touchBoth(fromType, fromId, toType, toId, at, source);
  }

  /** Removes types from one record's association (the inverse types from the other's). */
  private dropTypes(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    typeIds: readonly number[],
  ): void {
    const forward = this.associationsOf(fromType, fromId, toType);
    const gone = forward.filter((a) => a.toId === toId && typeIds.includes(a.typeId));
    const inverse = new Set(
      gone.map(
        (a) =>
          this.associationTypesBetween(fromType, toType).find(
            (t) => t.category === a.category && t.typeId === a.typeId,
          )?.inverseTypeId,
      ),
    );
    this.associations.keepOnly(
      fromType,
      fromId,
      toType,
      (a) => !(a.toId === toId && typeIds.includes(a.typeId)),
    );
    this.associations.keepOnly(toType, toId, fromType, (a) => !(a.toId === fromId && inverse.has(a.typeId)));
  }

  /** HubSpot's records change when their associations do; the sandbox shows that as a modification. */
  private touchBoth(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    at: Date,
    source: string,
  ): void {
    this.updateRecord(fromType, fromId, {}, at, source);
    this.updateRecord(toType, toId, {}, at, source);
  }
}

function defaultEntry(toId: string, typeId: number): Association {
  return { toId, typeId, category: 'HUBSPOT_DEFINED', label: null };
}

function entryOf(toId: string, type: AssociationTypeDefinition): Association {
  return { toId, typeId: type.typeId, category: type.category, label: type.label };
}

/** The HubSpot-defined unlabeled type from one object type to another, where there is one. */
function defaultTypeIdBetween(fromType: ObjectType, toType: ObjectType): number | undefined {
  return hubspotDefinedTypes(fromType, toType).find((type) => type.label === null)?.typeId;
}

/** Where the ids of labels a portal defines start, past every HubSpot-defined type id. */
const FIRST_USER_DEFINED_TYPE_ID = 10_000;

/** A contact's primary company, and the same link seen from the company (typeIds 1 and 2). */
export const PRIMARY_COMPANY_TYPE_IDS: [number, number] = [1, 2];

function isPrimaryCompanyType(
  fromType: ObjectType,
  toType: ObjectType,
  type: Pick<Association, 'category' | 'typeId'>,
): boolean {
  if (type.category !== 'HUBSPOT_DEFINED') return false;
  if (fromType === 'contacts' && toType === 'companies') return type.typeId === PRIMARY_COMPANY_TYPE_IDS[0];
  return fromType === 'companies' && toType === 'contacts' && type.typeId === PRIMARY_COMPANY_TYPE_IDS[1];
}

/** Each object type's singular name, as HubSpot's association type names and messages use it. */
export const SINGULAR_NAMES: Record<ObjectType, string> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
  tickets: 'ticket',
  emails: 'email',
  feedback_submissions: 'feedback_submission',
  notes: 'note',
  calls: 'call',
};

/**
 * HubSpot's own types from one object type to another: the default (unlabeled) one, and between
 * contacts and companies the primary one, which HubSpot labels "Primary".
 */
export function hubspotDefinedTypes(fromType: ObjectType, toType: ObjectType): AssociationTypeDefinition[] {
  const forward = ASSOCIATION_TYPE_IDS[`${fromType}:${toType}`];
  const backward = ASSOCIATION_TYPE_IDS[`${toType}:${fromType}`];
  const pair = forward ?? (backward ? ([backward[1], backward[0]] as [number, number]) : undefined);
  if (!pair) return [];
  const name = `${SINGULAR_NAMES[fromType]}_to_${SINGULAR_NAMES[toType]}`;
  const companyPair =
    (fromType === 'contacts' && toType === 'companies') ||
    (fromType === 'companies' && toType === 'contacts');
  const unlabeled: AssociationTypeDefinition = {
    category: 'HUBSPOT_DEFINED',
    typeId: pair[0],
    inverseTypeId: pair[1],
    label: null,
    name: companyPair ? `${name}_unlabeled` : name,
  };
  if (!companyPair) return [unlabeled];
  const primary =
    fromType === 'contacts'
      ? PRIMARY_COMPANY_TYPE_IDS
      : ([PRIMARY_COMPANY_TYPE_IDS[1], PRIMARY_COMPANY_TYPE_IDS[0]] as const);
  return [
    { category: 'HUBSPOT_DEFINED', typeId: primary[0], inverseTypeId: primary[1], label: 'Primary', name },
    unlabeled,
  ];
}

/** HubSpot-defined association type ids (from → to, to → from). */
export const ASSOCIATION_TYPE_IDS: Record<string, [number, number]> = {
  'contacts:companies': [279, 280],
  'contacts:deals': [4, 3],
  'contacts:tickets': [15, 16],
  'contacts:emails': [197, 198],
  'contacts:feedback_submissions': [1182, 1183],
  'companies:deals': [342, 341],
  'companies:tickets': [25, 26],
  'contacts:notes': [201, 202],
  'contacts:calls': [193, 194],
  'companies:notes': [189, 190],
  'companies:calls': [181, 182],
  'deals:notes': [213, 214],
  'deals:calls': [205, 206],
  'tickets:notes': [227, 228],
  'tickets:calls': [219, 220],
};

/** An app registered with the sandbox, as a HubSpot developer account would hold it. */
export interface SandboxApp {
  appId: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Where the sandbox POSTs webhook batches for this app's installs, if anywhere. */
  webhookTargetUrl?: string;
}

/** An OAuth token the sandbox issued: opaque, bound to one app, one portal and its scopes. */
export interface OAuthToken {
  token: string;
  use: 'access_token' | 'refresh_token';
  appId: number;
  portalId: number;
  userId: number;
  scopes: string[];
  issuedAt: Date;
  /** Access tokens only: refresh tokens do not expire on their own. */
  expiresAt?: Date;
  revokedAt?: Date;
}

export class SandboxStore {
  readonly portals = new Map<number, PortalData>();
  readonly apps = new Map<number, SandboxApp>();
  /** Installs as `${appId}:${portalId}`; an uninstall removes the entry and revokes its tokens. */
  readonly installs = new Set<string>();
  /** Every token issued, by its opaque value; revoked and expired ones stay for introspection. */
  readonly oauthTokens = new Map<string, OAuthToken>();
  /** The sandbox's clock; tests move it instead of waiting. */
  private clockOffsetMs = 0;
  private readonly anyChangeListeners = new Set<ChangeListener>();
  /** How long the search API takes to show a change, in every portal of this sandbox. */
  readonly searchIndexLag = new SearchIndexLag(() => this.now(), DEFAULT_SEARCH_INDEX_LAG_MS);

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  createPortal(portalId: number, domain = `portal-${portalId}.sandbox.local`): PortalData {
    if (this.portals.has(portalId)) throw new Error(`portal ${portalId} already exists`);
    const portal = new PortalData(portalId, domain, this.now(), this.searchIndexLag);
    this.portals.set(portalId, portal);
    for (const listener of this.anyChangeListeners) portal.onChange(listener);
    return portal;
  }

  /**
   * Listens to changes in every portal, including portals created later, so that webhook
   * delivery and workflows need not know when portals appear. Returns the unsubscribe function.
   */
  onAnyChange(listener: ChangeListener): () => void {
    this.anyChangeListeners.add(listener);
    for (const portal of this.portals.values()) portal.onChange(listener);
    return () => {
      this.anyChangeListeners.delete(listener);
      for (const portal of this.portals.values()) portal.offChange(listener);
    };
  }

  portal(portalId: number): PortalData | undefined {
    return this.portals.get(portalId);
  }

  registerApp(app: SandboxApp): void {
    this.apps.set(app.appId, app);
  }

  appByClientId(clientId: string): SandboxApp | undefined {
    return [...this.apps.values()].find((app) => app.clientId === clientId);
  }

  install(appId: number, portalId: number): void {
    this.installs.add(`${appId}:${portalId}`);
  }

  isInstalled(appId: number, portalId: number): boolean {
    return this.installs.has(`${appId}:${portalId}`);
  }

  /** Removes the install and revokes every token of that app in that portal. */
  uninstall(appId: number, portalId: number): void {
    this.installs.delete(`${appId}:${portalId}`);
    const now = this.now();
    for (const token of this.oauthTokens.values()) {
      if (token.appId === appId && token.portalId === portalId && !token.revokedAt) token.revokedAt = now;
    }
  }

  /**
   * The token behind a bearer value when it may be used now: issued here, an access token, not
   * revoked, not expired, and its app still installed. Anything else gives undefined.
   */
  liveAccessToken(value: string): OAuthToken | undefined {
    const token = this.oauthTokens.get(value);
    if (!token || token.use !== 'access_token' || token.revokedAt) return undefined;
    if (!token.expiresAt || token.expiresAt.getTime() <= this.now().getTime()) return undefined;
    return this.isInstalled(token.appId, token.portalId) ? token : undefined;
  }

  installedApps(portalId: number): SandboxApp[] {
    return [...this.apps.values()].filter((app) => this.installs.has(`${app.appId}:${portalId}`));
  }
}
