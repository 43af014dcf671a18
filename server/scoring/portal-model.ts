/**
 * The model that scores a portal: trained on the portal's own history when it has enough churners,
 * otherwise the documented starter model. Training rows come from several cutoffs, each labelled
 * by whether the customer churned in the horizon after it (point in time: no feature reads past
 * its cutoff).
 */
import { sql, type Kysely } from 'kysely';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { idArray } from '../features/build/time-windows.js';
import { liveContactCount } from '../features/build/contact-chunks.js';
import { featureSpecs } from '../features/catalogue.js';
import { buildTrainingSet, type TrainingRow } from '../features/labels.js';
import {
  DEFAULT_CANDIDATES,
  datasetFromRecords,
  type Candidate,
  predictProbabilities,
  type Dataset,
  type FeatureSpec,
  type TrainedModel,
} from '../model/index.js';
import { loadActiveModel, saveModel, type LoadedModel } from '../model/registry.js';
import { needsStarterModel, starterModel } from '../model/starter.js';
import type { OutOfTimeSplit } from '../model/out-of-time.js';
import { trainModelInThread } from '../model/train-in-thread.js';
import { referenceDistribution, type BinnedDistribution } from './drift.js';

const DAY_MS = 86_400_000;

/** Churn within this many days after a cutoff is the label; it is also what scores predict. */
export const HORIZON_DAYS = 90;
/**
 * Cutoffs a month apart, the latest one horizon before now: a year of them, as Exploration reads.
 * Against six, on the demo's generated portals (5,000 contacts, seeds 1–5, `bench/demo-quality.ts`)
 * the written scores ranked who leaves in the next 90 days better on every seed (0.803 → 0.812 on
 * average; with churn decided per account, as good or better on every seed, 0.783 → 0.789), for
 * about a third more CPU in a 5,000-contact first cycle. Twelve cutoffs sampled down to the rows
 * six give (18,000) took half the gain: it comes from the rows as much as from the year.
 */
const CUTOFFS = 12;
const CUTOFF_SPACING_DAYS = 30;

/**
 * What a portal's weekly job tries: the linear model and both tree depths, judged on three inner
 * folds. Trees learn at rate 0.1 (LightGBM's default) rather than 0.05: on a generated portal of
 * 20,000 contacts both rates reach the same held-out ROC-AUC (0.855), the faster in fewer rounds,
 * which is what a weekly job on every portal pays for. Each tree sees half the rows, not four
 * fifths: on the generated portals of 8 December 2026 (seeds 1–5, churn decided per contact and
 * per account) the model ranked who leaves in the next 90 days as well (0.812 and 0.785 on
 * average with four fifths, 0.814 and 0.787 with half; no seed apart by more than 0.008) for
 * about a fifth less fitting CPU. The MLP, which rarely wins on CRM aggregates and trains slowest,
 * is for CSV evaluations.
 */
const PORTAL_CANDIDATES: readonly Candidate[] = DEFAULT_CANDIDATES.filter(
  (c) => c.family === 'gbdt' || (c.family === 'logistic' && c.params.C === 1),
).map((c) =>
  c.family === 'gbdt' ? { ...c, params: { ...c.params, learningRate: 0.1, subsample: 0.5 } } : c,
);
/**
 * Shallow (depth-2) trees are tried on small training sets only. From a few thousand rows on,
 * depth 4 won the cross-validation on every generated portal measured (1,500 to 20,000 contacts,
 * by 0.003 to 0.05 of ROC-AUC, with usage data and without), while the shallow trees took about
 * two fifths of the fitting; below that, where data is scarce, they sometimes win and cost little.
 */
const SHALLOW_TREES_BELOW_ROWS = 4000;
const SHALLOW_TREES = PORTAL_CANDIDATES.flatMap((c, place) =>
  c.family === 'gbdt' && c.params.maxDepth === 2 ? [place] : [],
);
export const PORTAL_INNER_FOLDS = 3;
/** Rows a portal's model is trained on at most: a uniform sample beyond that. */
export const MAX_TRAINING_ROWS = 30_000;
/** Contacts whose history the training set reads at most: a fixed sample of a bigger portal. */
export const MAX_TRAINING_CONTACTS = 8_000;

export interface ModelReference {
  score: BinnedDistribution;
  features: Record<string, BinnedDistribution>;
}

