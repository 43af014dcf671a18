import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData, SandboxOwner } from '../../sandbox/store.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { scoreChange, scorePoints } from '../../server/scoring/score-points.js';
import { syncOwners } from '../../server/sync/owners.js';
import { dashboardCall, type DashboardSession } from '../support/dashboard-session.js';
import {
  flowCookie,
  PRODUCT_APP,
  startTestProduct,
  walkInstall,
  type TestProduct,
} from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

const HUB = 821;
const CONTACTS = 200;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalId: number;
let crmPortal: PortalData;
let admin: SandboxOwner;
let omar: SandboxOwner;
let rita: SandboxOwner;
let lena: SandboxOwner;
let session: DashboardSession;

interface Row {
  contactId: string;
  name: string;
  ownerId: string | null;
  owner: { id: string; name: string; left: boolean } | null;
  probability: number;
  score: number;
  tier: string;
  change: number | null;
  reasons: { feature: string; text: string; value: unknown; contribution: number }[];
}
interface List {
  total: number;
  rows: Row[];
}
interface Owners {
  owners: { id: string; name: string; email: string | null; left: boolean; contacts: number }[];
  me: { id: string; name: string } | null;
}

const base = () => `/api/v1/portals/${portalId}`;
const call = <T>(path: string, as: DashboardSession = session) => dashboardCall<T>(product.url, as, path);

/** A sign-in through the CRM's consent page as one of the portal's users (its admin when unnamed). */
async function signInAs(userId?: number): Promise<DashboardSession> {
  const start = await fetch(`${product.url}/app/login?portal=${HUB}`, { redirect: 'manual' });
  const flow = flowCookie(start);
  const authorize = new URL(start.headers.get('location')!);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorize.searchParams),
      portalId: String(HUB),
      ...(userId === undefined ? {} : { userId: String(userId) }),
      decision: 'approve',
    }),
  });
  if (consent.status !== 302) throw new Error(`consent answered ${consent.status}`);
  const callback = await fetch(consent.headers.get('location')!, {
    redirect: 'manual',
    headers: { cookie: flow },
  });
  const cookie = callback.headers
    .getSetCookie()
    .find((c) => c.startsWith('churn_session='))!
    .split(';')[0]!;
  const about = (await (await fetch(`${product.url}/api/v1/session`, { headers: { cookie } })).json()) as {
    csrfToken: string;
    portal: { id: number };
  };
  return { cookie, csrfToken: about.csrfToken, portalId: about.portal.id, setCookie: cookie };
}

/**
 * Contacts with reasons chosen for the reason filter and the CSV: `x-fourth` has open tickets as
 * its fourth reason (the list shows three), `x-missing` a strong reason without a value and one
 * about who the customer is (neither ever shown), `x-formula` a name and company a spreadsheet would run, `x-new` a first score only.
 */
