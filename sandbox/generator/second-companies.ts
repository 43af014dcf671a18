/**
 * Contacts linked to two companies, as real portals hold them (a consultant, a group's subsidiary,
 * a former employer nobody unlinked): about 5 % of the contacts who work at a company are also
 * associated with a second one, by HubSpot's unlabeled type (279, 280 from the company). Their
 * first company stays their primary one, now marked as HubSpot marks it (typeId 1 beside 279, and
 * `associatedcompanyid`, set since the contact was created); a contact never has two primary
 * companies. The links are made at the end of the history, so both records count as modified
 * then. Drawn from their own stream, the same draws for every contact in the order written.
 */
import { PRIMARY_COMPANY_TYPE_IDS, type PortalData } from '../store.js';
import type { Random } from './random.js';

/** Share of the contacts with a company who are linked to a second one. */
const SECOND_COMPANY_SHARE = 0.05;

/** Links some contacts with a company to a second one; returns how many. */
export function linkSecondCompanies(portal: PortalData, rng: Random, at: Date): number {
  const companies = [...portal.recordsOf('companies').keys()];
  const position = new Map(companies.map((id, index) => [id, index]));
  const primary = portal
    .associationTypesBetween('contacts', 'companies')
    .filter((type) => type.category === 'HUBSPOT_DEFINED' && type.typeId === PRIMARY_COMPANY_TYPE_IDS[0]);
  let linked = 0;
  for (const contact of [...portal.recordsOf('contacts').values()]) {
    const links = rng.chance(SECOND_COMPANY_SHARE);
    const draw = rng.next();
    const firstId = portal.associationsOf('contacts', contact.id, 'companies')[0]?.toId;
    const first = firstId === undefined ? undefined : position.get(firstId);
    if (!links || first === undefined || companies.length < 2) continue;
    // Any company but the first, each as likely.
    const pick = Math.floor(draw * (companies.length - 1));
    const secondId = companies[pick >= first ? pick + 1 : pick]!;
    portal.addAssociationTypes('contacts', contact.id, 'companies', firstId!, primary, at);
    portal.addAssociationTypes('contacts', contact.id, 'companies', secondId, [], at);
    portal.setHistory('contacts', contact.id, 'associatedcompanyid', [
      { value: firstId!, timestamp: contact.createdAt, sourceType: 'CRM_UI' },
    ]);
    linked++;
  }
  return linked;
}
