import { describe, it, expect } from '@jest/globals';
import { AssociationStore } from '../../sandbox/association-store.js';
import { seededRandom } from '../../sandbox/seeded-chance.js';
import { hubspotDefinedTypes, OBJECT_TYPES, type Association, type ObjectType } from '../../sandbox/store.js';

const defaultTypeId = (from: ObjectType, to: ObjectType) =>
  hubspotDefinedTypes(from, to).find((type) => type.label === null)?.typeId;

/** The associations as a single Map of lists of objects keeps them: what the store must answer. */
class ReferenceStore {
  readonly lists = new Map<string, Association[]>();

  add(from: ObjectType, fromId: string, to: ObjectType, association: Association): void {
    const key = `${from}:${fromId}:${to}`;
    const list = this.lists.get(key);
    if (!list) this.lists.set(key, [{ ...association }]);
    else if (!list.some((a) => a.toId === association.toId && a.typeId === association.typeId))
      list.push({ ...association });
  }

  keepOnly(from: ObjectType, fromId: string, to: ObjectType, keep: (a: Association) => boolean): void {
    const key = `${from}:${fromId}:${to}`;
    const kept = (this.lists.get(key) ?? []).filter(keep);
    if (kept.length > 0) this.lists.set(key, kept);
    else this.lists.delete(key);
  }

  removeWhere(from: ObjectType, to: ObjectType, remove: (a: Association) => boolean): void {
    for (const [key, list] of this.lists) {
      if (!key.startsWith(`${from}:`) || !key.endsWith(`:${to}`)) continue;
      const kept = list.filter((a) => !remove(a));
      if (kept.length !== list.length) this.lists.set(key, kept);
    }
  }

  relabel(from: ObjectType, to: ObjectType, typeId: number, label: string): void {
    for (const [key, list] of this.lists) {
      if (!key.startsWith(`${from}:`) || !key.endsWith(`:${to}`)) continue;
      for (const a of list) if (a.category === 'USER_DEFINED' && a.typeId === typeId) a.label = label;
    }
  }
}

describe('the association store', () => {
  it('answers as a single Map of lists would, in the same order, across many Maps', () => {
    const random = seededRandom(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const store = new AssociationStore(OBJECT_TYPES, defaultTypeId, 16);
    const reference = new ReferenceStore();
    // Plain ids, and ids a numeric key cannot hold (leading zero, letters, too many digits).
    const ids = ['0', '7', '100000001', '100000002', '100000003', '0123', 'abc', '123456789012345'];
    const types: ObjectType[] = ['contacts', 'companies', 'deals', 'emails'];
    const associationOf = (from: ObjectType, to: ObjectType): Association => {
      const roll = random();
      const toId = pick(ids);
      if (roll < 0.6)
        return { toId, typeId: defaultTypeId(from, to) ?? 1, category: 'HUBSPOT_DEFINED', label: null };
      if (roll < 0.8) return { toId, typeId: 1, category: 'HUBSPOT_DEFINED', label: 'Primary' };
      return { toId, typeId: 10_000 + Math.floor(random() * 3), category: 'USER_DEFINED', label: 'Billing' };
    };
    for (let step = 0; step < 3000; step++) {
      const [from, to, fromId] = [pick(types), pick(types), pick(ids)];
      const roll = random();
      if (roll < 0.6) {
        const association = associationOf(from, to);
        store.add(from, fromId, to, association);
        reference.add(from, fromId, to, association);
      } else if (roll < 0.8) {
        const gone = pick(ids);
        store.keepOnly(from, fromId, to, (a) => a.toId !== gone);
        reference.keepOnly(from, fromId, to, (a) => a.toId !== gone);
      } else if (roll < 0.9) {
        const typeId = 10_000 + Math.floor(random() * 3);
        store.removeWhere(from, to, (a) => a.category === 'USER_DEFINED' && a.typeId === typeId);
        reference.removeWhere(from, to, (a) => a.category === 'USER_DEFINED' && a.typeId === typeId);
      } else {
        store.relabel(from, to, 10_001, `Label ${step}`);
        reference.relabel(from, to, 10_001, `Label ${step}`);
      }
      expect(store.list(from, fromId, to)).toEqual(reference.lists.get(`${from}:${fromId}:${to}`) ?? []);
      if (step % 100 === 0) expect(JSON.stringify([...store])).toBe(JSON.stringify([...reference.lists]));
    }
    expect(JSON.stringify([...store])).toBe(JSON.stringify([...reference.lists]));
    expect(store.size).toBe(reference.lists.size);
    expect(store.size).toBeGreaterThan(16);
  });

  it('answers with new objects, which change nothing it holds', () => {
    const store = new AssociationStore(OBJECT_TYPES, defaultTypeId);
    store.add('contacts', '1', 'companies', {
      toId: '2',
      typeId: 279,
      category: 'HUBSPOT_DEFINED',
      label: null,
    });
    const [link] = store.list('contacts', '1', 'companies');
    link!.toId = '3';
    expect(store.list('contacts', '1', 'companies')).toEqual([
      { toId: '2', typeId: 279, category: 'HUBSPOT_DEFINED', label: null },
    ]);
  });
});
