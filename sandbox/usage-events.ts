/**
 * A portal's product-usage events, kept in columns. A generated portal of a million contacts holds
 * some forty million events: as objects they would take about 240 bytes each, here they take 26
 * (a contact slot, an id serial, a kind, the minutes and the time), and the strings they name
 * (contact id, email, feature) are shared.
 *
 * The log answers with `UsageEvent` objects made on demand, equal to those it was given: event
 * ids of the form `${contactId}-${serial}` are rebuilt from the contact they were first given with,
 * other ids are kept as given.
 */

/** A product-usage event: not a CRM object; the product sends these to the app directly. */
export interface UsageEvent {
  eventId: string;
  contactId: string;
  email: string;
  type: 'session' | 'feature_use';
  feature?: string;
  minutes: number;
  occurredAt: Date;
}

/**
 * An event's type and feature, shared by every event of that kind, and whether the event was
 * given with `feature` before `minutes` (RavenStack's events) rather than last (the generator's):
 * the events made back keep that order of keys, which JSON shows.
 */
interface UsageKind {
  readonly type: UsageEvent['type'];
  readonly feature: string | undefined;
  readonly featureFirst: boolean;
}

const INITIAL_CAPACITY = 1024;
/** Event ids whose serial fits a Uint32 are rebuilt; the few others are stored as given. */
const MAX_SERIAL = 0xffff_ffff;
const HYPHEN = 0x2d;

export class UsageEventLog {
  // The contact slots events belong to: who they are now (a merge moves them to the survivor),
  // and the contact id their event ids were made with, which stays.
  private readonly slotContactIds: string[] = [];
  private readonly slotEmails: string[] = [];
  private readonly slotIdPrefixes: string[] = [];
  /** The slot new events of a contact go to (its own, by its current email), by contact id. */
  private readonly openSlots = new Map<string, number>();

  private readonly kinds: UsageKind[] = [];
  private readonly kindCodes = new Map<string, number>();

  // One entry per event, in the order events were added.
  private count = 0;
  private slots = new Uint32Array(0);
  private serials = new Uint32Array(0);
  private kindOf = new Uint16Array(0);
  private minutes = new Float64Array(0);
  private times = new Float64Array(0);
  /** Ids that are not `${contactId}-${serial}`, by event index; null until one is added. */
  private customIds: (string | undefined)[] | null = null;

  /** How many events the log holds. */
  get size(): number {
    return this.count;
  }

  /** Adds an event at the end. */
  add(event: UsageEvent): void {
    const serial = serialOf(event.eventId, event.contactId);
    const slot = this.openSlot(event.contactId, event.email);
    const kind = this.kindCode(
      event.type,
      event.feature,
      event.feature !== undefined && featureBeforeMinutes(event),
    );
    this.push(slot, serial ?? 0, kind, event.minutes, event.occurredAt.getTime());
    if (serial === undefined) (this.customIds ??= noIds(this.count - 1)).push(event.eventId);
    else this.customIds?.push(undefined);
  }

  /** The event at `index` (0 is the oldest added), made anew. */
  at(index: number): UsageEvent {
    if (!Number.isInteger(index) || index < 0 || index >= this.count)
      throw new RangeError(`no usage event ${index}`);
    return this.build(index);
  }

  /** The events from `start` up to (not including) `end`, as `Array.prototype.slice` picks them. */
  slice(start = 0, end = this.count): UsageEvent[] {
    const from = clampIndex(start, this.count);
    const to = clampIndex(end, this.count);
    const events: UsageEvent[] = [];
    for (let index = from; index < to; index++) events.push(this.build(index));
    return events;
  }

  /** Every event, oldest added first, made as the iteration reaches it. */
  *[Symbol.iterator](): IterableIterator<UsageEvent> {
    for (let index = 0; index < this.count; index++) yield this.build(index);
  }

  /** The events of one contact (those merged into it included), in the order they were added. */
  ofContact(contactId: string): UsageEvent[] {
    const mine = this.slotsWhere((id) => id === contactId);
    const events: UsageEvent[] = [];
    if (mine.size === 0) return events;
    for (let index = 0; index < this.count; index++)
      if (mine.has(this.slots[index]!)) events.push(this.build(index));
    return events;
  }

