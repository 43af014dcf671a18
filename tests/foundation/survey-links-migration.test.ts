/**
 * Survey links written before their tokens were derived (the link, token in clear, among the
 * action's outputs) are taken out of the clear by migration 0017: afterwards no table holds the
 * token, the link the customer was sent still opens and takes an answer over HTTP, and a replayed
 * workflow call for that action answers the same link. Without the server's key the migration
 * refuses and changes nothing. On the database tests' PostgreSQL server, or on PGlite
 * (tests/support/database.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { signatureV3 } from '../../sandbox/webhooks/signing.js';
import {
  json,
  migrateToLatest,
  migrateUpTo,
  openDatabase,
  type Database,
  type DatabaseHandle,
} from '../../server/db/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { migrationSecrets } from '../../server/runtime.js';
import { testDatabaseKind, testDatabaseServer } from '../support/database.js';
import { tempDir } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, type TestProduct } from '../support/product-server.js';

/** The address customers and HubSpot reach the server at, as its links were made with. */
const PUBLIC_URL = 'https://churn.example.com';
const TOKEN_ENCRYPTION_KEY = randomBytes(32).toString('base64');
const LAST_MIGRATION_BEFORE = '0016-redemption-imports';
const HUB = 7701;
const DAY_MS = 86_400_000;

