/**
 * The associations of a portal's records: for each record and object type, the list of
 * associations from that record to records of that type, in the order they were made. The lists
 * themselves come in the order they were first made, as a `Map` keyed by
 * `${fromType}:${fromId}:${toType}` would keep them (a list emptied away and made again comes last).
 *
 * A generated portal of a million contacts holds some forty million associations, nearly all of
 * the default (unlabeled) type between their object types, so the store keeps them small:
 * - a list's key is a number (the record id and both object types) when the record id is a plain
 *   decimal, as HubSpot's ids are, and the string above otherwise;
 * - an association of the default type is stored as the other record's id only (a string every
 *   record shares), any other as an `Association` of its own;
 * - a list of one association is stored as that association, without an array.
 * A JS Map holds at most 2^24 entries, fewer than such a portal's lists: the lists are kept in a
 * chain of Maps, new lists going to the last, which keeps the order of a single Map.
 * Reads answer with `Association` objects made anew, which callers may keep or change freely.
 */
import type { Association, ObjectType } from './store.js';

/** An association in a list: the other record's id when it is of the list's default type. */
type StoredEntry = string | Association;
/** A list: its one entry, or an array of them (empty when a label's removal emptied it). */
type StoredList = StoredEntry | StoredEntry[];
type ListKey = number | string;

/** Object types per key: a numeric key holds the two types' indexes below the record id. */
const TYPE_SLOTS = 8;
const PAIR_SLOTS = TYPE_SLOTS * TYPE_SLOTS;
/** The largest record id a numeric key holds exactly (id × 64 + 63 stays below 2^53). */
const MAX_NUMERIC_ID_DIGITS = 14;
/** Lists grow by a copy of exact size up to this length, by `push` (with spare room) beyond it. */
const COPY_BELOW = 16;
/** Lists per Map of the chain: half of what a Map can hold, so that none ever grows past it. */
const SEGMENT_SIZE = 2 ** 23;

export class AssociationStore {
  /** The lists, oldest first: each Map's lists were made before the next Map's. */
  private segments: Map<ListKey, StoredList>[] = [new Map()];
  private readonly typeIndex = new Map<ObjectType, number>();
  /** The default association type id by type pair (from index × 8 + to index), or -1. */
  private readonly defaults = new Int32Array(PAIR_SLOTS).fill(-1);

  /**
   * `types`: every object type (at most 8); `defaultTypeId`: the HubSpot-defined unlabeled type
   * from one type to another, where there is one; `segmentSize`: lists per Map (tests lower it).
   */
  constructor(
    private readonly types: readonly ObjectType[],
    defaultTypeId: (fromType: ObjectType, toType: ObjectType) => number | undefined,
    private readonly segmentSize = SEGMENT_SIZE,
  ) {
    if (types.length > TYPE_SLOTS) throw new Error(`an association store knows at most ${TYPE_SLOTS} types`);
    types.forEach((type, index) => this.typeIndex.set(type, index));
    for (const from of types)
      for (const to of types) this.defaults[this.pairOf(from, to)] = defaultTypeId(from, to) ?? -1;
  }