  /**
   * Moves the events of each contact `survivorOf` names to its survivor (merges), with the email
   * `emailOf` gives for the survivor where it gives one; their ids stay as they were.
   */
  moveContacts(
    survivorOf: ReadonlyMap<string, string>,
    emailOf: (survivorId: string) => string | null | undefined,
  ): void {
    for (let slot = 0; slot < this.slotContactIds.length; slot++) {
      const survivorId = survivorOf.get(this.slotContactIds[slot]!);
      if (survivorId === undefined) continue;
      this.slotContactIds[slot] = survivorId;
      this.slotEmails[slot] = emailOf(survivorId) ?? this.slotEmails[slot]!;
    }
    for (const id of survivorOf.keys()) this.openSlots.delete(id);
  }

  /** Removes every event of these contacts; returns how many went. */
  removeContacts(contactIds: ReadonlySet<string>): number {
    const doomed = this.slotsWhere((id) => contactIds.has(id));
    if (doomed.size === 0) return 0;
    for (const id of contactIds) this.openSlots.delete(id);
    return this.retain((index) => !doomed.has(this.slots[index]!));
  }

  /**
   * Adds to `target` each event whose contact `contactIdOf` names there, under that contact id
   * (event ids and emails unchanged); with `move`, those events leave this log.
   */
  transferTo(
    target: UsageEventLog,
    contactIdOf: (contactId: string) => string | undefined,
    options: { move: boolean },
  ): void {
    const targetSlots = this.slotContactIds.map((contactId, slot) => {
      const id = contactIdOf(contactId);
      return id === undefined ? -1 : target.newSlot(id, this.slotEmails[slot]!, this.slotIdPrefixes[slot]!);
    });
    const targetKinds = this.kinds.map((kind) => target.kindCode(kind.type, kind.feature, kind.featureFirst));
    for (let index = 0; index < this.count; index++) {
      const slot = targetSlots[this.slots[index]!]!;
      if (slot < 0) continue;
      target.push(
        slot,
        this.serials[index]!,
        targetKinds[this.kindOf[index]!]!,
        this.minutes[index]!,
        this.times[index]!,
      );
      const id = this.customIds?.[index];
      if (id !== undefined) (target.customIds ??= noIds(target.count - 1)).push(id);
      else target.customIds?.push(undefined);
    }
    target.trim();
    if (options.move) {
      this.retain((index) => targetSlots[this.slots[index]!]! < 0);
      this.trim();
    }
  }

  /** Gives back the room kept for events yet to come (the generator calls it when done). */
  trim(): void {
    this.resize(this.count);
  }

  /** Empties the log. */
  clear(): void {
    this.slotContactIds.length = this.slotEmails.length = this.slotIdPrefixes.length = 0;
    this.openSlots.clear();
    this.count = 0;
    this.customIds = null;
    this.resize(0);
  }

  private build(index: number): UsageEvent {
    const slot = this.slots[index]!;
    const { type, feature, featureFirst } = this.kinds[this.kindOf[index]!]!;
    const eventId = this.customIds?.[index] ?? `${this.slotIdPrefixes[slot]!}-${this.serials[index]!}`;
    const contactId = this.slotContactIds[slot]!;
    const email = this.slotEmails[slot]!;
    const minutes = this.minutes[index]!;
    const occurredAt = new Date(this.times[index]!);
    if (featureFirst) return { eventId, contactId, email, type, feature, minutes, occurredAt };
    // `feature` last, and only when there is one.
    const event: UsageEvent = { eventId, contactId, email, type, minutes, occurredAt };
    if (feature !== undefined) event.feature = feature;
    return event;
  }

  /** The slot a new event of this contact and email goes to, made when there is none. */
  private openSlot(contactId: string, email: string): number {
    const slot = this.openSlots.get(contactId);
    if (
      slot !== undefined &&
      this.slotContactIds[slot] === contactId &&
      this.slotIdPrefixes[slot] === contactId &&
      this.slotEmails[slot] === email
    )
      return slot;
    const made = this.newSlot(contactId, email, contactId);
    this.openSlots.set(contactId, made);
    return made;
  }

