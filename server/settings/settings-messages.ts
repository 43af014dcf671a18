/**
 * Why a settings change was refused, in the words an admin reads next to the field concerned:
 * each problem names the Settings form's field (its input's name) and says what to enter, never
 * a schema path or a validator's wording.
 */
import type { z } from 'zod';

/** One refused value: the form's field and what to enter instead. */
export interface SettingsProblem {
  field: string;
  message: string;
}

interface FieldWords {
  /** The input's name in the Settings form. */
  field: string;
  /** The field's label, for the one-line summary of a refusal. */
  label: string;
  /** What to enter: said whatever was wrong with the value. */
  message: string;
  /** For a number: the example given when the value is not a number at all. */
  example?: string;
}

const words = (field: string, label: string, message: string, example?: string): FieldWords =>
  example === undefined ? { field, label, message } : { field, label, message, example };

const RULE_KIND = words('churnRuleKind', 'What “churned” means', 'Choose what “churned” means');
const TIER_KIND = words('tierKind', 'How scores become tiers', 'Choose how scores become tiers');
const DAY = words('scheduleDay', 'Weekly run: day', 'Choose a day of the week');
const PLAYS_WHO = words(
  'cardPlaysWho',
  'Who may start plays from the card',
  'Choose every user of the portal, or super admins and the roles you name',
);

/** Each setting by its path in the settings, as the form shows it. */
const FIELDS: Readonly<Record<string, FieldWords>> = {
  churnRule: RULE_KIND,
  'churnRule.kind': RULE_KIND,
  'churnRule.formerStage': words(
    'formerStage',
    'Former-customer stage',
    'Choose the stage customers move to when they leave',
  ),
  'churnRule.renewalLost': words(
    'renewalLost',
    'A lost renewal',
    'Say whether a lost renewal deal means the customer left',
  ),
  'churnRule.renewalDealTypes': words(
    'renewalDealTypes',
    'Renewal deal types',
    'Name from 1 to 20 deal types, each at most 100 characters long',
  ),
  'churnRule.property': words(
    'churnProperty',
    'Property (internal name)',
    'Enter the property’s internal name: letters, digits and underscores, such as churned',
  ),
  'churnRule.dateProperty': words(
    'churnDateProperty',
    'Date property (internal name)',
    'Enter the property’s internal name: letters, digits and underscores, such as churned_on',
  ),
  'churnRule.days': words(
    'noPurchaseDays',
    'Days without a purchase',
    'Enter a whole number of days from 1 to 3650',
    '365',
  ),
  tiers: TIER_KIND,
  'tiers.kind': TIER_KIND,
  'tiers.highShare': words(
    'highShare',
    'High tier: riskiest share (%)',
    'Enter a percentage from 0 to 100',
    '10',
  ),
  'tiers.mediumShare': words(
    'mediumShare',
    'Medium tier: next share (%)',
    'Enter a percentage from 0 to 100',
    '20',
  ),
  'tiers.offerCost': words('offerCost', 'Cost of one offer', 'Enter an amount above 0', '50'),
  'tiers.saveRate': words(
    'saveRate',
    'Churners an offer keeps (%)',
    'Enter a percentage above 0, up to 100',
    '30',
  ),
  'tiers.valueProperty': words(
    'valueProperty',
    'Customer value property',
    'Enter the property’s internal name in lower case: letters, digits and underscores, such as annual_revenue',
  ),
  'tiers.defaultValue': words('defaultValue', 'Value when unknown', 'Enter an amount of 0 or more', '1000'),
  'tiers.mediumFactor': words('mediumFactor', 'Medium tier factor', 'Enter a factor above 0, up to 1', '0.5'),
  defaultHoldoutPercent: words(
    'defaultHoldoutPercent',
    'Default holdout (%)',
    'Enter a whole number from 0 to 50',
    '10',
  ),
  schedule: DAY,
  'schedule.day': DAY,
  'schedule.hour': words('scheduleHour', 'Weekly run: hour', 'Choose an hour from 00:00 to 23:00'),
  'schedule.timeZone': words(
    'timeZone',
    'Weekly run: time zone',
    'Choose a time zone from the list, such as Europe/London',
  ),
  retrainAfterDays: words(
    'retrainAfterDays',
    'Retrain after (days)',
    'Enter a whole number of days from 7 to 365',
    '30',
  ),
  driftPsiThreshold: words(
    'driftPsiThreshold',
    'Drift threshold',
    'Enter a threshold above 0, up to 5',
    '0.2',
  ),
  cardPlays: PLAYS_WHO,
  'cardPlays.who': PLAYS_WHO,
  'cardPlays.roleIds': words(
    'cardPlaysRoleIds',
    'Roles that may start plays',
    'Choose up to 100 of the portal’s roles',
  ),
};

/** The words of a setting the form does not know (an older client, a script). */
const unknownSetting = (path: string): FieldWords =>
  words(path || 'settings', 'Settings', 'This value is not accepted here');

/** The words of the setting at `path` (a dotted path in the settings). */
export function settingWords(path: string): FieldWords {
  return FIELDS[path] ?? unknownSetting(path);
}

function problemOf(issue: z.ZodError['issues'][number]): { words: FieldWords; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.map(String).join('.');
    return issue.keys.map((key) => {
      const field = where ? `${where}.${key}` : key;
      return { words: unknownSetting(field), message: `There is no setting called “${key}”` };
    });
  }
  const found = settingWords(issue.path.map(String).join('.'));
  // Our own refinements speak in words already (the shares' sum, the former stage's kind).
  if (issue.code === 'custom') return [{ words: found, message: issue.message }];
  if (issue.code === 'invalid_type' && issue.expected === 'number' && found.example !== undefined)
    return [{ words: found, message: `Enter a number, such as ${found.example}` }];
  return [{ words: found, message: found.message }];
}

/** A refusal's problems, one per field (its first), in the order of the issues. */
export function settingsProblems(error: z.ZodError): SettingsProblem[] {
  const byField = new Map<string, { words: FieldWords; message: string }>();
  for (const one of error.issues.flatMap(problemOf))
    if (!byField.has(one.words.field)) byField.set(one.words.field, one);
  return [...byField.values()].map(({ words: w, message }) => ({ field: w.field, message }));
}

/** One line for a refusal as a whole: "Nothing was saved. Default holdout (%): enter a whole …". */
export function settingsRefusal(problems: SettingsProblem[]): string {
  const labelOf = (field: string) =>
    Object.values(FIELDS).find((w) => w.field === field)?.label ?? `“${field}”`;
  const [first] = problems;
  if (!first) return 'Nothing was saved: the settings were not accepted.';
  if (problems.length === 1) return `Nothing was saved. ${labelOf(first.field)}: ${lower(first.message)}.`;
  return `Nothing was saved: ${problems.length} settings need a change (${problems
    .map((p) => labelOf(p.field))
    .join('; ')}).`;
}

const lower = (message: string) => message.charAt(0).toLowerCase() + message.slice(1);
