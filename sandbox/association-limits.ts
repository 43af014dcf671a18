/**
 * The limits a portal sets on associations (HubSpot's association "configurations"): for one
 * association type from one object type to another, the most records of the other type one record
 * may hold by that type (`maxToObjectIds`). A limit holds from its `from` side only: 1 on
 * contacts → companies typeId 279 lets each contact hold one company, while a company may still
 * hold any number of contacts unless companies → contacts has a limit of its own. A limit on the
 * pair's unlabeled type bounds every association of the pair, since each one holds that type.
 * Limits apply to associations made after they are set; the ones a portal already holds stay
 * (the API's checks are in http/association-limit-check.ts).
 */
import type { Association, ObjectType } from './store.js';

export interface AssociationLimit {
  category: Association['category'];
  typeId: number;
  maxToObjectIds: number;
}

export class AssociationLimits {
  /** `${fromType}:${toType}` → `${category}:${typeId}` → the limit, in the order they were set. */
  private readonly byPair = new Map<string, Map<string, AssociationLimit>>();

  get(fromType: ObjectType, toType: ObjectType, category: string, typeId: number): number | undefined {
    return this.byPair.get(`${fromType}:${toType}`)?.get(`${category}:${typeId}`)?.maxToObjectIds;
  }

  set(fromType: ObjectType, toType: ObjectType, limit: AssociationLimit): void {
    const pair = `${fromType}:${toType}`;
    const limits = this.byPair.get(pair) ?? new Map<string, AssociationLimit>();
    limits.set(`${limit.category}:${limit.typeId}`, { ...limit });
    this.byPair.set(pair, limits);
  }

  /** Removes a limit; true when there was one. */
  remove(fromType: ObjectType, toType: ObjectType, category: string, typeId: number): boolean {
    return this.byPair.get(`${fromType}:${toType}`)?.delete(`${category}:${typeId}`) ?? false;
  }

  /** The limits set from `fromType` to `toType`. */
  between(fromType: ObjectType, toType: ObjectType): AssociationLimit[] {
    return [...(this.byPair.get(`${fromType}:${toType}`)?.values() ?? [])];
  }

  /** Every limit the portal has set, with its pair of object types. */
  all(): { fromType: ObjectType; toType: ObjectType; limit: AssociationLimit }[] {
    return [...this.byPair].flatMap(([pair, limits]) => {
      const [fromType, toType] = pair.split(':') as [ObjectType, ObjectType];
      return [...limits.values()].map((limit) => ({ fromType, toType, limit }));
    });
  }
}
