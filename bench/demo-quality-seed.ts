/**
 * One seed of bench/demo-quality.ts: a fresh sandbox portal, the product installed on it like
 * `npm run demo` (usage streamed in while the first sync runs), its first cycle awaited; then the
 * active model's figures as the Model page shows them, the written scores against the sandbox's
 * hidden truth (who leaves in the next 90 days, `churnsWithin90Days`), and a logistic regression
 * fitted on the model's own training rows as a baseline.
 * Everything it starts is closed before it returns.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { forwardUsageEvents } from '../cli/demo-install.js';
import { generatePortal, type ChurnUnit } from '../sandbox/generator/index.js';
import { startSandbox } from '../sandbox/main.js';
import type { PortalData } from '../sandbox/store.js';
import { loadModelReport } from '../server/api/dashboard/model-report.js';
import { HUBSPOT_RATE_LIMITS } from '../server/crm/rate-limit.js';
import type { Database } from '../server/db/schema.js';
import { findPortalByExternalId } from '../server/db/portals.js';
import { featuresOfContacts } from '../server/features/build/build-features.js';
import { loadContacts } from '../server/features/build/contact-chunks.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import type { TrainingMetrics } from '../server/model/model.js';
import {
  rocAucDifferenceOverGroups,
  rocAucOverGroups,
  type Interval,
  type OutOfTimeCheck,
} from '../server/model/out-of-time.js';
import { loadModel } from '../server/model/registry.js';
import {
  datasetFromRecords,
  predictProbabilities,
  trainModel,
  type Dataset,
  type TrainedModel,
} from '../server/model/index.js';
import {
  accountOfContacts,
  HORIZON_DAYS,
  outOfTimeSplit,
  PORTAL_INNER_FOLDS,
  portalFeatureSpec,
  portalTrainingRows,
  trainingCutoffs,
  validationGroups,
} from '../server/scoring/portal-model.js';
import { latestRunProgress } from '../server/scoring/runs.js';
import { createUsageApiKey } from '../server/sync/usage/api-keys.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { rocAuc } from '../tests/support/roc-auc.js';

const HUB = 720;
const SCORED_TIERS = new Set(['low', 'medium', 'high']);

export interface LogisticBaseline {
  /** The candidate's grouped cross-validated ROC-AUC (mean over folds), from the model's selection. */
  cvRocAuc: number;
  /** The same, refitted here: equal to the stored figure when the rows are the model's own. */
  refitCvRocAuc: number;
  outOfTime: number | null;
  hiddenTruth: number;
  /**
   * The model and this logistic regression averaged on the logit scale, against the same hidden
   * truth: what blending the two would give, before anyone builds it.
   */
  blendHiddenTruth: number;
  /**
   * The model's hidden-truth ROC-AUC (unrounded) minus this one's, with its 95 % interval over the
   * same resamples of accounts for both: whether the model is below it beyond noise.
   */
  modelMinusLogistic: Interval;
}

/** The baseline's figures from its own rows, before it is set against the hidden truth. */
type MeasuredBaseline = Omit<LogisticBaseline, 'hiddenTruth' | 'blendHiddenTruth' | 'modelMinusLogistic'>;

export interface LabelFigure {
  rocAuc: number;
  churners: number;
  /** Its 95 % interval over resamples of accounts, where the summary needs it. */
  interval?: Interval;
}