async function seedSpecialContacts(modelId: number) {
  const db = product.ctx.db.db;
  const reason = (feature: string, value: number | string | null, contribution: number) => ({
    feature,
    label: feature,
    value,
    contribution,
  });
  const special = [
    {
      id: 'x-fourth',
      first: 'Fourth',
      company: null,
      reasons: [
        reason('nps_last', 3, 0.9),
        reason('sessions_per_week_4w', 0.5, 0.8),
        reason('days_since_last_reply', 64, 0.7),
        reason('tickets_open_now', 4, 0.6),
        reason('tenure_days', 900, -0.2),
      ],
    },
    {
      id: 'x-missing',
      first: 'Missing',
      company: null,
      reasons: [
        reason('plan', 'unknown', 2),
        reason('country', 'Singapore', 1.8),
        reason('tickets_open_now', 2, 0.5),
        reason('nps_last', null, 1.5),
      ],
    },
    {
      id: 'x-formula',
      first: '=HYPERLINK("http://evil.example","x")',
      company: '+cmd|calc',
      reasons: [reason('tickets_open_now', 5, 0.9)],
    },
  ];
  const companyId = 'x-co';
  await db
    .insertInto('companies')
    .values({ portal_id: portalId, id: companyId, name: '+cmd|calc' })
    .execute();
  for (const contact of [
    ...special,
    { id: 'x-new', first: 'Newcomer', company: null, reasons: special[0]!.reasons },
  ]) {
    await db
      .insertInto('contacts')
      .values({
        portal_id: portalId,
        id: contact.id,
        email: `${contact.id}@example.com`,
        first_name: contact.first,
        last_name: 'Special',
        stage_kind: 'customer',
        lifecycle_stage: 'customer',
        owner_id: omar.id,
        company_id: contact.company ? companyId : null,
      })
      .execute();
    // Last week's score, then this week's (x-new has this week's only).
    const weeks = contact.id === 'x-new' ? [0] : [7, 0];
    for (const daysAgo of weeks) {
      await db
        .insertInto('scores')
        .values({
          portal_id: portalId,
          contact_id: contact.id,
          model_id: modelId,
          // x-missing's risk fell 2.2 points since last week (99.5 → 97.3); the others' rose 7.2.
          probability: daysAgo === 0 ? 0.9734 : contact.id === 'x-missing' ? 0.9951 : 0.9012,
          tier: 'high',
          reasons: json(contact.reasons),
          scored_at: new Date(Date.now() - daysAgo * 86_400_000),
        })
        .execute();
    }
  }
}

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB], rateLimits: { tenSecondlyMax: 100_000 } });
  crmPortal = sandbox.store.portal(HUB)!;
  admin = crmPortal.adminOwner;
  Object.assign(admin, { firstName: 'Maya', lastName: 'Lindqvist', email: 'maya@portal.example' });
  const at = sandbox.store.now();
  omar = crmPortal.addOwner(
    { firstName: 'Omar', lastName: 'Haddad', email: 'omar@portal.example', teams: [] },
    at,
  );
  rita = crmPortal.addOwner(
    { firstName: 'Rita', lastName: 'Idle', email: 'rita@portal.example', teams: [] },
    at,
  );
  // Lena left: HubSpot archived her owner, and the contacts nobody reassigned still name her.
  lena = crmPortal.addOwner(
    { firstName: 'Lena', lastName: 'Vogt', email: 'lena@portal.example', teams: [], archived: true },
    at,
  );
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalId = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  const { modelId } = await seedScoredPortal(db, portalId, { contacts: CONTACTS, weeks: 3, idPrefix: 'a' });
  // The owners come from the CRM, through the connector, as each sync brings them.
  const synced = await syncOwners(
    { db, connector: product.ctx.services.crms.connectorFor('hubspot') },
    portalId,
  );
  expect(synced).toEqual({ fetched: 4, removed: 0 });
  // Contacts 5k+0 are the admin's, 5k+1 Omar's, 5k+2 and 10k+4 owners the CRM does not list (999 and
  // the seeded 104), 5k+3 nobody's, 10k+9 Lena's.
  await sql`update contacts set owner_id = case (substr(id, 2)::int % 5)
      when 0 then ${admin.id} when 1 then ${omar.id} when 2 then '999' when 3 then null
      else case when substr(id, 2)::int % 10 = 9 then ${lena.id} else owner_id end end
    where portal_id = ${portalId}`.execute(db);
  await seedSpecialContacts(modelId);
  session = await signInAs();
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

