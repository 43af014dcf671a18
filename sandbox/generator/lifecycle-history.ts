/**
 * A customer's lifecycle as the CRM's property history shows it. Records are written once, with
 * their final values, so the past is given separately: the stage before buying at creation, then
 * `customer` when they bought, then the former-customer stage when the churn showed, each with
 * the `hs_lifecyclestage_*_date` set at the same moment.
 *
 * A generated contact is created when it buys (its createdate is the customer date), so its first
 * two entries share a timestamp; their order tells which came first. A prospect needs nothing
 * here: its one stage, set at creation, is the history the store already implies.
 */
import type { PropertyHistoryEntry } from '../property-history.js';
import type { ObjectType, PortalData } from '../store.js';
import { FORMER_CUSTOMER_STAGE } from './properties.js';

export interface CustomerLifecycle {
  /** The stage the record was created with: lead, opportunity… */
  stageBefore: string;
  customerSince: Date;
  /** When the CRM showed the churn, if it has. */
  leftAt: Date | null;
}

const byCrm = (value: string, timestamp: Date): PropertyHistoryEntry => ({
  value,
  timestamp,
  sourceType: 'CRM_UI',
});

/** Writes the lifecycle stage's history and that of each `hs_lifecyclestage_*_date` the record has. */
export function writeLifecycleHistory(
  portal: PortalData,
  type: ObjectType,
  id: string,
  { stageBefore, customerSince, leftAt }: CustomerLifecycle,
): void {
  const stages = [byCrm(stageBefore, customerSince), byCrm('customer', customerSince)];
  if (leftAt) stages.push(byCrm(FORMER_CUSTOMER_STAGE, leftAt));
  portal.setHistory(type, id, 'lifecyclestage', stages);
  const dated: [string, Date | null][] = [
    ['hs_lifecyclestage_customer_date', customerSince],
    ['hs_lifecyclestage_other_date', leftAt],
  ];
  const properties = portal.recordsOf(type).get(id)!.properties;
  for (const [property, at] of dated) {
    // Companies carry no such dates; where the record has one, setHistory checks it matches.
    if (at && properties[property] != null)
      portal.setHistory(type, id, property, [byCrm(at.toISOString(), at)]);
  }
}