export interface SeedQuality {
  seed: number;
  /** Wall time from the install to the first cycle's end. */
  cycleSeconds: number;
  model: {
    version: number;
    family: string;
    isStarter: boolean;
    /** Pooled over the held-out rows of every fold, as the Model page shows it. */
    cvRocAuc: number | null;
    cvSplit: string | null;
    /** The chosen candidate's mean ROC-AUC over the folds: what the selection compared. */
    selectionCvRocAuc: number | null;
    outOfTime: OutOfTimeCheck | null;
  };
  hiddenTruth: {
    /** The written `churn_risk_score` (to a tenth of a point, so few ties) against who leaves in the next 90 days. */
    written: number;
    /**
     * The same with its 95 % interval over resamples of accounts (a contact without one alone), as
     * the out-of-time check's own interval is drawn: how far the figure moves by which customers a
     * portal happens to have.
     */
    writtenInterval: Interval;
    /** The active model's unrounded probabilities on the same contacts, recomputed here. */
    unrounded: number;
    churners: number;
    customers: number;
    /**
     * The ceiling: the generator's own hidden state on the same contacts (who has decided already
     * counted as certain, everyone else at the weekly risk of leaving the churn process had for
     * them at the end of the history, frailty and the company's shock included; with churn decided
     * per account, the account's risk, its customers' averaged). No model that
     * sees only the CRM can be expected to reach it: the rest is the weekly draws still to come.
     */
    oracle: number;
    /**
     * The same ceiling without the drivers no record shows (frailty and the company's shock): the
     * weekly log-odds of the drivers with a trace in the CRM (usage, its fall, satisfaction,
     * tickets, ignored emails, price, tenure, the renewal window), taken at their true values,
     * which the CRM shows only through noisy traces. Above what a model of the CRM can reach.
     */
    visibleOracle: number;
    /**
     * Among the customers still undecided at the end of the history: the written score and the
     * visible ceiling against who decides within the 90 days (forecasting, not detection).
     */
    futureDeciders: { rocAuc: number; visibleOracle: number; churners: number; customers: number };
    /** The written score against who had decided already by the end of the history (a subset). */
    alreadyDecided: LabelFigure;
    /** The written score against whose churn the CRM shows within the 90 days (the product's label). */
    shownWithin90Days: LabelFigure;
    /** Scored contacts the truth calls prospects or visibly churned (should be none). */
    notActive: number;
    /** Active customers by the truth that got no score (should be none). */
    unscored: number;
  };
  logistic: LogisticBaseline | null;
}

/** `churnUnit`: who decides to leave in the generated portal, each customer or each account. */
export async function measureSeed(
  seed: number,
  contacts: number,
  multiplier: number,
  churnUnit: ChurnUnit = 'contact',
): Promise<SeedQuality> {
  const redis = await startEmbeddedRedis();
  const sandbox = await startSandbox({
    portals: [HUB],
    // HubSpot's 110 calls per rolling 10 s and 5 searches a second, raised K times.
    rateLimits: { tenSecondlyMax: Math.round(110 * multiplier), searchPerSecond: Math.round(5 * multiplier) },
  });
  try {
    const portal = sandbox.store.portal(HUB)!;
    const { to: now } = generatePortal(portal, { contacts, seed, churnUnit });
    const product = await startTestProduct({
      crmUrl: sandbox.url,
      redisUrl: redis.url,
      env: {
        HUBSPOT_RATE_LIMIT_PER_SECOND: String(HUBSPOT_RATE_LIMITS.generalPerSecond * multiplier),
        HUBSPOT_SEARCH_RATE_LIMIT_PER_SECOND: String(
          Math.floor(HUBSPOT_RATE_LIMITS.searchPerSecond * multiplier),
        ),
      },
    });
    try {
      sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
      const worker = await product.startWorker();
      const db = product.ctx.db.db;
      const started = performance.now();
      await walkInstall(product.url, { portalId: HUB });
      const portalId = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
      const key = await createUsageApiKey(db, portalId);
      await forwardUsageEvents(product.url, key.key, portal.usageEvents);
      await firstCycle(db, portalId);
      const cycleSeconds = (performance.now() - started) / 1000;
      await worker.close(1000);
      const measured = await measurePortal(db, portalId, portal, now);
      return { seed, cycleSeconds, ...measured };
    } finally {
      await product.close();
    }
  } finally {
    await sandbox.close();
    await redis.stop();
  }
}

/** Polled once a second: a tighter poll of the in-process database would take CPU from the cycle. */
async function firstCycle(db: Kysely<Database>, portalId: number): Promise<void> {
  const deadline = Date.now() + 3600_000;
  for (;;) {
    const run = await latestRunProgress(db, portalId);
    if (run?.status === 'succeeded') return;
    if (run?.status === 'failed') throw new Error(`the first cycle failed: ${JSON.stringify(run.summary)}`);
    if (Date.now() > deadline) throw new Error('the first cycle did not finish within an hour');
    await sleep(1000);
  }
}

