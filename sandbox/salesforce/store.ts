/**
 * The Salesforce sandbox's state: its orgs, each isolated from the others, and one clock that
 * tests move instead of waiting (as the HubSpot sandbox's `SandboxStore` does).
 */
import { normalizeId, podOf, salesforceId } from './ids.js';
import { SalesforceOrg } from './org.js';

export {
  SalesforceOrg,
  type CustomFieldInfo,
  type CustomFieldMetadata,
  type FieldAccess,
  type SfUser,
  type WriteOptions,
} from './org.js';

export interface CreateOrgOptions {
  name?: string;
  /** API requests a day; 100,000 by default. */
  dailyApiLimit?: number;
  /** Whether the org says it is a sandbox (`Organization.IsSandbox`); production by default. */
  isSandbox?: boolean;
}

export class SalesforceStore {
  /** By 18-character org id (`00D…`). */
  readonly orgs = new Map<string, SalesforceOrg>();
  private clockOffsetMs = 0;
  private created = 0;

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  /** A new org with its admin user; the same sequence of calls gives the same ids. */
  createOrg(options: CreateOrgOptions = {}): SalesforceOrg {
    const serial = ++this.created;
    const orgId = salesforceId('00D', serial);
    const name = options.name ?? `Sandbox Org ${serial}`;
    // Usernames are unique across all orgs, as in Salesforce: a second org of the same name gets
    // its own domain.
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'org';
    const taken = [...this.orgs.values()].some((org) =>
      org.adminUser.Username.endsWith(`@${slug}.example.com`),
    );
    const org = new SalesforceOrg({
      orgId,
      name,
      domain: `${taken ? `${slug}-${serial}` : slug}.example.com`,
      instanceName: `NA${223 + serial}`,
      dailyApiLimit: options.dailyApiLimit ?? 100_000,
      isSandbox: options.isSandbox ?? false,
      pod: podOf(serial),
      now: () => this.now(),
    });
    this.orgs.set(orgId, org);
    return org;
  }

  /** The org by id, 15 or 18 characters. */
  org(orgId: string): SalesforceOrg | undefined {
    const canonical = normalizeId(orgId);
    return canonical ? this.orgs.get(canonical) : undefined;
  }
}
