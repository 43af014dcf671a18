/**
 * A portal's settings, as its admin sets them: what "churned" means, how scores become tiers, the
 * default holdout of retention actions, when the weekly cycle runs, and who may start plays from
 * the risk card. Stored in
 * `portals.settings` (jsonb); every reader goes through `loadPortalSettings`, so a missing or
 * older value reads as the defaults, and every writer through `updatePortalSettings`, so nothing
 * invalid is ever stored.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { cardPlaysRuleSchema, DEFAULT_CARD_PLAYS_RULE } from './card-plays-rule.js';
import { churnRuleSchema, DEFAULT_CHURN_RULE } from './churn-rule.js';
import { settingsProblems, settingsRefusal, type SettingsProblem } from './settings-messages.js';
import { isCustomerStage, stageLabel } from './stage-options.js';

const share = z.number().min(0).max(1);

/**
 * How a probability becomes low / medium / high.
 * - `share`: the riskiest `highShare` of the portal's contacts are high, the next `mediumShare` medium.
 * - `cost_aware`: high where the expected value saved by treating the contact exceeds the offer's
 *   cost: p × saveRate × value > offerCost, with value from a contact or deal amount property.
 */
export const tierPolicySchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('share'), highShare: share.default(0.1), mediumShare: share.default(0.2) })
    // Checked once both shares are in range: a share out of range has its own message.
    .refine((t) => t.highShare > 1 || t.mediumShare > 1 || t.highShare + t.mediumShare <= 1 + 1e-9, {
      message: 'The high and medium shares together cannot exceed 100 %',
      path: ['mediumShare'],
    }),
  z.object({
    kind: z.literal('cost_aware'),
    /** What one retention action costs, in the portal's currency. */
    offerCost: z.number().positive().max(1e9),
    /** The share of churners the action keeps, e.g. 0.3. */
    saveRate: z.number().gt(0).max(1),
    /** The contact property holding the customer's value (ARR); missing: the last won deal's amount. */
    valueProperty: z
      .string()
      .regex(/^[a-z0-9_]{1,100}$/)
      .nullable()
      .default(null),
    /** Value assumed when a contact has none. */
    defaultValue: z.number().min(0).max(1e12).default(0),
    /** Medium: within this factor of the break-even point (e.g. 0.5 = worth at least half the cost). */
    mediumFactor: z.number().gt(0).max(1).default(0.5),
  }),
]);
export type TierPolicy = z.infer<typeof tierPolicySchema>;

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const weeklyScheduleSchema = z.object({
  day: z.enum(DAYS).default('monday'),
  hour: z.number().int().min(0).max(23).default(6),
  timeZone: z
    .string()
    .refine(isTimeZone, 'Choose a time zone from the list, such as Europe/London')
    .default('UTC'),
});
export type WeeklySchedule = z.infer<typeof weeklyScheduleSchema>;

export const portalSettingsSchema = z.object({
  churnRule: churnRuleSchema.default(DEFAULT_CHURN_RULE),
  tiers: tierPolicySchema.default({ kind: 'share', highShare: 0.1, mediumShare: 0.2 }),
  /** Share of enrolled contacts kept as control when a workflow action sets no holdout of its own. */
  defaultHoldoutPercent: z.number().min(0).max(50).default(10),
  schedule: weeklyScheduleSchema.default({ day: 'monday', hour: 6, timeZone: 'UTC' }),
  /** Retrain when the active model is older than this, even without drift. */
  retrainAfterDays: z.number().int().min(7).max(365).default(30),
  /** Population stability index above which a run flags drift and schedules retraining. */
  driftPsiThreshold: z.number().gt(0).max(5).default(0.2),
  /** Who may start plays from the HubSpot risk card (see card-plays-rule.ts). */
  cardPlays: cardPlaysRuleSchema.default(DEFAULT_CARD_PLAYS_RULE),
});
export type PortalSettings = z.infer<typeof portalSettingsSchema>;

/** The defaults, as a portal that never changed anything reads them. */
export const DEFAULT_PORTAL_SETTINGS: PortalSettings = portalSettingsSchema.parse({});

/**
 * A change to some settings; each given key replaces that setting whole. The holdout is written
 * as a whole percentage (a stored fraction an older release wrote still reads).
 */
export const portalSettingsPatchSchema = portalSettingsSchema
  .extend({ defaultHoldoutPercent: z.number().int().min(0).max(50) })
  .partial()
  .strict();
export type PortalSettingsPatch = z.infer<typeof portalSettingsPatchSchema>;

/** A change refused: `details` says, per field of the Settings form, what to enter instead. */
export class PortalSettingsError extends Error {
  readonly code = 'invalid_settings';
  constructor(readonly details: SettingsProblem[]) {
    super(settingsRefusal(details));
  }
}

export class PortalNotFoundError extends Error {
  readonly code = 'portal_not_found';
}

function parseStored(stored: Record<string, unknown>): PortalSettings {
  const parsed = portalSettingsSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  // A stored value that no longer parses (written by an older release) falls back key by key.
  const settings: Record<string, unknown> = { ...DEFAULT_PORTAL_SETTINGS };
  for (const [key, field] of Object.entries(portalSettingsSchema.shape)) {
    const one = field.safeParse(stored[key]);
    if (one.success) settings[key] = one.data;
  }
  return settings as PortalSettings;
}

export async function loadPortalSettings(db: Kysely<Database>, portalId: number): Promise<PortalSettings> {
  const row = await db.selectFrom('portals').select('settings').where('id', '=', portalId).executeTakeFirst();
  if (!row) throw new PortalNotFoundError(`Portal ${portalId} does not exist`);
  return parseStored(row.settings);
}

/**
 * Validates `patch` and stores it over the current settings, with an audit entry naming who
 * changed what. Returns the settings now in force. Invalid input throws and stores nothing.
 */
export async function updatePortalSettings(
  db: Kysely<Database>,
  portalId: number,
  patch: unknown,
  actor: string,
): Promise<PortalSettings> {
  const parsed = portalSettingsPatchSchema.safeParse(patch);
  if (!parsed.success) throw new PortalSettingsError(settingsProblems(parsed.error));
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('portals')
      .select(['settings', 'crm'])
      .where('id', '=', portalId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new PortalNotFoundError(`Portal ${portalId} does not exist`);
    const rule = parsed.data.churnRule;
    if (rule?.kind === 'lifecycle_stage' && rule.formerStage && isCustomerStage(row.crm, rule.formerStage)) {
      const stage = stageLabel(row.crm, rule.formerStage);
      throw new PortalSettingsError([
        {
          field: 'formerStage',
          message: `“${stage}” is a customer stage: choose the stage customers move to when they leave`,
        },
      ]);
    }
    const next = portalSettingsSchema.parse({ ...parseStored(row.settings), ...parsed.data });
    await trx
      .updateTable('portals')
      .set({ settings: json(next), updated_at: sql`now()` })
      .where('id', '=', portalId)
      .execute();
    await trx
      .insertInto('audit_log')
      .values({
        portal_id: portalId,
        actor,
        action: 'settings.updated',
        details: json({ changed: Object.keys(parsed.data) }),
      })
      .execute();
    return next;
  });
}