  /** How many lists the store holds. */
  get size(): number {
    return this.segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  /** The associations from one record to records of a type, in the order they were made. */
  list(fromType: ObjectType, fromId: string, toType: ObjectType): Association[] {
    const list = this.find(this.keyOf(fromType, fromId, toType));
    return list === undefined ? [] : this.expand(list, this.defaults[this.pairOf(fromType, toType)]!);
  }

  /** Adds an association at the end of its list, unless the list holds it (same record and type). */
  add(fromType: ObjectType, fromId: string, toType: ObjectType, association: Association): void {
    const key = this.keyOf(fromType, fromId, toType);
    const defaultType = this.defaults[this.pairOf(fromType, toType)]!;
    const entry = stored(association, defaultType);
    const segment = this.segmentHolding(key);
    if (segment === undefined) {
      this.newestSegment().set(key, entry);
      return;
    }
    const list = segment.get(key)!;
    const { toId, typeId } = association;
    if (!Array.isArray(list)) {
      if (!holds(list, toId, typeId, defaultType)) segment.set(key, [list, entry]);
    } else if (!list.some((held) => holds(held, toId, typeId, defaultType))) {
      if (list.length === 0) segment.set(key, entry);
      else if (list.length < COPY_BELOW) segment.set(key, list.concat(entry));
      else list.push(entry);
    }
  }

  /** Keeps the associations of one list that `keep` accepts; a list left empty goes. */
  keepOnly(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    keep: (association: Association) => boolean,
  ): void {
    const key = this.keyOf(fromType, fromId, toType);
    const segment = this.segmentHolding(key);
    if (segment === undefined) return;
    const defaultType = this.defaults[this.pairOf(fromType, toType)]!;
    const kept = this.expand(segment.get(key)!, defaultType).filter(keep);
    if (kept.length === 0) segment.delete(key);
    else segment.set(key, packed(kept, defaultType));
  }

  /** Removes one record's list to records of a type. */
  delete(fromType: ObjectType, fromId: string, toType: ObjectType): void {
    const key = this.keyOf(fromType, fromId, toType);
    this.segmentHolding(key)?.delete(key);
  }

  /**
   * Removes the associations `remove` picks from every list of `fromType` records to `toType`
   * records; a list left empty stays, empty.
   */
  removeWhere(fromType: ObjectType, toType: ObjectType, remove: (association: Association) => boolean): void {
    const defaultType = this.defaults[this.pairOf(fromType, toType)]!;
    for (const segment of this.segments) {
      for (const [key, list] of segment) {
        if (!this.isOfPair(key, fromType, toType)) continue;
        const all = this.expand(list, defaultType);
        const kept = all.filter((association) => !remove(association));
        if (kept.length !== all.length) segment.set(key, kept.length === 0 ? [] : packed(kept, defaultType));
      }
    }
  }

  /** Gives a user-defined type a new label on every association from `fromType` to `toType`. */
  relabel(fromType: ObjectType, toType: ObjectType, typeId: number, label: string): void {
    for (const segment of this.segments) {
      for (const [key, list] of segment) {
        if (!this.isOfPair(key, fromType, toType)) continue;
        for (const entry of Array.isArray(list) ? list : [list])
          if (typeof entry !== 'string' && entry.category === 'USER_DEFINED' && entry.typeId === typeId)
            entry.label = label;
      }
    }
  }

  clear(): void {
    this.segments = [new Map()];
  }

  /** Every list with its key `${fromType}:${fromId}:${toType}`, in the order the lists were made. */
  *[Symbol.iterator](): IterableIterator<[string, Association[]]> {
    for (const segment of this.segments) {
      for (const [key, list] of segment) {
        const { fromType, fromId, toType } = this.partsOf(key);
        const defaultType = this.defaults[this.pairOf(fromType, toType)]!;
        yield [`${fromType}:${fromId}:${toType}`, this.expand(list, defaultType)];
      }
    }
  }

  private find(key: ListKey): StoredList | undefined {
    for (let index = this.segments.length - 1; index >= 0; index--) {
      const list = this.segments[index]!.get(key);
      if (list !== undefined) return list;
    }
    return undefined;
  }

  /** The Map of the chain that holds a list, looked for from the newest (most used) on. */
  private segmentHolding(key: ListKey): Map<ListKey, StoredList> | undefined {
    for (let index = this.segments.length - 1; index >= 0; index--)
      if (this.segments[index]!.has(key)) return this.segments[index];
    return undefined;
  }

  /** The Map new lists go to: the last of the chain, or a new one when the last is full. */
  private newestSegment(): Map<ListKey, StoredList> {
    const last = this.segments[this.segments.length - 1]!;
    if (last.size < this.segmentSize) return last;
    const next = new Map<ListKey, StoredList>();
    this.segments.push(next);
    return next;
  }

  private pairOf(fromType: ObjectType, toType: ObjectType): number {
    const from = this.typeIndex.get(fromType);
    const to = this.typeIndex.get(toType);
    if (from === undefined || to === undefined)
      throw new Error(`no associations between ${fromType} and ${toType}`);
    return from * TYPE_SLOTS + to;
  }

  private keyOf(fromType: ObjectType, fromId: string, toType: ObjectType): ListKey {
    const pair = this.pairOf(fromType, toType);
    return isPlainNumber(fromId) ? Number(fromId) * PAIR_SLOTS + pair : `${fromType}:${fromId}:${toType}`;
  }

  private partsOf(key: ListKey): { fromType: ObjectType; fromId: string; toType: ObjectType } {
    if (typeof key === 'number') {
      const pair = key % PAIR_SLOTS;
      return {
        fromType: this.types[Math.floor(pair / TYPE_SLOTS)]!,
        fromId: String((key - pair) / PAIR_SLOTS),
        toType: this.types[pair % TYPE_SLOTS]!,
      };
    }
    return {
      fromType: key.slice(0, key.indexOf(':')) as ObjectType,
      fromId: key.slice(key.indexOf(':') + 1, key.lastIndexOf(':')),
      toType: key.slice(key.lastIndexOf(':') + 1) as ObjectType,
    };
  }

  private isOfPair(key: ListKey, fromType: ObjectType, toType: ObjectType): boolean {
    if (typeof key === 'number') return key % PAIR_SLOTS === this.pairOf(fromType, toType);
    return key.startsWith(`${fromType}:`) && key.endsWith(`:${toType}`);
  }

  private expand(list: StoredList, defaultType: number): Association[] {
    return Array.isArray(list)
      ? list.map((entry) => published(entry, defaultType))
      : [published(list, defaultType)];
  }
}

/** Whether a record id is a plain decimal a numeric key holds exactly ("0", or no leading zero). */
function isPlainNumber(id: string): boolean {
  const length = id.length;
  if (length === 0 || length > MAX_NUMERIC_ID_DIGITS || (length > 1 && id.charCodeAt(0) === 0x30))
    return false;
  for (let i = 0; i < length; i++) {
    const code = id.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

function isDefault(association: Association, defaultType: number): boolean {
  return (
    association.typeId === defaultType &&
    association.category === 'HUBSPOT_DEFINED' &&
    association.label === null
  );
}

function stored(association: Association, defaultType: number): StoredEntry {
  const { toId, typeId, category, label } = association;
  return isDefault(association, defaultType) ? toId : { toId, typeId, category, label };
}

function packed(associations: Association[], defaultType: number): StoredList {
  return associations.length === 1
    ? stored(associations[0]!, defaultType)
    : associations.map((association) => stored(association, defaultType));
}

function published(entry: StoredEntry, defaultType: number): Association {
  if (typeof entry === 'string')
    return { toId: entry, typeId: defaultType, category: 'HUBSPOT_DEFINED', label: null };
  const { toId, typeId, category, label } = entry;
  return { toId, typeId, category, label };
}

function holds(entry: StoredEntry, toId: string, typeId: number, defaultType: number): boolean {
  return typeof entry === 'string'
    ? entry === toId && typeId === defaultType
    : entry.toId === toId && entry.typeId === typeId;
}