describe('owners in the at-risk list', () => {
  it("names each row's owner, or says which owner the CRM does not list", async () => {
    const { body } = await call<List>(`${base()}/at-risk?tier=high,medium,low&limit=500`);
    const byId = new Map(body.rows.map((r) => [r.contactId, r]));
    expect(byId.get('a5')!.owner).toEqual({ id: admin.id, name: 'Maya Lindqvist', left: false });
    expect(byId.get('a6')!.owner).toEqual({ id: omar.id, name: 'Omar Haddad', left: false });
    expect(byId.get('a7')!.owner).toEqual({ id: '999', name: 'Owner 999', left: false });
    expect(byId.get('a8')!.owner).toBeNull();
    // An owner who left keeps their name, marked: nobody looks after this customer.
    expect(byId.get('a9')!.owner).toEqual({ id: lena.id, name: 'Lena Vogt', left: true });
    expect(body.rows.every((r) => r.ownerId === (r.owner?.id ?? null))).toBe(true);
  });

  it("filters by an owner's id, and by `me`: the signed-in user's own accounts", async () => {
    const all = await call<List>(`${base()}/at-risk?limit=500`);
    const mine = await call<List>(`${base()}/at-risk?owner=me&limit=500`);
    expect(mine.body.total).toBeGreaterThan(0);
    expect(mine.body.rows.every((r) => r.owner?.id === admin.id)).toBe(true);
    expect(mine.body.total).toBe(all.body.rows.filter((r) => r.owner?.id === admin.id).length);
    const omars = await call<List>(`${base()}/at-risk?owner=${omar.id}&limit=500`);
    expect(omars.body.rows.every((r) => r.owner?.name === 'Omar Haddad')).toBe(true);
    expect(omars.body.total).toBe(all.body.rows.filter((r) => r.owner?.id === omar.id).length);

    // Omar signs in: his accounts are "mine" now; Rita owns nothing, so hers is an empty list.
    const asOmar = await signInAs(omar.userId);
    expect((await call<List>(`${base()}/at-risk?owner=me&limit=500`, asOmar)).body.total).toBe(
      omars.body.total,
    );
    const asRita = await signInAs(rita.userId);
    expect((await call<List>(`${base()}/at-risk?owner=me`, asRita)).body).toEqual({ total: 0, rows: [] });
    expect((await call<Owners>(`${base()}/owners`, asRita)).body.me).toEqual({
      id: rita.id,
      name: 'Rita Idle',
    });
  });

  it('filters by `left`: the customers whose owner left the CRM, nobody looking after them', async () => {
    const all = await call<List>(`${base()}/at-risk?tier=high,medium,low&limit=500`);
    const orphaned = await call<List>(`${base()}/at-risk?tier=high,medium,low&owner=left&limit=500`);
    expect(orphaned.body.total).toBeGreaterThan(0);
    expect(orphaned.body.rows.map((r) => r.contactId).sort()).toEqual(
      all.body.rows
        .filter((r) => r.owner?.left)
        .map((r) => r.contactId)
        .sort(),
    );
    expect(orphaned.body.rows.every((r) => r.owner?.id === lena.id)).toBe(true);
    // Lena cannot sign in any more: she is nobody's "me".
    const owners = await call<Owners>(`${base()}/owners?tier=high,medium,low`);
    expect(owners.body.owners.filter((o) => o.left)).toEqual([
      {
        id: lena.id,
        name: 'Lena Vogt',
        email: 'lena@portal.example',
        left: true,
        contacts: orphaned.body.total,
      },
    ]);
    expect(owners.body.owners.filter((o) => o.id !== lena.id).every((o) => !o.left)).toBe(true);
  });

  it('lists the owners with names and how many of the listed contacts each has', async () => {
    const { body } = await call<Owners>(`${base()}/owners`);
    expect(body.me).toEqual({ id: admin.id, name: 'Maya Lindqvist' });
    const list = await call<List>(`${base()}/at-risk?limit=500`);
    const counted = new Map<string, number>();
    for (const row of list.body.rows)
      if (row.owner) counted.set(row.owner.id, (counted.get(row.owner.id) ?? 0) + 1);
    expect(body.owners.map((o) => [o.id, o.name, o.contacts])).toEqual(
      expect.arrayContaining([
        [admin.id, 'Maya Lindqvist', counted.get(admin.id)],
        [omar.id, 'Omar Haddad', counted.get(omar.id)],
        ['999', 'Owner 999', counted.get('999')],
        ['104', 'Owner 104', counted.get('104')],
        [rita.id, 'Rita Idle', 0],
        [lena.id, 'Lena Vogt', counted.get(lena.id)],
      ]),
    );
    expect(body.owners).toHaveLength(6);
    const contacts = body.owners.map((o) => o.contacts);
    expect(contacts).toEqual([...contacts].sort((a, b) => b - a));
    // The counts follow the list's other filters.
    const high = await call<Owners>(`${base()}/owners?tier=high`);
    const highList = await call<List>(`${base()}/at-risk?tier=high&owner=${omar.id}&limit=1`);
    expect(high.body.owners.find((o) => o.id === omar.id)!.contacts).toBe(highList.body.total);
  });

  it('answers 400 for a malformed owner filter', async () => {
    expect((await call(`${base()}/at-risk?owner=${'x'.repeat(101)}`)).status).toBe(400);
  });
});