export interface PortalTrainingOptions {
  now?: Date;
  seed?: number;
  onProgress?: (stage: 'features' | 'training', done: number, total: number) => void;
}

export interface PortalTrainingResult {
  model: LoadedModel;
  rows: number;
  churners: number;
  /** Where the time went: building the training rows, and fitting (absent for the starter). */
  seconds: { features: number; fitting?: number };
}

export function trainingCutoffs(now: Date): Date[] {
  const latest = now.getTime() - HORIZON_DAYS * DAY_MS;
  return Array.from({ length: CUTOFFS }, (_, k) => new Date(latest - k * CUTOFF_SPACING_DAYS * DAY_MS));
}

/** The catalogue as the model's feature spec, identity-like attributes flagged. */
export function portalFeatureSpec(): FeatureSpec[] {
  return featureSpecs();
}

/**
 * The rows a portal's model is trained on as of `now`: every customer active at each training
 * cutoff among at most MAX_TRAINING_CONTACTS contacts, then a uniform sample of at most
 * MAX_TRAINING_ROWS drawn before their features are built, so memory and training time stay flat
 * however large the portal grows. The same `now` and seed give the same rows.
 */
export async function portalTrainingRows(
  db: Kysely<Database>,
  portalId: number,
  now: Date,
  options: Pick<PortalTrainingOptions, 'seed' | 'onProgress'> = {},
): Promise<TrainingRow[]> {
  const rows: TrainingRow[] = [];
  const live = await liveContactCount(db, portalId);
  for await (const chunk of buildTrainingSet(db, portalId, {
    cutoffs: trainingCutoffs(now),
    horizonDays: HORIZON_DAYS,
    observedUntil: now,
    contactShare: Math.min(1, MAX_TRAINING_CONTACTS / Math.max(1, live)),
    maxRows: MAX_TRAINING_ROWS,
    seed: options.seed ?? 42,
  })) {
    rows.push(...chunk);
    options.onProgress?.('features', rows.length, 0);
  }
  return rows;
}

/**
 * Trains a model on the portal's history and makes it the active one; with fewer labelled churners
 * than the starter threshold, activates the starter model instead.
 */
export async function trainPortalModel(
  db: Kysely<Database>,
  portalId: number,
  options: PortalTrainingOptions = {},
): Promise<PortalTrainingResult> {
  const now = options.now ?? new Date();
  const started = performance.now();
  const since = (t: number) => Math.round((performance.now() - t) / 100) / 10;
  const rows = await portalTrainingRows(db, portalId, now, options);
  const churners = rows.reduce((s, r) => s + r.label, 0);
  const features = since(started);
  if (needsStarterModel(churners)) {
    const model = await activateStarter(db, portalId);
    return { model, rows: rows.length, churners, seconds: { features } };
  }
  const fitting = performance.now();
  const dataset = datasetFromRecords(
    rows.map((r) => ({ ...r.values, label: r.label, contactId: r.contactId })),
    { features: portalFeatureSpec(), label: 'label', id: 'contactId' },
  );
  const cutoffs = trainingCutoffs(now);
  const accounts = await accountOfContacts(db, portalId, [...new Set(rows.map((r) => r.contactId))]);
  // On a thread of its own: the job's event loop stays free to renew its lock and report progress.
  const trained = await trainModelInThread(dataset, {
    seed: options.seed ?? 42,
    candidates: PORTAL_CANDIDATES,
    ...(dataset.size >= SHALLOW_TREES_BELOW_ROWS ? { skip: SHALLOW_TREES } : {}),
    innerFolds: PORTAL_INNER_FOLDS,
    groups: validationGroups(rows, accounts),
    outOfTime: outOfTimeSplit(rows, cutoffs),
    window: {
      from: cutoffs[cutoffs.length - 1]!.toISOString(),
      to: new Date(cutoffs[0]!.getTime() + HORIZON_DAYS * DAY_MS).toISOString(),
    },
    ...(options.onProgress ? { onProgress: (d, t) => options.onProgress!('training', d, t) } : {}),
  });
  const fitted = since(fitting);
  const stored = await saveModel(db, portalId, trained, { activate: true });
  await saveReference(db, stored.id, await modelReference(trained, dataset));
  return {
    model: { ...stored, model: trained },
    rows: rows.length,
    churners,
    seconds: { features, fitting: fitted },
  };
}