async function measurePortal(
  db: Kysely<Database>,
  portalId: number,
  crm: PortalData,
  now: Date,
): Promise<Omit<SeedQuality, 'seed' | 'cycleSeconds'>> {
  // What GET /api/v1/portals/:id/model answers, i.e. what the Model page shows.
  const report = await loadModelReport(db, portalId);
  if (!report.active) throw new Error('the portal has no active model');
  const loaded = (await loadModel(db, report.active.id))!;
  const metrics = report.active.metrics as Partial<TrainingMetrics>;
  const run = await db
    .selectFrom('scoring_runs')
    .select(['model_id', 'as_of'])
    .where('portal_id', '=', portalId)
    .where('status', '=', 'succeeded')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  if (run.model_id !== loaded.id)
    throw new Error(`the run scored with model ${run.model_id}, not the active one`);

  // The contacts the product scored as active customers: a written tier and numeric score.
  const scored = [...crm.recordsOf('contacts').values()].filter(
    (c) =>
      !c.archived &&
      SCORED_TIERS.has(c.properties.churn_risk_tier ?? '') &&
      c.properties.churn_risk_score !== '',
  );
  // Their hidden truth: a churner leaves in the 90 days after the end of the generated history,
  // having decided already while the CRM does not show it yet, or deciding within those days as
  // the generator's churn process, continued past the end, has it. Beside it, the part of it that
  // had decided already, and whose churn the CRM shows within the 90 days (a churn shows 14 to 56
  // days after the decision, so late deciders show only after the horizon).
  const truths = scored.map((c) => crm.truth.get(c.id));
  const labels = truths.map((t) => t?.churnsWithin90Days === true);
  const decided = truths.map((t) => t !== undefined && t.churnDecidedAt !== null);
  const horizonEnd = now.getTime() + HORIZON_DAYS * 86_400_000;
  const shown = truths.map(
    (t) =>
      t !== undefined &&
      ((t.churnDecidedAt !== null && t.churnVisibleAt === null) ||
        (t.forwardVisibleAt != null && t.forwardVisibleAt.getTime() <= horizonEnd)),
  );
  const written = scored.map((c) => Number(c.properties.churn_risk_score));
  const figure = (churned: boolean[]): LabelFigure => ({
    rocAuc: rocAuc(written, churned),
    churners: churned.filter(Boolean).length,
  });
  const accounts = await accountOfContacts(
    db,
    portalId,
    scored.map((c) => c.id),
  );
  const groups = scored.map((c) => accounts.get(c.id) ?? `contact:${c.id}`);
  const scoredIds = new Set(scored.map((c) => c.id));
  const activeByTruth = [...crm.truth.values()].filter((t) => t.churnVisibleAt === null);

  // Both models on the same feature rows, as of the run that wrote the scores.
  const rows = await loadContacts(db, portalId, { ids: scored.map((c) => c.id) });
  const features = await featuresOfContacts(db, portalId, run.as_of!, rows);
  const byId = new Map(features.map((f) => [f.contactId, f.values]));
  const dataset = datasetFromRecords(
    scored.map((c) => byId.get(c.id)!),
    { features: portalFeatureSpec() },
  );
  const probabilities = await predictProbabilities(loaded.model, dataset);
  const logistic = loaded.isStarter ? null : await logisticBaseline(db, portalId, loaded.model);
  return {
    model: {
      version: loaded.version,
      family: loaded.family,
      isStarter: loaded.isStarter,
      cvRocAuc: metrics.roc_auc ?? null,
      cvSplit: metrics.cv_split ?? null,
      selectionCvRocAuc: loaded.model.selection.find((c) => c.chosen)?.cvRocAuc ?? null,
      outOfTime: metrics.out_of_time ?? null,
    },
    hiddenTruth: {
      written: rocAuc(written, labels),
      writtenInterval: rocAucOverGroups(written, labels, groups, loaded.model.seed),
      unrounded: rocAuc([...probabilities], labels),
      oracle: rocAuc(
        truths.map((t) => (t === undefined ? 0 : t.churnDecidedAt !== null ? 2 : t.risk)),
        labels,
      ),
      visibleOracle: rocAuc(
        truths.map((t) =>
          t === undefined ? 0 : t.churnDecidedAt !== null ? Number.MAX_VALUE : visibleLogit(t),
        ),
        labels,
      ),
      futureDeciders: futureDeciders(truths, written, labels),
      churners: labels.filter(Boolean).length,
      customers: labels.length,
      alreadyDecided: figure(decided),
      shownWithin90Days: {
        ...figure(shown),
        interval: rocAucOverGroups(written, shown, groups, loaded.model.seed),
      },
      notActive: truths.filter((t) => t === undefined || t.churnVisibleAt !== null).length,
      unscored: activeByTruth.filter((t) => !scoredIds.has(t.contactId)).length,
    },
    logistic: logistic && (await withLogistic(logistic, dataset, probabilities, labels, groups)),
  };
}

