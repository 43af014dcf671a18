const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (n: number): string => integer.format(n);
export const formatMoney = (n: number): string => money.format(n);
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

export const TIER_COLORS = { low: '#2f9e44', medium: '#d9a21b', high: '#c92a2a' } as const;

/** An axis tick for a share: whole percents, or tenths when the axis stays under 10 %. */
export const percentTick = (share: number): string =>
  `${(share * 100).toFixed(share !== 0 && share < 0.1 ? 1 : 0)} %`;
