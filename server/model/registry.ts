/**
 * The model registry: each portal's models in the `models` table, versioned 1, 2, 3…, with the
 * feature spec, parameters, metrics and the whole model as a versioned artifact. At most one is
 * active per portal; activating one retires the one before, in one transaction.
 */
import { sql, type Kysely } from 'kysely';
import { json, type Database } from '../db/index.js';
import { parseModel } from './serialize.js';
import type { TrainedModel } from './model.js';

export type ModelStatus = 'trained' | 'active' | 'retired';

export interface StoredModel {
  id: number;
  portalId: number;
  version: number;
  family: string;
  status: ModelStatus;
  isStarter: boolean;
  trainedAt: Date;
  activatedAt: Date | null;
  metrics: Record<string, unknown>;
}

export interface LoadedModel extends StoredModel {
  model: TrainedModel;
}

/** Stores a model as the portal's next version; `activate` makes it the one that scores. */
export async function saveModel(
  db: Kysely<Database>,
  portalId: number,
  model: TrainedModel,
  options: { activate?: boolean } = {},
): Promise<StoredModel> {
  return db.transaction().execute(async (trx) => {
    // Serialise concurrent saves for one portal so versions stay 1, 2, 3… without gaps or clashes.
    // The key is hashed from a name of its own, so it never meets other advisory locks' keys.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`churn-radar:models:${portalId}`}, 0))`.execute(
      trx,
    );
    const { next } = await trx
      .selectFrom('models')
      .select(sql<number>`coalesce(max(version), 0) + 1`.as('next'))
      .where('portal_id', '=', portalId)
      .executeTakeFirstOrThrow();
    const { metrics, ...rest } = model;
    const row = await trx
      .insertInto('models')
      .values({
        portal_id: portalId,
        version: Number(next),
        family: model.isStarter ? 'starter' : model.predictor.family,
        is_starter: model.isStarter,
        feature_spec: json(model.encoder.features),
        params: json({
          ...model.predictor.params,
          seed: model.seed,
          training: model.training,
          selection: rest.selection,
        }),
        metrics: json(metrics ?? {}),
        artifact: json(model),
        trained_at: model.isStarter ? new Date() : model.trainedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (options.activate) await activateIn(trx, portalId, row.id);
    return toStored(
      await trx.selectFrom('models').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow(),
    );
  });
}

/** Makes a stored model the portal's active one and retires the previously active one. */
export async function activateModel(db: Kysely<Database>, portalId: number, modelId: number): Promise<void> {
  await db.transaction().execute((trx) => activateIn(trx, portalId, modelId));
}

async function activateIn(trx: Kysely<Database>, portalId: number, modelId: number): Promise<void> {
  const target = await trx
    .selectFrom('models')
    .select('id')
    .where('id', '=', modelId)
    .where('portal_id', '=', portalId)
    .executeTakeFirst();
  if (!target) throw new Error(`model ${modelId} does not belong to portal ${portalId}`);
  await trx
    .updateTable('models')
    .set({ status: 'retired' })
    .where('portal_id', '=', portalId)
    .where('status', '=', 'active')
    .where('id', '!=', modelId)
    .execute();
  await trx
    .updateTable('models')
    .set({ status: 'active', activated_at: sql`now()` })
    .where('id', '=', modelId)
    .execute();
}

/** The portal's active model, reloaded from its artifact (undefined when none is active). */
export async function loadActiveModel(
  db: Kysely<Database>,
  portalId: number,
): Promise<LoadedModel | undefined> {
  const row = await db
    .selectFrom('models')
    .selectAll()
    .where('portal_id', '=', portalId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row ? { ...toStored(row), model: parseModel(row.artifact) } : undefined;
}

export async function loadModel(db: Kysely<Database>, modelId: number): Promise<LoadedModel | undefined> {
  const row = await db.selectFrom('models').selectAll().where('id', '=', modelId).executeTakeFirst();
  return row ? { ...toStored(row), model: parseModel(row.artifact) } : undefined;
}

/** The portal's models, newest version first, without their artifacts. */
export async function listModels(db: Kysely<Database>, portalId: number): Promise<StoredModel[]> {
  const rows = await db
    .selectFrom('models')
    .select([
      'id',
      'portal_id',
      'version',
      'family',
      'status',
      'is_starter',
      'trained_at',
      'activated_at',
      'metrics',
    ])
    .where('portal_id', '=', portalId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toStored);
}

function toStored(row: {
  id: number;
  portal_id: number;
  version: number;
  family: string;
  status: string;
  is_starter: boolean;
  trained_at: Date;
  activated_at: Date | null;
  metrics: Record<string, unknown>;
}): StoredModel {
  return {
    id: Number(row.id),
    portalId: row.portal_id,
    version: row.version,
    family: row.family,
    status: row.status as ModelStatus,
    isStarter: row.is_starter,
    trainedAt: row.trained_at,
    activatedAt: row.activated_at,
    metrics: row.metrics,
  };
}
