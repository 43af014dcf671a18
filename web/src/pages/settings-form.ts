/**
 * The Settings form as typed: every field under its input's name (the names the server's refusals
 * use), numbers kept as the text typed so that nothing typed is ever read as 0. `settingsOf` turns
 * a form into the settings to send, or says, per field, what to enter instead, in the same words
 * as the server (server/settings/settings-messages.ts).
 */
import type { CardPlaysDecision, CardPlaysRule } from '../../../server/api/contracts/card-plays.js';

export type ChurnRule =
  | { kind: 'lifecycle_stage'; formerStage?: string; renewalLost: boolean; renewalDealTypes?: string[] }
  | { kind: 'property'; property: string; dateProperty?: string }
  | { kind: 'no_purchase'; days: number };

export type TierPolicy =
  | { kind: 'share'; highShare: number; mediumShare: number }
  | {
      kind: 'cost_aware';
      offerCost: number;
      saveRate: number;
      valueProperty: string | null;
      defaultValue: number;
      mediumFactor: number;
    };

export interface WeeklySchedule {
  day: string;
  hour: number;
  timeZone: string;
}

export interface Settings {
  churnRule: ChurnRule;
  tiers: TierPolicy;
  defaultHoldoutPercent: number;
  schedule: WeeklySchedule;
  retrainAfterDays: number;
  driftPsiThreshold: number;
  /** Who may start plays from the risk card; its own part of the page edits it (settings-card-plays.tsx). */
  cardPlays: CardPlaysRule;
}

/** The settings this form edits and sends. */
export type FormSettings = Omit<Settings, 'driftPsiThreshold' | 'cardPlays'>;

export interface StageOption {
  value: string;
  label: string;
}

/** GET and PUT …/settings: the settings, and what the form offers to choose from. */
export interface SettingsAnswer extends Settings {
  options: { stages: StageOption[]; defaultFormerStage: string; cardPlays: CardPlaysDecision };
}

export interface SettingsForm {
  churnRuleKind: ChurnRule['kind'];
  /** The stage chosen; the CRM's default stage stands for a rule that names none. */
  formerStage: string;
  renewalLost: boolean;
  churnProperty: string;
  noPurchaseDays: string;
  tierKind: TierPolicy['kind'];
  highShare: string;
  mediumShare: string;
  offerCost: string;
  saveRate: string;
  valueProperty: string;
  defaultValue: string;
  defaultHoldoutPercent: string;
  scheduleDay: string;
  scheduleHour: string;
  timeZone: string;
  retrainAfterDays: string;
}

export type FieldName = keyof SettingsForm;

/** What to enter instead, by field: the form's own checks, or the server's. */
export type Problems = Partial<Record<string, string>>;

interface NumberSpec {
  min: number;
  max: number;
  /** A value equal to `min` is refused (a cost, a rate). */
  aboveMin?: boolean;
  whole?: boolean;
  /** Typed as a percentage: "10 %" reads as 10. */
  percent?: boolean;
  example: string;
  /** What to enter, said whatever was wrong with the value. */
  message: string;
}

const NUMBERS = {
  noPurchaseDays: {
    min: 1,
    max: 3650,
    whole: true,
    example: '365',
    message: 'Enter a whole number of days from 1 to 3650',
  },
  highShare: { min: 0, max: 100, percent: true, example: '10', message: 'Enter a percentage from 0 to 100' },
  mediumShare: {
    min: 0,
    max: 100,
    percent: true,
    example: '20',
    message: 'Enter a percentage from 0 to 100',
  },
  offerCost: { min: 0, max: 1e9, aboveMin: true, example: '50', message: 'Enter an amount above 0' },
  saveRate: {
    min: 0,
    max: 100,
    aboveMin: true,
    percent: true,
    example: '30',
    message: 'Enter a percentage above 0, up to 100',
  },
  defaultValue: { min: 0, max: 1e12, example: '1000', message: 'Enter an amount of 0 or more' },
  defaultHoldoutPercent: {
    min: 0,
    max: 50,
    whole: true,
    percent: true,
    example: '10',
    message: 'Enter a whole number from 0 to 50',
  },
  retrainAfterDays: {
    min: 7,
    max: 365,
    whole: true,
    example: '30',
    message: 'Enter a whole number of days from 7 to 365',
  },
} satisfies Partial<Record<FieldName, NumberSpec>>;