describe('the change since last week and the reasons of each row', () => {
  it("carries the change in points since the last score of an earlier week, as the contact's card does", async () => {
    const { body } = await call<List>(`${base()}/at-risk?tier=high,medium,low&limit=500`);
    const current = await product.ctx.db.db
      .selectFrom('current_scores')
      .select(['contact_id', 'probability', 'previous_probability'])
      .where('portal_id', '=', portalId)
      .execute();
    const expected = new Map(
      current.map((c) => [
        c.contact_id,
        c.previous_probability === null
          ? null
          : scoreChange(scorePoints(c.probability), scorePoints(c.previous_probability)),
      ]),
    );
    for (const row of body.rows) {
      expect([row.contactId, row.change]).toEqual([row.contactId, expected.get(row.contactId)]);
      expect([row.contactId, row.score]).toEqual([row.contactId, scorePoints(row.probability)]);
    }
    expect(body.rows.find((r) => r.contactId === 'x-new')!.change).toBeNull();
    // The difference of the two scores as shown, not 97.3 − 90.1 in binary (7.199999999999989).
    expect(body.rows.find((r) => r.contactId === 'x-fourth')!.change).toBe(7.2);
    expect(body.rows.find((r) => r.contactId === 'x-missing')!.change).toBe(-2.2);
    for (const id of ['a10', 'a11', 'x-fourth']) {
      const card = await call<{ trend: { change: number } | null }>(`${base()}/contacts/${id}`);
      expect(card.body.trend?.change).toBe(body.rows.find((r) => r.contactId === id)!.change);
    }

    const sorted = await call<List>(`${base()}/at-risk?sort=change&order=desc&limit=100`);
    const changes = sorted.body.rows.map((r) => r.change ?? -Infinity);
    expect(changes).toEqual([...changes].sort((a, b) => b - a));
    expect(sorted.body.rows[0]!.change).toBe(7.2);
  });

  it('shows the three reasons raising the risk most, in words, and never one without a value', async () => {
    const { body } = await call<List>(`${base()}/at-risk?tier=high,medium,low&limit=500`);
    for (const row of body.rows) {
      expect(row.reasons.length).toBeLessThanOrEqual(3);
      expect(row.reasons.every((r) => r.contribution > 0 && r.text && r.value !== null)).toBe(true);
      const strengths = row.reasons.map((r) => r.contribution);
      expect(strengths).toEqual([...strengths].sort((a, b) => b - a));
    }
    const seeded = body.rows.find((r) => r.contactId === 'a10')!;
    expect(seeded.reasons.map((r) => r.text)).toHaveLength(3);
    expect(body.rows.find((r) => r.contactId === 'x-fourth')!.reasons.map((r) => r.feature)).toEqual([
      'nps_last',
      'sessions_per_week_4w',
      'days_since_last_reply',
    ]);
    expect(body.rows.find((r) => r.contactId === 'x-missing')!.reasons.map((r) => r.feature)).toEqual([
      'tickets_open_now',
    ]);
  });

  it('filters by a reason only among the reasons a row shows', async () => {
    const byTickets = await call<List>(
      `${base()}/at-risk?tier=high,medium,low&reason=tickets_open_now&limit=500`,
    );
    const ids = byTickets.body.rows.map((r) => r.contactId);
    expect(ids).toEqual(expect.arrayContaining(['x-missing', 'x-formula']));
    expect(ids).not.toContain('x-fourth');
    expect(byTickets.body.rows.every((r) => r.reasons.some((x) => x.feature === 'tickets_open_now'))).toBe(
      true,
    );
    const all = await call<List>(`${base()}/at-risk?tier=high,medium,low&limit=500`);
    expect(byTickets.body.total).toBe(
      all.body.rows.filter((r) => r.reasons.some((x) => x.feature === 'tickets_open_now')).length,
    );
    // A reason without a value is never shown, so it never matches either.
    const byNps = await call<List>(`${base()}/at-risk?tier=high,medium,low&reason=nps_last&limit=500`);
    expect(byNps.body.rows.map((r) => r.contactId)).not.toContain('x-missing');
    expect(byNps.body.rows.map((r) => r.contactId)).toContain('x-fourth');
    // Nor is who the customer is (an identity-like feature), however hard it pushes.
    const byCountry = await call<List>(`${base()}/at-risk?tier=high,medium,low&reason=country&limit=500`);
    expect(byCountry.body.total).toBe(0);
  });
});

