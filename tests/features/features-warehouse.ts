import type { Kysely } from 'kysely';
import { json } from '../../server/db/json.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import type { Database } from '../../server/db/schema.js';
import { buildFeatures, type ContactFeatures } from '../../server/features/build/build-features.js';

/** Hand-built warehouse rows for feature tests: each helper writes one record and its association. */
export const DAY = 86_400_000;

const STAGE_KINDS: Record<string, 'prospect' | 'customer' | 'former'> = {
  lead: 'prospect',
  opportunity: 'prospect',
  customer: 'customer',
  other: 'former',
};

export class FixtureWarehouse {
  private serial = 0;

  private constructor(
    readonly db: Kysely<Database>,
    readonly portalId: number,
  ) {}

  static async create(db: Kysely<Database>, externalId: string): Promise<FixtureWarehouse> {
    const portal = await upsertInstalledPortal(db, {
      crm: 'hubspot',
      externalId,
      name: externalId,
      domain: null,
    });
    return new FixtureWarehouse(db, portal.id);
  }

  /** Every contact's features as of `asOf`, by contact id, as a run builds them. */
  async featuresAt(asOf: Date): Promise<Map<string, ContactFeatures>> {
    const all = new Map<string, ContactFeatures>();
    for await (const chunk of buildFeatures(this.db, this.portalId, asOf)) {
      for (const row of chunk) all.set(row.contactId, row);
    }
    return all;
  }

  private nextId(prefix: string): string {
    return `${prefix}${String(++this.serial).padStart(6, '0')}`;
  }

  /** Links a record to a contact; each helper below links its record to its own contact. */
  async link(contactId: string, toType: string, toId: string): Promise<void> {
    await this.db
      .insertInto('associations')
      .values({
        portal_id: this.portalId,
        from_type: 'contacts',
        from_id: contactId,
        to_type: toType,
        to_id: toId,
        type_id: null,
      })
      .execute();
  }

  async company(properties: Record<string, string | null>): Promise<string> {
    const id = this.nextId('co');
    await this.db
      .insertInto('companies')
      .values({
        portal_id: this.portalId,
        id,
        properties: json(properties),
        name: null,
        domain: null,
        // The neutral columns, as HubSpot's record mapper fills them from these properties.
        employees: properties.numberofemployees ? Number(properties.numberofemployees) : null,
        industry: properties.industry ?? null,
        country: properties.country ?? null,
        created_at: null,
        updated_at: null,
      })
      .execute();
    return id;
  }

  async contact(
    input: { id?: string; createdAt: Date; stage?: string; companyId?: string; updatedAt?: Date },
    properties: Record<string, string | null> = {},
  ): Promise<string> {
    const id = input.id ?? this.nextId('c');
    await this.db
      .insertInto('contacts')
      .values({
        portal_id: this.portalId,
        id,
        properties: json(properties),
        created_at: input.createdAt,
        updated_at: input.updatedAt ?? input.createdAt,
        email: `${id}@example.com`,
        lifecycle_stage: input.stage ?? 'customer',
        // The neutral columns, as HubSpot's record mapper fills them from these properties.
        stage_kind: STAGE_KINDS[input.stage ?? 'customer'] ?? null,
        customer_since: properties.hs_lifecyclestage_customer_date ?? null,
        former_since: properties.hs_lifecyclestage_other_date ?? null,
        plan: properties.plan ?? null,
        billing_period: properties.billing_period ?? null,
        segment: properties.customer_segment ?? null,
        country: properties.country ?? null,
        owner_id: null,
        company_id: input.companyId ?? null,
      })
      .execute();
    return id;
  }

  async email(
    contactId: string,
    e: {
      sentAt: Date;
      direction?: 'EMAIL' | 'INCOMING_EMAIL';
      openedAt?: Date;
      repliedAt?: Date;
      body?: string;
      sentiment?: number;
      bounced?: boolean;
    },
  ): Promise<string> {
    const id = this.nextId('e');
    await this.db
      .insertInto('emails')
      .values({
        portal_id: this.portalId,
        id,
        created_at: e.sentAt,
        updated_at: e.sentAt,
        direction: e.direction ?? 'EMAIL',
        status: e.bounced ? 'BOUNCED' : 'SENT',
        bounced: e.bounced ?? false,
        subject: 'Hello',
        body: e.body ?? null,
        sent_at: e.sentAt,
        opened_at: e.openedAt ?? null,
        replied_at: e.repliedAt ?? null,
        sentiment: e.sentiment ?? null,
      })
      .execute();
    await this.link(contactId, 'emails', id);
    return id;
  }

  async ticket(
    contactId: string,
    t: { createdAt: Date; closedAt?: Date; priority?: string; content?: string; sentiment?: number },
  ): Promise<string> {
    const id = this.nextId('t');
    await this.db
      .insertInto('tickets')
      .values({
        portal_id: this.portalId,
        id,
        created_at: t.createdAt,
        updated_at: t.closedAt ?? t.createdAt,
        subject: null,
        content: t.content ?? null,
        priority: t.priority ?? 'MEDIUM',
        stage: t.closedAt ? '4' : '1',
        is_closed: t.closedAt !== undefined,
        closed_at: t.closedAt ?? null,
        sentiment: t.sentiment ?? null,
      })
      .execute();
    await this.link(contactId, 'tickets', id);
    return id;
  }

  async deal(
    contactId: string,
    d: { closeAt: Date; createdAt?: Date; amount?: number; won: boolean; renewal?: boolean },
  ): Promise<string> {
    const id = this.nextId('d');
    await this.db
      .insertInto('deals')
      .values({
        portal_id: this.portalId,
        id,
        created_at: d.createdAt ?? new Date(d.closeAt.getTime() - 30 * DAY),
        updated_at: d.closeAt,
        name: 'Deal',
        amount: d.amount ?? 100,
        stage: d.won ? 'closedwon' : 'closedlost',
        deal_type: d.renewal ? 'existingbusiness' : 'newbusiness',
        is_renewal: d.renewal ?? false,
        is_closed_won: d.won,
        is_closed_lost: !d.won,
        close_date: d.closeAt,
      })
      .execute();
    await this.link(contactId, 'deals', id);
    return id;
  }

  async feedback(
    contactId: string,
    f: { at: Date; score: number; comment?: string; sentiment?: number },
  ): Promise<string> {
    const id = this.nextId('f');
    await this.db
      .insertInto('feedback')
      .values({
        portal_id: this.portalId,
        id,
        created_at: f.at,
        updated_at: f.at,
        survey_type: 'NPS',
        score: f.score,
        comment: f.comment ?? null,
        submitted_at: f.at,
        sentiment: f.sentiment ?? null,
      })
      .execute();
    await this.link(contactId, 'feedback_submissions', id);
    return id;
  }

  async usage(
    contactId: string,
    u: { at: Date; type?: 'session' | 'feature_use'; minutes?: number; feature?: string },
  ): Promise<void> {
    await this.db
      .insertInto('usage_events')
      .values({
        portal_id: this.portalId,
        event_id: this.nextId('u'),
        contact_id: contactId,
        contact_email: null,
        type: u.type ?? 'session',
        feature: u.feature ?? null,
        minutes: u.minutes ?? 0,
        occurred_at: u.at,
      })
      .execute();
  }
}
