const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (n: number): string => integer.format(n);
export const formatMoney = (n: number): string => money.format(n);
/**
 * A churn score (0–100) or a change of one, as every page shows it: one decimal, "12.3", "0.0",
 * "100.0". The API gives scores already rounded to a tenth; this only keeps the tenth in sight.
 */
export const formatScore = (score: number): string => score.toFixed(1);
export const formatPercent = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)} %`;
export const formatDate = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' }) : '—';
/** A calendar day the CRM dates in UTC (a customer's start, the day they left): "22 Nov 2026". */
export const formatDay = (iso: string | null): string =>
  iso
    ? new Date(iso).toLocaleDateString('en-GB', {
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
      })
    : '—';
export const formatNumber = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/**
 * A CRM's internal option value as a person reads it: HubSpot's industries and the like come as
 * codes ("INFORMATION_TECHNOLOGY_AND_SERVICES" reads "Information technology and services"). A
 * value is taken for a code when it has an underscore, or, for a field known to hold codes, when
 * it is a capitalised word ("RETAIL"); anything else ("USA", "Pro") is shown as it is.
 */
export function formatCode(value: string, isCodeField = false): string {
  const code = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(value) || (isCodeField && /^[A-Z][A-Z0-9]+$/.test(value));
  if (!code) return value;
  const words = value.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const TIER_COLORS = { low: '#2f9e44', medium: '#d9a21b', high: '#c92a2a' } as const;

/** An axis tick for a share: whole percents, or tenths when the axis stays under 10 %. */
export const percentTick = (share: number): string =>
  `${(share * 100).toFixed(share !== 0 && share < 0.1 ? 1 : 0)} %`;

const moneyFormats = new Map<string, Intl.NumberFormat>();
/** An amount in its currency, compact ("$1.2M", "€850K") or to the unit ("$1,204,310"). */
export function formatAmount(n: number, currency: string, options: { compact?: boolean } = {}): string {
  const compact = options.compact !== false;
  const key = `${currency}/${compact}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      ...(compact
        ? { notation: 'compact', maximumFractionDigits: 1 }
        : { maximumFractionDigits: 0, minimumFractionDigits: 0 }),
    });
    moneyFormats.set(key, format);
  }
  return format.format(n);
}

/** "US Dollar (USD)". */
export function currencyName(currency: string): string {
  const name = new Intl.DisplayNames('en', { type: 'currency' }).of(currency);
  return name && name !== currency ? `${name} (${currency})` : currency;
}

const dayOf = (isoDay: string) => new Date(`${isoDay.slice(0, 10)}T00:00:00Z`);
/** A week by its Monday, as an axis tick: "30 Nov". */
export const formatWeek = (week: string): string =>
  dayOf(week).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
/** A month (`YYYY-MM`) as an axis tick: "Nov 2026". */
export const formatMonth = (month: string): string =>
  dayOf(`${month}-01`).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** What a period still being counted is: "week in progress: Mon 30 Nov – today". */
export function periodInProgress(unit: 'week' | 'month', start: string): string {
  const first = dayOf(unit === 'month' ? `${start.slice(0, 7)}-01` : start);
  const from = first.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
  return `${unit} in progress: ${from.replace(',', '')} – today`;
}

/** A share in whole percent points, signed: "+12.5 points", "−3.0 points". */
export const formatPoints = (share: number, digits = 1): string =>
  `${share > 0 ? '+' : share < 0 ? '−' : ''}${Math.abs(share * 100).toFixed(digits)} points`;
/** A month (`YYYY-MM`) as a narrow axis tick: "Nov". */
export const formatMonthShort = (month: string): string =>
  dayOf(`${month}-01`).toLocaleDateString('en-GB', { month: 'short', timeZone: 'UTC' });
