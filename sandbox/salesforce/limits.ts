/**
 * An org's API allowance and the sandbox's count of calls: Salesforce counts every REST call of
 * an org against a daily allowance (`Sforce-Limit-Info: api-usage=N/M`) and refuses calls once it
 * is used up. The day is the UTC day of the sandbox clock, so moving the clock a day starts afresh.
 * Beside it, a count of calls per org by endpoint (`PATCH composite/sobjects`), for tests that
 * check how many calls a job made.
 */

export interface ApiUsage {
  used: number;
  max: number;
}

export type UsageDecision = ApiUsage & { allowed: boolean };

interface DayCount {
  day: string;
  used: number;
}

export class ApiLimits {
  private readonly days = new Map<string, DayCount>();
  private readonly maxOverrides = new Map<string, number>();
  private readonly calls = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => Date) {}

  /** Counts one call of the org if its allowance has room; `defaultMax` is the org's own limit. */
  take(orgId: string, defaultMax: number): UsageDecision {
    const count = this.today(orgId);
    const max = this.maxOverrides.get(orgId) ?? defaultMax;
    if (count.used >= max) return { allowed: false, used: count.used, max };
    count.used += 1;
    return { allowed: true, used: count.used, max };
  }

  usage(orgId: string, defaultMax: number): ApiUsage {
    return { used: this.today(orgId).used, max: this.maxOverrides.get(orgId) ?? defaultMax };
  }

  /** Sets the org's daily allowance (until cleared with `undefined`). */
  setMax(orgId: string, max: number | undefined): void {
    if (max === undefined) this.maxOverrides.delete(orgId);
    else this.maxOverrides.set(orgId, max);
  }

  /** Spends what is left of today's allowance. */
  useUp(orgId: string, defaultMax: number): void {
    const count = this.today(orgId);
    count.used = Math.max(count.used, this.maxOverrides.get(orgId) ?? defaultMax);
  }

  /** Records one call of the org to an endpoint, whatever its outcome. */
  countCall(orgId: string, endpoint: string): void {
    const byEndpoint = this.calls.get(orgId) ?? new Map<string, number>();
    byEndpoint.set(endpoint, (byEndpoint.get(endpoint) ?? 0) + 1);
    this.calls.set(orgId, byEndpoint);
  }

  callsByEndpoint(orgId: string): Record<string, number> {
    return Object.fromEntries([...(this.calls.get(orgId) ?? new Map<string, number>())].sort());
  }

  clearCalls(orgId: string): void {
    this.calls.delete(orgId);
  }

  private today(orgId: string): DayCount {
    const day = this.now().toISOString().slice(0, 10);
    const current = this.days.get(orgId);
    if (current && current.day === day) return current;
    const fresh = { day, used: 0 };
    this.days.set(orgId, fresh);
    return fresh;
  }
}