type NumberField = keyof typeof NUMBERS;

export const SHARES_TOO_LARGE = 'The high and medium shares together cannot exceed 100 %';
const PROPERTY_NAME = /^[A-Za-z0-9_]{1,100}$/;
const VALUE_PROPERTY_NAME = /^[a-z0-9_]{1,100}$/;
const PROPERTY_MESSAGE =
  'Enter the property’s internal name: letters, digits and underscores, such as churned';
const VALUE_PROPERTY_MESSAGE =
  'Enter the property’s internal name in lower case: letters, digits and underscores, such as annual_revenue';

/** A number as people type it: "10", "12.5", " 10 % ". */
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The number typed in `field`, or what to enter instead. */
export function readNumber(field: NumberField, text: string): { value: number } | { problem: string } {
  const spec: NumberSpec = NUMBERS[field];
  const typed = (spec.percent ? text.replace(/%\s*$/, '') : text).trim();
  if (!NUMBER_TEXT.test(typed)) return { problem: `Enter a number, such as ${spec.example}` };
  const value = Number(typed);
  const inRange = (spec.aboveMin ? value > spec.min : value >= spec.min) && value <= spec.max;
  if (!inRange || (spec.whole && !Number.isInteger(value))) return { problem: spec.message };
  return { value };
}

/** Whether the form asks for a value in `field` (fields of other rule and tier kinds do not count). */
export function fieldInUse(form: SettingsForm, field: FieldName): boolean {
  switch (field) {
    case 'formerStage':
    case 'renewalLost':
      return form.churnRuleKind === 'lifecycle_stage';
    case 'churnProperty':
      return form.churnRuleKind === 'property';
    case 'noPurchaseDays':
      return form.churnRuleKind === 'no_purchase';
    case 'highShare':
    case 'mediumShare':
      return form.tierKind === 'share';
    case 'offerCost':
    case 'saveRate':
    case 'valueProperty':
    case 'defaultValue':
      return form.tierKind === 'cost_aware';
    default:
      return true;
  }
}

const percentText = (share: number) => String(Math.round(share * 1000) / 10);

/** The form showing `settings`; fields of the kinds not chosen hold their usual starting values. */
export function formOf(settings: Settings, defaultFormerStage: string): SettingsForm {
  const rule = settings.churnRule;
  const tiers = settings.tiers;
  return {
    churnRuleKind: rule.kind,
    formerStage: (rule.kind === 'lifecycle_stage' ? rule.formerStage : undefined) ?? defaultFormerStage,
    renewalLost: rule.kind === 'lifecycle_stage' ? rule.renewalLost : true,
    churnProperty: rule.kind === 'property' ? rule.property : 'churned',
    noPurchaseDays: String(rule.kind === 'no_purchase' ? rule.days : 365),
    tierKind: tiers.kind,
    highShare: percentText(tiers.kind === 'share' ? tiers.highShare : 0.1),
    mediumShare: percentText(tiers.kind === 'share' ? tiers.mediumShare : 0.2),
    offerCost: String(tiers.kind === 'cost_aware' ? tiers.offerCost : 50),
    saveRate: percentText(tiers.kind === 'cost_aware' ? tiers.saveRate : 0.3),
    valueProperty: tiers.kind === 'cost_aware' ? (tiers.valueProperty ?? '') : '',
    defaultValue: String(tiers.kind === 'cost_aware' ? tiers.defaultValue : 0),
    defaultHoldoutPercent: String(settings.defaultHoldoutPercent),
    scheduleDay: settings.schedule.day,
    scheduleHour: String(settings.schedule.hour),
    timeZone: settings.schedule.timeZone,
    retrainAfterDays: String(settings.retrainAfterDays),
  };
}