interface OldWarehouse {
  /** Where the product finds it: a PostgreSQL database, or PGlite's folder. */
  databaseUrl?: string;
  dataDir: string;
  dispose(): Promise<void>;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A warehouse as it stood before migration 0017, open at `handle` until the test closes it. */
async function openOldWarehouse(): Promise<OldWarehouse & { handle: DatabaseHandle }> {
  const dataDir = tempDir('churn-survey-links-');
  const serverUrl = testDatabaseServer()?.url;
  let databaseUrl: string | undefined;
  if (serverUrl) {
    const name = `churn_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(serverUrl, `create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const handle = await openDatabase({ databaseUrl, dataDir, migrate: false });
  await migrateUpTo(handle.db, LAST_MIGRATION_BEFORE);
  return {
    handle,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    dispose: async () => {
      if (serverUrl && databaseUrl)
        await adminQuery(serverUrl, `drop database if exists ${new URL(databaseUrl).pathname.slice(1)}`);
    },
  };
}

interface OldSurvey {
  actionId: number;
  callbackId: string;
  token: string;
  surveyUrl: string;
}

/**
 * A feedback request in treatment as the code before derived tokens wrote it: a random token, its
 * hash in `survey_requests` (unless `erased`), the link in clear among the action's outputs.
 */
async function writeOldSurvey(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
  options: { erased?: boolean } = {},
): Promise<OldSurvey> {
  const token = randomBytes(24).toString('base64url');
  const surveyUrl = `${PUBLIC_URL}/s/${token}`;
  const callbackId = `ap-${HUB}-${contactId}-0`;
  const createdAt = new Date(Date.now() - 3 * DAY_MS);
  const action = await db
    .insertInto('retention_actions')
    .values({
      portal_id: portalId,
      contact_id: contactId,
      action: 'request-feedback',
      campaign_id: 'spring',
      callback_id: callbackId,
      group: 'treatment',
      source: 'workflow',
      status: 'completed',
      inputs: json({ campaign: 'spring', holdout_percent: 10 }),
      outputs: json({ survey_url: surveyUrl, group: 'treatment' }),
      created_at: createdAt,
      completed_at: createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (!options.erased) {
    await db
      .insertInto('survey_requests')
      .values({
        portal_id: portalId,
        retention_action_id: action.id,
        contact_id: contactId,
        token_hash: createHash('sha256').update(token).digest('hex'),
        created_at: createdAt,
        expires_at: new Date(createdAt.getTime() + 30 * DAY_MS),
      })
      .execute();
  }
  return { actionId: action.id, callbackId, token, surveyUrl };
}

async function addPortal(db: Kysely<Database>): Promise<number> {
  const portal = await db
    .insertInto('portals')
    .values({ crm: 'hubspot', external_id: String(HUB), name: 'Acme Analytics' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return portal.id;
}

/** The tables (and columns) whose rows hold `text` anywhere, JSON included. */
async function tablesHolding(db: Kysely<Database>, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of await db.introspection.getTables()) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::integer as n from ${sql.table(table.name)} t
      where t::text like ${`%${text}%`}`.execute(db);
    if (Number(rows[0]!.n) > 0) found.push(table.name);
  }
  return found;
}

describe(`survey links at rest, migrated on ${testDatabaseKind()}`, () => {
  let redis: EmbeddedRedis;
  let warehouse: OldWarehouse;
  let product: TestProduct;
  let sent: OldSurvey;
  let erased: OldSurvey;
  let sealedBefore: string | null;

  /** HubSpot calling the workflow action again for an old step, signed over the public address. */
  async function replayWorkflowCall(survey: OldSurvey, contactId: string) {
    const path = '/workflow-actions/request-feedback';
    const body = JSON.stringify({
      callbackId: survey.callbackId,
      origin: { portalId: HUB },
      object: { objectId: Number(contactId), objectType: 'CONTACT' },
      inputFields: { campaign: 'spring', holdout_percent: 10 },
    });
    const at = Date.now();
    const answer = await fetch(`${product.url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-HubSpot-Signature-v3': signatureV3(PRODUCT_APP.clientSecret, 'POST', PUBLIC_URL + path, body, at),
        'X-HubSpot-Request-Timestamp': String(at),
      },
      body,
    });
    return {
      status: answer.status,
      body: (await answer.json()) as { outputFields: Record<string, unknown> },
    };
  }

  const db = () => product.ctx.db.db;
  /** The survey link as the customer opens it: its path, on this test's server. */
  const onServer = (surveyUrl: string) => `${product.url}${new URL(surveyUrl).pathname}`;

  beforeAll(async () => {
    redis = await startEmbeddedRedis();
    const old = await openOldWarehouse();
    warehouse = old;
    const portalId = await addPortal(old.handle.db);
    sent = await writeOldSurvey(old.handle.db, portalId, '501');
    erased = await writeOldSurvey(old.handle.db, portalId, '502', { erased: true });
    // The migration runs as the server runs it when it opens the database: with its key.
    const secrets = migrationSecrets({ tokenEncryptionKey: TOKEN_ENCRYPTION_KEY, dataDir: old.dataDir });
    expect(await migrateToLatest(old.handle.db, { secrets })).toContain('0017-survey-links-at-rest');
    await old.handle.close();
    product = await startTestProduct({
      crmUrl: 'http://127.0.0.1:9',
      redisUrl: redis.url,
      ...(old.databaseUrl ? { databaseUrl: old.databaseUrl } : { persistent: true }),
      env: { DATA_DIR: old.dataDir, PUBLIC_URL, TOKEN_ENCRYPTION_KEY },
    });
    sealedBefore = (
      await db()
        .selectFrom('survey_requests')
        .select('token_enc')
        .where('retention_action_id', '=', sent.actionId)
        .executeTakeFirstOrThrow()
    ).token_enc;
  }, 300_000);

  afterAll(async () => {
    await product?.close();
    await warehouse?.dispose();
    await redis?.stop();
  });

  it('leaves no survey token in clear anywhere in the database', async () => {
    for (const survey of [sent, erased]) {
      expect(await tablesHolding(db(), survey.token)).toEqual([]);
      const action = await db()
        .selectFrom('retention_actions')
        .select('outputs')
        .where('id', '=', survey.actionId)
        .executeTakeFirstOrThrow();
      expect(action.outputs).toEqual({ group: 'treatment' });
    }
    const { rows } = await sql<{ row: string }>`
      select to_jsonb(r)::text as row from survey_requests r
      where retention_action_id = ${sent.actionId}`.execute(db());
    expect(rows[0]!.row).not.toContain(sent.token);
    // The token is kept for replays, encrypted as OAuth tokens are.
    expect(sealedBefore).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('answers a replayed workflow call for the old action with the same link, creating nothing', async () => {
    const actionsBefore = await db()
      .selectFrom('retention_actions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const replay = await replayWorkflowCall(sent, '501');
    expect(replay.status).toBe(200);
    expect(replay.body.outputFields).toEqual({
      survey_url: sent.surveyUrl,
      group: 'treatment',
      hs_execution_state: 'SUCCESS',
    });
    const actionsAfter = await db()
      .selectFrom('retention_actions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(actionsAfter.n)).toBe(Number(actionsBefore.n));
  });

  it('still opens the link the customer was sent, and takes one answer', async () => {
    const form = await fetch(onServer(sent.surveyUrl));
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Acme Analytics');
    const answer = await fetch(onServer(sent.surveyUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ score: '9', comment: 'Quick to answer my questions.' }).toString(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Answer received');
    const feedback = await db()
      .selectFrom('survey_requests')
      .innerJoin('feedback', (join) =>
        join
          .onRef('feedback.portal_id', '=', 'survey_requests.portal_id')
          .onRef('feedback.id', '=', 'survey_requests.feedback_id'),
      )
      .select(['feedback.score', 'feedback.comment'])
      .where('survey_requests.retention_action_id', '=', sent.actionId)
      .executeTakeFirstOrThrow();
    expect(feedback).toEqual({ score: 9, comment: 'Quick to answer my questions.' });
    expect((await fetch(onServer(sent.surveyUrl))).status).toBe(409);
    // Answered, the link is still what a replay of the step gives.
    expect((await replayWorkflowCall(sent, '501')).body.outputFields.survey_url).toBe(sent.surveyUrl);
  });

  it('drops a link whose request was erased: it opened nothing already', async () => {
    expect((await fetch(onServer(erased.surveyUrl))).status).toBe(404);
    const replay = await replayWorkflowCall(erased, '502');
    expect(replay.status).toBe(200);
    expect(replay.body.outputFields.survey_url).not.toBe(erased.surveyUrl);
  });
});

describe(`the survey links migration without the server's key, on ${testDatabaseKind()}`, () => {
  it('refuses, names TOKEN_ENCRYPTION_KEY and changes nothing', async () => {
    const old = await openOldWarehouse();
    try {
      const portalId = await addPortal(old.handle.db);
      const survey = await writeOldSurvey(old.handle.db, portalId, '601');
      await expect(migrateToLatest(old.handle.db)).rejects.toThrow(/TOKEN_ENCRYPTION_KEY/);
      const action = await old.handle.db
        .selectFrom('retention_actions')
        .select('outputs')
        .where('id', '=', survey.actionId)
        .executeTakeFirstOrThrow();
      expect(action.outputs).toEqual({ survey_url: survey.surveyUrl, group: 'treatment' });
      const columns = (await old.handle.db.introspection.getTables())
        .find((t) => t.name === 'survey_requests')!
        .columns.map((c) => c.name);
      expect(columns).not.toContain('token_enc');

      const secrets = migrationSecrets({
        tokenEncryptionKey: TOKEN_ENCRYPTION_KEY,
        dataDir: join(old.dataDir, 'unused'),
      });
      expect(await migrateToLatest(old.handle.db, { secrets })).toContain('0017-survey-links-at-rest');
      expect(await tablesHolding(old.handle.db, survey.token)).toEqual([]);
    } finally {
      await old.handle.close();
      await old.dispose();
    }
  });
});
