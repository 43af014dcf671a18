/**
 * The app's own fields are read with the records they are written on, where the org has them. A
 * query that names a field the org lacks fails whole (`INVALID_FIELD`), and the app's fields can
 * be missing for reasons of the org's own: not made yet, deleted by an admin, hidden from the
 * connected user. So a read names them only once the object's describe lists them; the sync's
 * own fields are named always, since the sync cannot go on without them. The describe is kept per
 * org and object for a few minutes, and forgotten when the app makes its fields.
 */
import { z } from 'zod';
import type { SalesforceRequester } from './requester.js';

const DESCRIBE_KEPT_MS = 10 * 60_000;

const describeSchema = z.object({ fields: z.array(z.object({ name: z.string() })) });

export class ReadableFields {
  private readonly described = new Map<string, { at: number; names: ReadonlySet<string> }>();

  constructor(
    private readonly requester: SalesforceRequester,
    /** The app's own fields, by their Salesforce names. */
    private readonly own: ReadonlySet<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The fields of `properties` a query of `sobject` can name in this org. */
  async of(portalId: number, sobject: string, properties: readonly string[]): Promise<string[]> {
    if (!properties.some((name) => this.own.has(name))) return [...properties];
    const present = await this.fieldsOf(portalId, sobject);
    return properties.filter((name) => !this.own.has(name) || present.has(name));
  }

  /** Forgets what the org's objects held: the app has just made or changed its fields. */
  forget(portalId: number): void {
    for (const key of this.described.keys()) if (key.startsWith(`${portalId}:`)) this.described.delete(key);
  }

  private async fieldsOf(portalId: number, sobject: string): Promise<ReadonlySet<string>> {
    const key = `${portalId}:${sobject}`;
    const kept = this.described.get(key);
    if (kept && this.now() - kept.at < DESCRIBE_KEPT_MS) return kept.names;
    const answer = describeSchema.parse(
      await this.requester.call(portalId, (conn) =>
        conn.request(`/services/data/v${this.requester.apiVersion}/sobjects/${sobject}/describe`),
      ),
    );
    const names = new Set(answer.fields.map((field) => field.name));
    this.described.set(key, { at: this.now(), names });
    return names;
  }
}
