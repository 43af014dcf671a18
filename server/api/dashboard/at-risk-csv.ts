import { csvLine } from '../../csv-cell.js';
import type { AtRiskRow, ListedReason } from './at-risk.js';
import { TOP_REASONS } from './at-risk.js';
import { ownerLabel } from './owner-label.js';

/**
 * The at-risk list as a spreadsheet: a header row, then a line per contact with its owner's name
 * (marked "(left)" for an owner who left the CRM), the change since last week, the renewal and the
 * value at risk, and each of the three reasons the list shows, in words and with the customer's
 * value.
 */
const CSV_COLUMNS = [
  'contact_id',
  'name',
  'email',
  'company',
  'owner',
  'tier',
  'score',
  'change',
  'renewal_date',
  'value_at_risk',
  ...Array.from({ length: TOP_REASONS }, (_, i) => [`reason_${i + 1}`, `reason_${i + 1}_value`]).flat(),
  'recommended_action',
  'crm_url',
] as const;

/** A reason's value as the customer has it: numbers to two decimals at most. */
function reasonValue(reason: ListedReason | undefined): string | number | null {
  if (!reason || reason.value === null) return null;
  return typeof reason.value === 'number' ? Number(reason.value.toFixed(2)) : reason.value;
}

export function atRiskCsv(rows: AtRiskRow[], crmUrl: (contactId: string) => string): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const reasons = Array.from({ length: TOP_REASONS }, (_, i) => r.reasons[i]).flatMap((reason) => [
      reason?.text ?? null,
      reasonValue(reason),
    ]);
    lines.push(
      csvLine([
        r.contactId,
        r.name,
        r.email,
        r.company,
        r.owner ? ownerLabel(r.owner) : null,
        r.tier,
        r.score,
        r.change,
        r.renewalAt?.slice(0, 10),
        r.value,
        ...reasons,
        r.recommendation.title,
        crmUrl(r.contactId),
      ]),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