/**
 * The group each contact's rows are validated in: its primary company (an account's contacts share
 * its fate, so a fold must not see some of them while judging the others), else another company
 * it is linked to; contacts without a company are groups of their own.
 */
export async function accountOfContacts(
  db: Kysely<Database>,
  portalId: number,
  contactIds: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await sql<{ id: string; company_id: string | null }>`
    select c.id, coalesce(c.company_id, (
      select min(a.to_id) from associations a
      where a.portal_id = c.portal_id and a.from_type = 'contacts' and a.from_id = c.id
        and a.to_type = 'companies'
    )) as company_id
    from contacts c
    where c.portal_id = ${portalId} and c.id = any(${idArray(contactIds)})`.execute(db);
  return new Map(rows.flatMap((r) => (r.company_id ? [[r.id, `company:${r.company_id}`] as const] : [])));
}

/**
 * Each row's group: its contact's account, else the contact. Should a portal's churn sit in fewer
 * accounts than there are folds (two big customers, say), by contact: grouped folds could not all
 * hold a churner otherwise.
 */
export function validationGroups(
  rows: readonly TrainingRow[],
  accounts: ReadonlyMap<string, string>,
): string[] {
  const byContact = rows.map((r) => `contact:${r.contactId}`);
  const byAccount = rows.map((r, i) => accounts.get(r.contactId) ?? byContact[i]!);
  const churnedAccounts = new Set(byAccount.filter((_, i) => rows[i]!.label === 1));
  return churnedAccounts.size >= PORTAL_INNER_FOLDS ? byAccount : byContact;
}

/**
 * The out-of-time check as the model is used: fitted on the cutoffs whose horizon had ended by the
 * latest cutoff, judged on the latest cutoff's customers. The fit period named is that of the rows
 * the check fits on, not of the cutoffs asked for.
 */
export function outOfTimeSplit(rows: readonly TrainingRow[], cutoffs: readonly Date[]): OutOfTimeSplit {
  const latest = Math.max(...cutoffs.map((c) => c.getTime()));
  const known = latest - HORIZON_DAYS * DAY_MS;
  const fit: number[] = [];
  const validate: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  rows.forEach((row, i) => {
    const at = row.cutoff.getTime();
    if (at === latest) validate.push(i);
    else if (at <= known) {
      fit.push(i);
      first = Math.min(first, at);
      last = Math.max(last, at);
    }
  });
  return {
    fit,
    validate,
    ...(fit.length > 0
      ? { fitPeriod: { from: new Date(first).toISOString(), to: new Date(last).toISOString() } }
      : {}),
    validateAt: new Date(latest).toISOString(),
  };
}

async function activateStarter(db: Kysely<Database>, portalId: number): Promise<LoadedModel> {
  const current = await loadActiveModel(db, portalId);
  if (current?.isStarter) return current;
  const model = starterModel(portalFeatureSpec());
  const stored = await saveModel(db, portalId, model, { activate: true });
  return { ...stored, model };
}

/** The active model, or the starter model activated for a portal that has none yet. */
export async function activePortalModel(db: Kysely<Database>, portalId: number): Promise<LoadedModel> {
  return (await loadActiveModel(db, portalId)) ?? activateStarter(db, portalId);
}

/** Distributions of the training rows' scores and numeric features, to measure drift against. */
export async function modelReference(model: TrainedModel, dataset: Dataset): Promise<ModelReference> {
  const probabilities = await predictProbabilities(model, dataset);
  const features: Record<string, BinnedDistribution> = {};
  for (const column of dataset.columns) {
    if (column.kind !== 'categorical') features[column.name] = referenceDistribution(column.values);
  }
  return { score: referenceDistribution(probabilities), features };
}

export async function saveReference(
  db: Kysely<Database>,
  modelId: number,
  reference: ModelReference,
): Promise<void> {
  await db
    .updateTable('models')
    .set({ reference: json(reference) })
    .where('id', '=', modelId)
    .execute();
}

export async function loadReference(db: Kysely<Database>, modelId: number): Promise<ModelReference | null> {
  const row = await db.selectFrom('models').select('reference').where('id', '=', modelId).executeTakeFirst();
  return (row?.reference as ModelReference | null | undefined) ?? null;
}
