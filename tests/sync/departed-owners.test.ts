/**
 * Owners who left, as a generated portal holds them: HubSpot archives a rep who leaves, and the
 * records nobody reassigned keep naming them. The sync keeps every owner by name, those who left
 * marked inactive, and the product shows them as left: on the contact view, in the at-risk list,
 * whose owner filter finds the customers nobody looks after. Against the sandbox over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { PortalData, SandboxOwner } from '../../sandbox/store.js';
import { atRiskQuerySchema, listAtRisk, listAtRiskOwners } from '../../server/api/dashboard/at-risk.js';
import { loadContactDetail } from '../../server/api/dashboard/contact-detail.js';
import { json } from '../../server/db/json.js';
import { syncOwners } from '../../server/sync/owners.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { installedPortal, type InstalledPortal } from '../support/installed-portal.js';
import type { TestProduct } from '../support/product-server.js';

const HUB = 614;
const NOW = new Date('2026-11-01T00:00:00Z');

let portal: InstalledPortal;
let product: TestProduct;
let crm: PortalData;
let portalId: number;
let departed: SandboxOwner[];

const db = () => product.ctx.db.db;
const nameOf = (owner: SandboxOwner) => `${owner.firstName} ${owner.lastName}`;

beforeAll(async () => {
  portal = await installedPortal({ hub: HUB, contacts: 300, seed: 43, now: NOW });
  ({ product, crm, portalId } = portal);
  const deps = { db: db(), connector: product.ctx.services.crms.connectorFor('hubspot') };
  await syncPortal(deps, portalId, 'full');
  await syncOwners(deps, portalId);
  departed = [...crm.owners.values()].filter((o) => o.archived && o.updatedAt < NOW);
}, 300_000);

afterAll(async () => {
  await portal?.close();
});

/** Every contact scored high, as a run would leave them: the at-risk list reads current scores. */
async function scoreEveryContact(): Promise<void> {
  const model = await db()
    .insertInto('models')
    .values({
      portal_id: portalId,
      version: 1,
      family: 'gbdt',
      status: 'active',
      feature_spec: json([]),
      metrics: json({}),
      activated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
    select portal_id, id, ${model.id}, 0.8, 'high', '[]'::jsonb, now() from contacts
    where portal_id = ${portalId}`.execute(db());
}

describe('owners who left, at sync', () => {
  it('keeps every owner by name, those who left marked inactive and signed in as by nobody', async () => {
    expect(departed.length).toBeGreaterThan(0);
    const stored = await db()
      .selectFrom('owners')
      .select(['id', 'name', 'email', 'user_id', 'active'])
      .where('portal_id', '=', portalId)
      .orderBy('id')
      .execute();
    expect(stored).toEqual(
      [...crm.owners.values()]
        .map((o) => ({
          id: o.id,
          name: nameOf(o),
          email: o.email,
          user_id: o.archived ? null : String(o.userId),
          active: !o.archived,
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('shows a departed owner as left on the contact view and in the at-risk list, whose filter finds their customers', async () => {
    const leftIds = new Set(departed.map((o) => o.id));
    const orphaned = await db()
      .selectFrom('contacts')
      .select(['id', 'owner_id'])
      .where('portal_id', '=', portalId)
      .where('owner_id', 'in', [...leftIds])
      .orderBy('id')
      .execute();
    // Some accounts were never reassigned: their contacts still name the owner who left.
    expect(orphaned.length).toBeGreaterThan(0);
    const first = orphaned[0]!;
    const owner = departed.find((o) => o.id === first.owner_id)!;

    const detail = await loadContactDetail(db(), portalId, first.id, 'https://crm.example/contact');
    expect(detail!.owner).toEqual({
      id: owner.id,
      name: nameOf(owner),
      email: owner.email,
      label: `${nameOf(owner)} (left)`,
      left: true,
    });

    await scoreEveryContact();
    const everyone = atRiskQuerySchema.parse({ tier: 'high,medium,low', limit: '500' });
    const all = await listAtRisk(db(), portalId, everyone);
    const row = all.rows.find((r) => r.contactId === first.id)!;
    expect(row.owner).toEqual({ id: owner.id, name: nameOf(owner), left: true });
    expect(all.rows.filter((r) => r.owner?.left).every((r) => leftIds.has(r.owner!.id))).toBe(true);

    const nobodys = await listAtRisk(db(), portalId, { ...everyone, owner: 'left' });
    expect(nobodys.rows.map((r) => r.contactId).sort()).toEqual(orphaned.map((c) => c.id).sort());

    const { owners } = await listAtRiskOwners(db(), portalId, { tier: everyone.tier });
    for (const leaver of departed) {
      expect(owners.find((o) => o.id === leaver.id)).toEqual({
        id: leaver.id,
        name: nameOf(leaver),
        email: leaver.email,
        left: true,
        contacts: orphaned.filter((c) => c.owner_id === leaver.id).length,
      });
    }
    const active = new Set([...crm.owners.values()].filter((o) => !o.archived).map((o) => o.id));
    expect(owners.filter((o) => active.has(o.id)).every((o) => !o.left)).toBe(true);
  });
});
