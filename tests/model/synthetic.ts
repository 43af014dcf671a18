import { SeededRandom } from '../../server/model/random.js';
import { datasetFromRecords, type Dataset, type FeatureSpec } from '../../server/model/dataset.js';

/**
 * Customers whose churn follows a known rule: inactivity and support tickets raise the risk, a
 * long tenure and the annual plan lower it, and heavy users on the basic plan leave more (an
 * interaction a linear model cannot see).
 */
export interface SyntheticCustomer extends Record<string, string | number | boolean | null> {
  id: string;
  days_inactive: number;
  tickets: number;
  tenure_months: number | null;
  plan: string;
  newsletter: boolean;
  usage_hours: number;
  churned: number;
}

export const SYNTHETIC_FEATURES: FeatureSpec[] = [
  { name: 'days_inactive', kind: 'numeric', label: 'Days since last login' },
  { name: 'tickets', kind: 'numeric', label: 'Support tickets' },
  { name: 'tenure_months', kind: 'numeric', label: 'Months as a customer' },
  { name: 'plan', kind: 'categorical', label: 'Plan' },
  { name: 'newsletter', kind: 'boolean', label: 'Reads the newsletter' },
  { name: 'usage_hours', kind: 'numeric', label: 'Hours of use per week' },
];

export function syntheticCustomers(count: number, seed: number): SyntheticCustomer[] {
  const random = new SeededRandom(seed);
  const plans = ['basic', 'pro', 'annual'];
  return Array.from({ length: count }, (_, i) => {
    const daysInactive = Math.round(-Math.log(1 - random.next()) * 12);
    const tickets = Math.floor(random.next() * 5);
    const tenure = Math.round(random.next() * 60);
    const plan = plans[random.int(3)]!;
    const newsletter = random.next() < 0.4;
    const usage = Math.round(random.next() * 200) / 10;
    const z =
      -1.2 +
      0.06 * daysInactive +
      0.35 * tickets -
      0.03 * tenure -
      (plan === 'annual' ? 1 : 0) -
      (newsletter ? 0.3 : 0) +
      (plan === 'basic' && usage > 12 ? 1.5 : 0);
    const churned = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    return {
      id: `c${i}`,
      days_inactive: daysInactive,
      tickets,
      tenure_months: random.next() < 0.05 ? null : tenure,
      plan,
      newsletter,
      usage_hours: usage,
      churned,
    };
  });
}

export function syntheticDataset(count: number, seed: number): Dataset {
  return datasetFromRecords(syntheticCustomers(count, seed), {
    features: SYNTHETIC_FEATURES,
    label: 'churned',
    id: 'id',
  });
}

export function toCsv(customers: SyntheticCustomer[], eol = '\n'): string {
  const header = Object.keys(customers[0]!);
  const cell = (v: unknown) => (v === null ? '' : typeof v === 'boolean' ? (v ? 'Yes' : 'No') : String(v));
  return [header.join(','), ...customers.map((c) => header.map((h) => cell(c[h])).join(','))].join(eol) + eol;
}
