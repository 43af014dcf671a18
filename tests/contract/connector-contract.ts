/**
 * The promises every `CrmConnector` keeps, checked over HTTP against its CRM's sandbox with the
 * product installed through the CRM's real OAuth. Each CRM runs the same tests through its driver
 * (./driver.ts): `describeConnectorContract(hubspotDriver)`, later `(salesforceDriver)`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnrecoverableError } from 'bullmq';
import type { CrmRecord, ListOptions } from '../../server/crm/connector.js';
import { CrmAccessRevokedError } from '../../server/crm/errors.js';
import { requireInstalledPortal, untilRevoked } from '../../server/jobs/portal-guard.js';
import { DEFAULT_CHURN_RULE } from '../../server/settings/churn-rule.js';
import { completeFullSync, readCursor } from '../../server/sync/cursors.js';
import { incrementalSyncObject } from '../../server/sync/incremental-sync.js';
import { syncOwners } from '../../server/sync/owners.js';
import { specOf } from '../../server/sync/object-specs.js';
import type { ConnectorDriver, ContractEnvironment, ContractPortal, WireCall } from './driver.js';

/** Past the 10,000 results a search (HubSpot) or an offset (many CRMs) can reach. */
const BIG_PORTAL = 10_250;
/** Where the tie starts in the big portal: the 10,000th change falls inside it. */
const TIE_STARTS_AT = 9_900;

const sorted = (ids: Iterable<string>) => [...ids].sort();
const ofKind = (calls: WireCall[], kind: WireCall['kind']) => calls.filter((c) => c.kind === kind);
const seconds = (from: Date, n: number) => new Date(from.getTime() + n * 1000);

/** How `total` ids go out in batches of `size`. */
const batchesOf = (total: number, size: number) =>
  Array.from({ length: Math.ceil(total / size) }, (_, i) => Math.min(size, total - i * size));

async function listAll(portal: ContractPortal, options: ListOptions, pageSize: number): Promise<CrmRecord[]> {
  const records: CrmRecord[] = [];
  let after: string | undefined;
  do {
    const page = await portal.connector.listPage(portal.portalId, 'contacts', {
      ...options,
      ...(after ? { after } : {}),
    });
    expect(page.results.length).toBeLessThanOrEqual(pageSize);
    records.push(...page.results);
    after = page.next;
  } while (after);
  return records;
}