/** What the form's fields in use would save, and, per field, what to enter instead. */
export function settingsOf(
  form: SettingsForm,
  saved: Settings,
  defaultFormerStage: string,
): { settings: FormSettings | null; problems: Problems } {
  const problems: Problems = {};
  const numberOf = (field: NumberField): number => {
    if (!fieldInUse(form, field)) return NaN;
    const read = readNumber(field, form[field]);
    if ('problem' in read) {
      problems[field] = read.problem;
      return NaN;
    }
    return read.value;
  };

  let churnRule: ChurnRule;
  if (form.churnRuleKind === 'lifecycle_stage') {
    const kept = saved.churnRule.kind === 'lifecycle_stage' ? saved.churnRule : undefined;
    churnRule = {
      kind: 'lifecycle_stage',
      renewalLost: form.renewalLost,
      ...(form.formerStage && form.formerStage !== defaultFormerStage
        ? { formerStage: form.formerStage }
        : {}),
      ...(kept?.renewalDealTypes ? { renewalDealTypes: kept.renewalDealTypes } : {}),
    };
  } else if (form.churnRuleKind === 'property') {
    const property = form.churnProperty.trim();
    if (!PROPERTY_NAME.test(property)) problems.churnProperty = PROPERTY_MESSAGE;
    const kept = saved.churnRule.kind === 'property' ? saved.churnRule : undefined;
    churnRule = {
      kind: 'property',
      property,
      ...(kept?.dateProperty ? { dateProperty: kept.dateProperty } : {}),
    };
  } else {
    churnRule = { kind: 'no_purchase', days: numberOf('noPurchaseDays') };
  }

  let tiers: TierPolicy;
  if (form.tierKind === 'share') {
    const high = numberOf('highShare');
    const medium = numberOf('mediumShare');
    if (high + medium > 100 + 1e-7) problems.mediumShare = SHARES_TOO_LARGE;
    tiers = { kind: 'share', highShare: high / 100, mediumShare: medium / 100 };
  } else {
    const valueProperty = form.valueProperty.trim();
    if (valueProperty && !VALUE_PROPERTY_NAME.test(valueProperty))
      problems.valueProperty = VALUE_PROPERTY_MESSAGE;
    tiers = {
      kind: 'cost_aware',
      offerCost: numberOf('offerCost'),
      saveRate: numberOf('saveRate') / 100,
      valueProperty: valueProperty || null,
      defaultValue: numberOf('defaultValue'),
      mediumFactor: saved.tiers.kind === 'cost_aware' ? saved.tiers.mediumFactor : 0.5,
    };
  }

  const settings = {
    churnRule,
    tiers,
    defaultHoldoutPercent: numberOf('defaultHoldoutPercent'),
    schedule: { day: form.scheduleDay, hour: Number(form.scheduleHour), timeZone: form.timeZone },
    retrainAfterDays: numberOf('retrainAfterDays'),
  };
  return { settings: Object.keys(problems).length === 0 ? settings : null, problems };
}

/** Which settings a save changes, for saying when each change takes effect. */
export interface SettingsChanges {
  churnRule: boolean;
  tiers: boolean;
  holdout: boolean;
  schedule: boolean;
  retraining: boolean;
}

export function changesOf(next: FormSettings, saved: Settings): SettingsChanges {
  const differs = (a: unknown, b: unknown) => canonical(a) !== canonical(b);
  return {
    churnRule: differs(next.churnRule, saved.churnRule),
    tiers: differs(next.tiers, saved.tiers),
    holdout: next.defaultHoldoutPercent !== saved.defaultHoldoutPercent,
    schedule: differs(next.schedule, saved.schedule),
    retraining: next.retrainAfterDays !== saved.retrainAfterDays,
  };
}

/** JSON with keys in order, so that two equal values written in another key order compare equal. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