describe('the CSV export', () => {
  /** The file's lines as cells, quotes undone. */
  const parse = (text: string) =>
    text
      .trim()
      .split('\r\n')
      .map((line) => {
        const cells: string[] = [];
        let cell = '';
        let quoted = false;
        for (let i = 0; i < line.length; i++) {
          const ch = line[i]!;
          if (quoted && ch === '"' && line[i + 1] === '"') {
            cell += '"';
            i++;
          } else if (ch === '"') {
            quoted = !quoted;
          } else if (!quoted && ch === ',') {
            cells.push(cell);
            cell = '';
          } else {
            cell += ch;
          }
        }
        cells.push(cell);
        return cells;
      });

  it('has a header row and a line per listed contact, with owner, change, renewal, value and three reasons', async () => {
    const csv = await call(`${base()}/at-risk.csv?tier=high,medium,low`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, ...lines] = parse(csv.text);
    expect(header).toEqual([
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
      'reason_1',
      'reason_1_value',
      'reason_2',
      'reason_2_value',
      'reason_3',
      'reason_3_value',
      'recommended_action',
      'crm_url',
    ]);
    const list = await call<List>(`${base()}/at-risk?tier=high,medium,low&limit=500`);
    expect(lines).toHaveLength(list.body.total);
    const column = (name: string) => header!.indexOf(name);
    const line = (id: string) => lines.find((l) => l[0] === id)!;

    const fourth = line('x-fourth');
    expect(fourth[column('owner')]).toBe('Omar Haddad');
    expect(fourth[column('change')]).toBe('7.2');
    expect(fourth[column('score')]).toBe('97.3');
    expect(fourth[column('reason_1_value')]).toBe('3');
    expect(fourth[column('reason_2_value')]).toBe('0.5');
    expect(fourth[column('reason_3_value')]).toBe('64');
    const row = list.body.rows.find((r) => r.contactId === 'x-fourth')!;
    expect([fourth[column('reason_1')], fourth[column('reason_2')], fourth[column('reason_3')]]).toEqual(
      row.reasons.map((r) => r.text),
    );
    expect(line('a5')[column('owner')]).toBe('Maya Lindqvist');
    expect(line('a7')[column('owner')]).toBe('Owner 999');
    expect(line('a8')[column('owner')]).toBe('');
    expect(line('a9')[column('owner')]).toBe('Lena Vogt (left)');
    // Every row has a score and its reasons; a seeded contact has a yearly value and a renewal date.
    expect(lines.every((l) => /^\d+(\.\d)?$/.test(l[column('score')]!) && l[column('reason_1')] !== '')).toBe(
      true,
    );
    const valued = line('a10');
    expect(Number(valued[column('value_at_risk')])).toBeGreaterThan(0);
    expect(valued[column('renewal_date')]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // A fall is a plain negative number, not text guarded against a formula.
    expect(line('x-missing')[column('change')]).toBe('-2.2');
    expect(csv.text).toContain('x-missing@example.com,,Omar Haddad,high,97.3,-2.2,');
  });

  it('keeps what a spreadsheet would run as a formula as text', async () => {
    const csv = await call(`${base()}/at-risk.csv?tier=high`);
    const formula = parse(csv.text).find((l) => l[0] === 'x-formula')!;
    expect(formula[1]).toBe(`'=HYPERLINK("http://evil.example","x") Special`);
    expect(formula[3]).toBe(`'+cmd|calc`);
    expect(csv.text).not.toMatch(/(^|,)[=+@]/m);
  });

  it('exports only my accounts with owner=me', async () => {
    const csv = await call(`${base()}/at-risk.csv?owner=me`);
    const lines = parse(csv.text).slice(1);
    expect(lines.length).toBe((await call<List>(`${base()}/at-risk?owner=me&limit=1`)).body.total);
    expect(lines.every((l) => l[4] === 'Maya Lindqvist')).toBe(true);
  });
});