export function describeConnectorContract(driver: ConnectorDriver): void {
  const { textProperty, historyProperty, invalidValue, readOnly } = driver.fixtures;
  const { limits } = driver;
  /** A test of the contract; one the driver names as failing today runs as `it.failing`, and says so. */
  const promise = (name: string, run: () => Promise<void>) => {
    const bug = driver.knownFailures?.[name];
    if (bug) it.failing(`${name} [KNOWN FAILURE: ${bug}]`, run);
    else it(name, run);
  };

  describe(`the ${driver.name} connector contract`, () => {
    let env: ContractEnvironment;
    beforeAll(async () => {
      env = await driver.start();
    }, 300_000);
    afterAll(async () => {
      await env?.stop();
    });

    describe(`on a portal of ${BIG_PORTAL.toLocaleString('en')} contacts`, () => {
      let big: ContractPortal;
      beforeAll(async () => {
        big = await env.installPortal({ contacts: BIG_PORTAL });
      }, 300_000);

      promise('paging a list past 10,000 records returns every record exactly once', async () => {
        const listed = await listAll(big, { properties: [textProperty] }, limits.listPage);
        const ids = listed.map((r) => r.id);
        expect(ids).toHaveLength(BIG_PORTAL);
        expect(new Set(ids).size).toBe(BIG_PORTAL);
        expect(sorted(ids)).toEqual(sorted(await big.sandbox.recordIds('contacts')));
      });

      // What the sync makes of the connector's pages at this size (a search cap, a tie across it)
      // is what users get, so the sync itself runs here, on this connector.
      promise(
        'the incremental sync loses no change when its 10,000-result search window ends inside a tie',
        async () => {
          const ids = await big.sandbox.recordIds('contacts');
          const since = new Date('2026-01-01T00:00:00Z');
          const tieAt = seconds(since, TIE_STARTS_AT + 60);
          await big.sandbox.setModifiedAt(
            'contacts',
            ids.map((id, i) => ({ id, at: i < TIE_STARTS_AT ? seconds(since, i) : tieAt })),
          );
          await completeFullSync(env.db, big.portalId, 'contacts', since);

          const spec = specOf(big.connector, 'contacts', DEFAULT_CHURN_RULE);
          await incrementalSyncObject({ db: env.db, connector: big.connector }, big.portalId, spec);

          const rows = await env.db
            .selectFrom('contacts')
            .select('id')
            .where('portal_id', '=', big.portalId)
            .execute();
          expect(rows.length).toBe(BIG_PORTAL);
          expect(sorted(rows.map((r) => r.id))).toEqual(sorted(ids));
          expect((await readCursor(env.db, big.portalId, 'contacts')).modifiedSince).toEqual(tieAt);
        },
      );
    });

    promise(
      'changed-since pages lose no record, oldest change first, when a page boundary falls inside a tie',
      async () => {
        const total = limits.changedPage + 100;
        const portal = await env.installPortal({ contacts: total });
        const ids = await portal.sandbox.recordIds('contacts');
        const since = new Date('2026-02-01T00:00:00Z');
        const tieAt = seconds(since, 60);
        // 50 changes before the tie, a page's worth at one instant (across the first page's end), 50 after.
        const at = (i: number) => (i < 50 ? seconds(since, i) : i < total - 50 ? tieAt : seconds(tieAt, i));
        await portal.sandbox.setModifiedAt(
          'contacts',
          ids.map((id, i) => ({ id, at: at(i) })),
        );

        const seen: CrmRecord[] = [];
        let after: string | undefined;
        do {
          const page = await portal.connector.modifiedSincePage(portal.portalId, 'contacts', {
            properties: [textProperty],
            since,
            ...(after ? { after } : {}),
          });
          expect(page.results.length).toBeLessThanOrEqual(limits.changedPage);
          seen.push(...page.results);
          after = page.next;
        } while (after);

        expect(seen.map((r) => r.id)).toHaveLength(total);
        expect(sorted(seen.map((r) => r.id))).toEqual(sorted(ids));
        const times = seen.map((r) => Date.parse(r.updatedAt));
        expect(times).toEqual([...times].sort((a, b) => a - b));
      },
    );

    promise('deleted records are listed as archived, and only when archived ones are asked for', async () => {
      const portal = await env.installPortal({ contacts: 30 });
      const ids = await portal.sandbox.recordIds('contacts');
      const deleted = [ids[3]!, ids[17]!];
      for (const id of deleted) await portal.sandbox.deleteRecord('contacts', id);

      const archived = await listAll(portal, { properties: [textProperty], archived: true }, limits.listPage);
      expect(sorted(archived.map((r) => r.id))).toEqual(sorted(deleted));
      expect(archived.every((r) => r.archived)).toBe(true);

      const live = await listAll(portal, { properties: [textProperty] }, limits.listPage);
      expect(sorted(live.map((r) => r.id))).toEqual(sorted(ids.filter((id) => !deleted.includes(id))));
      expect(live.some((r) => r.archived)).toBe(false);
    });

    promise(
      "a batch read of two and a half batches goes out in the CRM's batch size (its history batch with history)",
      async () => {
        const total = limits.read * 2.5;
        const portal = await env.installPortal({ contacts: total });
        const ids = await portal.sandbox.recordIds('contacts');

        let mark = portal.wire.mark();
        const read = await portal.connector.batchRead(portal.portalId, 'contacts', ids, [textProperty]);
        expect(sorted(read.map((r) => r.id))).toEqual(sorted(ids));
        const plain = ofKind(portal.wire.since(mark), 'batch-read');
        expect(plain.map((c) => c.ids.length)).toEqual(batchesOf(total, limits.read));
        expect(sorted(plain.flatMap((c) => c.ids))).toEqual(sorted(ids));

        mark = portal.wire.mark();
        const withHistory = await portal.connector.batchRead(
          portal.portalId,
          'contacts',
          ids,
          [historyProperty],
          { propertiesWithHistory: [historyProperty] },
        );
        expect(withHistory).toHaveLength(total);
        for (const record of withHistory)
          expect(record.propertiesWithHistory?.[historyProperty]?.length).toBeGreaterThan(0);
        const historyCalls = ofKind(portal.wire.since(mark), 'batch-read').filter((c) => c.withHistory);
        expect(historyCalls.map((c) => c.ids.length)).toEqual(batchesOf(total, limits.historyRead));
        expect(sorted(historyCalls.flatMap((c) => c.ids))).toEqual(sorted(ids));
      },
    );

    promise('a batch read leaves out the records the CRM no longer has', async () => {
      const portal = await env.installPortal({ contacts: 5 });
      const ids = await portal.sandbox.recordIds('contacts');
      await portal.sandbox.deleteRecord('contacts', ids[2]!);
      const read = await portal.connector.batchRead(portal.portalId, 'contacts', ids, [textProperty]);
      expect(sorted(read.map((r) => r.id))).toEqual(sorted(ids.filter((id) => id !== ids[2])));
    });

    promise(
      "a batch update of two and a half batches goes out in the CRM's batch size and writes them all",
      async () => {
        const total = limits.write * 2.5;
        const portal = await env.installPortal({ contacts: total });
        const ids = await portal.sandbox.recordIds('contacts');
        const mark = portal.wire.mark();
        const result = await portal.connector.batchUpdate(
          portal.portalId,
          'contacts',
          ids.map((id) => ({ id, properties: { [textProperty]: `renamed ${id}` } })),
        );
        expect(result.failed).toEqual([]);
        expect(sorted(result.updated)).toEqual(sorted(ids));
        const calls = ofKind(portal.wire.since(mark), 'batch-update');
        expect(calls.map((c) => c.ids.length)).toEqual(batchesOf(total, limits.write));
        for (const id of ids)
          expect((await portal.sandbox.readRecord('contacts', id))?.properties[textProperty]).toBe(
            `renamed ${id}`,
          );
      },
    );

    promise(
      "a batch update with one invalid value reports that record in failed, with the CRM's message, and writes the others",
      async () => {
        const portal = await env.installPortal({ contacts: 10 });
        const ids = await portal.sandbox.recordIds('contacts');
        const bad = ids[6]!;
        const before = await portal.sandbox.readRecord('contacts', bad);
        const mark = portal.wire.mark();
        const result = await portal.connector.batchUpdate(
          portal.portalId,
          'contacts',
          ids.map((id) => ({
            id,
            properties: {
              [textProperty]: `written ${id}`,
              ...(id === bad ? { [invalidValue.property]: invalidValue.value } : {}),
            },
          })),
        );
        expect(result.failed).toEqual([{ id: bad, message: expect.stringMatching(invalidValue.message) }]);
        expect(sorted(result.updated)).toEqual(sorted(ids.filter((id) => id !== bad)));
        for (const id of ids.filter((i) => i !== bad))
          expect((await portal.sandbox.readRecord('contacts', id))?.properties[textProperty]).toBe(
            `written ${id}`,
          );
        expect(await portal.sandbox.readRecord('contacts', bad)).toEqual(before);
        // Whatever the resends, each good record went out in exactly one write the CRM accepted (a
        // CRM may accept a call and refuse one record of it, as Salesforce's composite writes do).
        const accepted = ofKind(portal.wire.since(mark), 'batch-update').filter((c) => c.status! < 300);
        expect(sorted(accepted.flatMap((c) => c.ids).filter((id) => id !== bad))).toEqual(
          sorted(ids.filter((id) => id !== bad)),
        );
      },
    );

    promise('a write the CRM refuses (a read-only property) is reported, not thrown', async () => {
      const portal = await env.installPortal({ contacts: 3 });
      const [id] = await portal.sandbox.recordIds('contacts');
      const before = await portal.sandbox.readRecord('contacts', id!);
      const result = await portal.connector.batchUpdate(portal.portalId, 'contacts', [
        { id: id!, properties: { [readOnly.property]: readOnly.value } },
      ]);
      expect(result).toEqual({
        updated: [],
        failed: [{ id, message: expect.stringMatching(readOnly.message) }],
      });
      expect(await portal.sandbox.readRecord('contacts', id!)).toEqual(before);
    });

    promise('a 401 on an expired access token refreshes the token once and the call succeeds', async () => {
      const portal = await env.installPortal({ contacts: 5 });
      await portal.sandbox.expireAccessToken();
      let mark = portal.wire.mark();
      const page = await portal.connector.listPage(portal.portalId, 'contacts', {
        properties: [textProperty],
      });
      expect(page.results).toHaveLength(5);
      const calls = portal.wire.since(mark).map((c) => `${c.kind} ${c.status}`);
      expect(calls).toEqual(['list 401', 'token-refresh 200', 'list 200']);

      mark = portal.wire.mark();
      await portal.connector.listPage(portal.portalId, 'contacts', { properties: [textProperty] });
      expect(portal.wire.since(mark).map((c) => `${c.kind} ${c.status}`)).toEqual(['list 200']);
    });

    promise("the CRM's slow-down answers are waited out and the call succeeds", async () => {
      const portal = await env.installPortal({ contacts: 5 });
      const ids = await portal.sandbox.recordIds('contacts');
      const { retryAfterMs } = await portal.sandbox.rateLimitNextCalls(2);
      const mark = portal.wire.mark();
      const started = Date.now();
      const read = await portal.connector.batchRead(portal.portalId, 'contacts', ids, [textProperty]);
      expect(read).toHaveLength(5);
      expect(portal.wire.since(mark).map((c) => `${c.kind} ${c.status}`)).toEqual([
        `batch-read ${driver.rateLimitStatus}`,
        `batch-read ${driver.rateLimitStatus}`,
        'batch-read 200',
      ]);
      // A little slack for timers that fire a hair early.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2 * retryAfterMs - 50);
    });

    promise(
      'lists every owner of the account past one page, those who left too, each active one with its user; the sync keeps exactly them, marking who left',
      async () => {
        const portal = await env.installPortal({ contacts: 3 });
        const added = [];
        for (let i = 0; i < limits.ownersPage + 5; i++) {
          const person = { firstName: `Rep${i}`, lastName: 'Contract', email: `rep${i}@owners.example` };
          added.push({ ...person, ...(await portal.sandbox.addOwner(person)) });
        }
        const leaver = added.pop()!;
        await portal.sandbox.deactivateOwner(leaver.id);

        const mark = portal.wire.mark();
        const owners = await portal.connector.owners(portal.portalId);
        expect(portal.wire.since(mark).length).toBeGreaterThanOrEqual(2);
        const ids = (active: boolean) => sorted(owners.filter((o) => o.active === active).map((o) => o.id));
        expect(ids(true)).toEqual(sorted(await portal.sandbox.ownerIds()));
        expect(ids(false)).toEqual(sorted(await portal.sandbox.leftOwnerIds()));
        expect(new Set(owners.map((o) => o.id)).size).toBe(owners.length);
        const first = added[0]!;
        expect(owners.find((o) => o.id === first.id)).toEqual({
          id: first.id,
          name: 'Rep0 Contract',
          email: first.email,
          userId: first.userId,
          active: true,
        });
        // Whoever left keeps their name; nobody signs in as them any more.
        expect(owners.find((o) => o.id === leaver.id)).toEqual({
          id: leaver.id,
          name: `Rep${added.length} Contract`,
          email: leaver.email,
          userId: null,
          active: false,
        });
        expect(owners.filter((o) => o.active).every((o) => o.name !== '' && o.userId !== null)).toBe(true);

        const stored = async () =>
          await env.db
            .selectFrom('owners')
            .select(['id', 'name', 'user_id', 'active'])
            .where('portal_id', '=', portal.portalId)
            .execute();
        expect(await syncOwners({ db: env.db, connector: portal.connector }, portal.portalId)).toEqual({
          fetched: owners.length,
          removed: 0,
        });
        expect(sorted((await stored()).map((r) => r.id))).toEqual(sorted(owners.map((o) => o.id)));
        await portal.sandbox.deactivateOwner(first.id);
        expect(await syncOwners({ db: env.db, connector: portal.connector }, portal.portalId)).toEqual({
          fetched: owners.length,
          removed: 0,
        });
        expect((await stored()).find((r) => r.id === first.id)).toEqual({
          id: first.id,
          name: 'Rep0 Contract',
          user_id: null,
          active: false,
        });
      },
    );

    promise(
      'a revoked install gives CrmAccessRevokedError, which jobs turn into "uninstalled", and writes nothing',
      async () => {
        const portal = await env.installPortal({ contacts: 3 });
        const [id] = await portal.sandbox.recordIds('contacts');
        const before = await portal.sandbox.readRecord('contacts', id!);
        await portal.sandbox.revokeInstall();

        const mark = portal.wire.mark();
        const write = portal.connector.batchUpdate(portal.portalId, 'contacts', [
          { id: id!, properties: { [textProperty]: 'after the revoke' } },
        ]);
        await expect(write).rejects.toBeInstanceOf(CrmAccessRevokedError);
        // One refresh is tried, refused for good, and nothing retried after it.
        expect(portal.wire.since(mark).map((c) => `${c.kind} ${c.status}`)).toEqual([
          'batch-update 401',
          'token-refresh 400',
        ]);
        expect(await portal.sandbox.readRecord('contacts', id!)).toEqual(before);

        // What the jobs see: the portal is uninstalled, and CRM work for it ends without retries.
        await expect(requireInstalledPortal(env.db, portal.portalId)).rejects.toBeInstanceOf(
          UnrecoverableError,
        );
        await expect(
          untilRevoked(() =>
            portal.connector.listPage(portal.portalId, 'contacts', { properties: [textProperty] }),
          ),
        ).rejects.toBeInstanceOf(UnrecoverableError);
      },
    );
  });
}