async function withLogistic(
  logistic: { baseline: MeasuredBaseline; model: TrainedModel },
  dataset: Dataset,
  modelProbabilities: Float64Array,
  labels: boolean[],
  groups: readonly string[],
): Promise<LogisticBaseline> {
  const own = await predictProbabilities(logistic.model, dataset);
  const logit = (p: number) => Math.log(Math.max(p, 1e-9) / Math.max(1 - p, 1e-9));
  const blend = Array.from(own, (p, i) => logit(p) + logit(modelProbabilities[i]!));
  return {
    ...logistic.baseline,
    hiddenTruth: rocAuc([...own], labels),
    blendHiddenTruth: rocAuc(blend, labels),
    modelMinusLogistic: rocAucDifferenceOverGroups(
      modelProbabilities,
      own,
      labels,
      groups,
      logistic.model.seed,
    ),
  };
}

/**
 * The portal model's logistic candidate refitted on the model's own training rows (rebuilt as
 * trainPortalModel builds them, at the time its window ends, with its seed), with the same grouped
 * folds and out-of-time split. The rebuilt rows must match the stored count and churners, and the
 * refit's cross-validated ROC-AUC then matches the stored selection's (the fit is deterministic).
 */
async function logisticBaseline(
  db: Kysely<Database>,
  portalId: number,
  stored: TrainedModel,
): Promise<{
  baseline: MeasuredBaseline;
  model: TrainedModel;
} | null> {
  const chosen = stored.selection.find((c) => c.family === 'logistic');
  if (!chosen || !stored.training.window) return null;
  const now = new Date(stored.training.window.to);
  const cutoffs = trainingCutoffs(now);
  const rows = await portalTrainingRows(db, portalId, now, { seed: stored.seed });
  const positives = rows.reduce((s, r) => s + r.label, 0);
  if (rows.length !== stored.training.rows || positives !== stored.training.positives)
    throw new Error(
      `the rebuilt training set (${rows.length} rows, ${positives} churners) is not the model's ` +
        `(${stored.training.rows}, ${stored.training.positives})`,
    );
  const dataset = datasetFromRecords(
    rows.map((r) => ({ ...r.values, label: r.label, contactId: r.contactId })),
    { features: portalFeatureSpec(), label: 'label', id: 'contactId' },
  );
  const model = await trainModel(dataset, {
    seed: stored.seed,
    candidates: [{ family: 'logistic', params: { C: chosen.params.C! } }],
    innerFolds: PORTAL_INNER_FOLDS,
    groups: validationGroups(
      rows,
      await accountOfContacts(db, portalId, [...new Set(rows.map((r) => r.contactId))]),
    ),
    outOfTime: outOfTimeSplit(rows, cutoffs),
  });
  const check = model.metrics?.out_of_time;
  return {
    model,
    baseline: {
      cvRocAuc: chosen.cvRocAuc,
      refitCvRocAuc: model.selection[0]!.cvRocAuc,
      outOfTime: check?.status === 'measured' ? check.roc_auc.value : null,
    },
  };
}

/** The churn process's weekly log-odds from the drivers with a trace in the CRM (see `visibleOracle`). */
const UNSEEN_DRIVERS = new Set(['frailty', 'companyShock']);
function visibleLogit(truth: { drivers: Record<string, number> }): number {
  return Object.entries(truth.drivers).reduce(
    (sum, [name, value]) => sum + (UNSEEN_DRIVERS.has(name) ? 0 : value),
    0,
  );
}

function futureDeciders(
  truths: readonly ({ churnDecidedAt: Date | null; drivers: Record<string, number> } | undefined)[],
  written: readonly number[],
  labels: readonly boolean[],
): SeedQuality['hiddenTruth']['futureDeciders'] {
  const undecided = truths.flatMap((t, i) => (t !== undefined && t.churnDecidedAt === null ? [i] : []));
  const churned = undecided.map((i) => labels[i]!);
  return {
    rocAuc: rocAuc(
      undecided.map((i) => written[i]!),
      churned,
    ),
    visibleOracle: rocAuc(
      undecided.map((i) => visibleLogit(truths[i]!)),
      churned,
    ),
    churners: churned.filter(Boolean).length,
    customers: undecided.length,
  };
}