  private newSlot(contactId: string, email: string, idPrefix: string): number {
    this.slotContactIds.push(contactId);
    this.slotEmails.push(email);
    this.slotIdPrefixes.push(idPrefix);
    return this.slotContactIds.length - 1;
  }

  private slotsWhere(matches: (contactId: string) => boolean): Set<number> {
    const found = new Set<number>();
    this.slotContactIds.forEach((id, slot) => {
      if (matches(id)) found.add(slot);
    });
    return found;
  }

  private kindCode(type: UsageEvent['type'], feature: string | undefined, featureFirst: boolean): number {
    const key = feature === undefined ? type : `${type}:${featureFirst ? 'first' : 'last'}:${feature}`;
    let code = this.kindCodes.get(key);
    if (code === undefined) {
      code = this.kinds.length;
      if (code > 0xffff) throw new Error('a usage log holds at most 65,536 kinds of event');
      this.kinds.push({ type, feature, featureFirst });
      this.kindCodes.set(key, code);
    }
    return code;
  }

  private push(slot: number, serial: number, kind: number, minutes: number, time: number): void {
    if (this.count === this.slots.length)
      this.resize(Math.max(INITIAL_CAPACITY, Math.ceil(this.count * 1.5)));
    const index = this.count++;
    this.slots[index] = slot;
    this.serials[index] = serial;
    this.kindOf[index] = kind;
    this.minutes[index] = minutes;
    this.times[index] = time;
  }

  /** Keeps the events `keep` accepts, in order; returns how many went. */
  private retain(keep: (index: number) => boolean): number {
    let kept = 0;
    for (let index = 0; index < this.count; index++) {
      if (!keep(index)) continue;
      this.slots[kept] = this.slots[index]!;
      this.serials[kept] = this.serials[index]!;
      this.kindOf[kept] = this.kindOf[index]!;
      this.minutes[kept] = this.minutes[index]!;
      this.times[kept] = this.times[index]!;
      if (this.customIds) this.customIds[kept] = this.customIds[index];
      kept++;
    }
    const removed = this.count - kept;
    this.count = kept;
    if (this.customIds) this.customIds.length = kept;
    return removed;
  }

  private resize(capacity: number): void {
    const grow = <T extends Uint32Array | Uint16Array | Float64Array>(
      column: T,
      make: (n: number) => T,
    ): T => {
      const next = make(capacity);
      next.set(column.subarray(0, Math.min(this.count, capacity)));
      return next;
    };
    this.slots = grow(this.slots, (n) => new Uint32Array(n));
    this.serials = grow(this.serials, (n) => new Uint32Array(n));
    this.kindOf = grow(this.kindOf, (n) => new Uint16Array(n));
    this.minutes = grow(this.minutes, (n) => new Float64Array(n));
    this.times = grow(this.times, (n) => new Float64Array(n));
  }
}

/** The serial of an event id `${contactId}-${serial}` (a plain decimal), else undefined. */
function serialOf(eventId: string, contactId: string): number | undefined {
  const start = contactId.length + 1;
  const digits = eventId.length - start;
  if (digits < 1 || digits > 10 || eventId.charCodeAt(start - 1) !== HYPHEN || !eventId.startsWith(contactId))
    return undefined;
  // No leading zero (but "0" itself): the id must be the serial written back.
  if (digits > 1 && eventId.charCodeAt(start) === 0x30) return undefined;
  let serial = 0;
  for (let i = start; i < eventId.length; i++) {
    const digit = eventId.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    serial = serial * 10 + digit;
  }
  return serial <= MAX_SERIAL ? serial : undefined;
}

/** Whether `feature` comes before `minutes` among the event's keys. */
function featureBeforeMinutes(event: UsageEvent): boolean {
  for (const key in event) {
    if (key === 'feature') return true;
    if (key === 'minutes') return false;
  }
  return false;
}

/** The custom ids of events added before the first custom one: none (a packed array). */
function noIds(count: number): (string | undefined)[] {
  const ids: (string | undefined)[] = [];
  for (let i = 0; i < count; i++) ids.push(undefined);
  return ids;
}

function clampIndex(index: number, size: number): number {
  const whole = Math.trunc(index) || 0;
  return whole < 0 ? Math.max(0, size + whole) : Math.min(whole, size);
}
