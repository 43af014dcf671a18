import { beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { historyOf } from '../../sandbox/property-history.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const CONTACTS = 3000;
const PRIMARY = 1;
const UNLABELED = 279;

describe('contacts with two companies in a generated portal', () => {
  let portal: PortalData;
  let working: string[];
  let twoCompanies: string[];
  const companyIdsOf = (contactId: string) => [
    ...new Set(portal.associationsOf('contacts', contactId, 'companies').map((a) => a.toId)),
  ];
  const typesBetween = (from: 'contacts' | 'companies', fromId: string, to: string, toId: string) =>
    portal
      .associationsOf(from, fromId, to as 'contacts' | 'companies')
      .filter((a) => a.toId === toId)
      .map((a) => a.typeId)
      .sort((a, b) => a - b);

  beforeAll(() => {
    portal = new SandboxStore().createPortal(66);
    generatePortal(portal, { contacts: CONTACTS, seed: 31, now: NOW });
    working = [...portal.recordsOf('contacts').keys()].filter((id) => companyIdsOf(id).length > 0);
    twoCompanies = working.filter((id) => companyIdsOf(id).length === 2);
  });

  it('links about 5 % of the contacts who work at a company to a second one, and none to a third', () => {
    const share = twoCompanies.length / working.length;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.08);
    expect(working.every((id) => companyIdsOf(id).length <= 2)).toBe(true);
  });

  it('keeps the company they work at as the one primary company, the second unlabeled', () => {
    for (const id of twoCompanies) {
      const contact = portal.recordsOf('contacts').get(id)!;
      const [first, second] = companyIdsOf(id);
      // The first company is theirs: its name is the contact's `company`.
      expect(portal.recordsOf('companies').get(first!)!.properties.name).toBe(contact.properties.company);
      expect(typesBetween('contacts', id, 'companies', first!)).toEqual([PRIMARY, UNLABELED]);
      expect(typesBetween('companies', first!, 'contacts', id)).toEqual([2, 280]);
      expect(typesBetween('contacts', id, 'companies', second!)).toEqual([UNLABELED]);
      expect(typesBetween('companies', second!, 'contacts', id)).toEqual([280]);
      expect(contact.properties.associatedcompanyid).toBe(first);
      expect(historyOf(contact, 'associatedcompanyid').map((e) => [e.value, e.timestamp])).toEqual([
        [first, contact.createdAt],
      ]);
    }
    const primaries = working.map(
      (id) => portal.associationsOf('contacts', id, 'companies').filter((a) => a.typeId === PRIMARY).length,
    );
    expect(Math.max(...primaries)).toBe(1);
  });
});
