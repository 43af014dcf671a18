/**
 * A sandbox workflow, as an admin route creates it: an enrollment condition on one contact
 * property (or none: then contacts are only enrolled by hand, as HubSpot's "Enroll manually") and
 * a list of steps. A step is either a custom action (static input fields) or a
 * branch on an output field of an earlier action; the chosen branch's steps run, then the steps
 * after the branch.
 *
 * ```json
 * { "name": "Retention", "enrollment": { "property": "churn_risk_tier", "operator": "EQ", "value": "high" },
 *   "steps": [
 *     { "id": "assign", "type": "action", "actionDefinitionId": "1", "inputFields": { "holdout": "20" } },
 *     { "type": "branch", "stepId": "assign", "outputField": "group",
 *       "branches": [ { "value": "control", "steps": [] } ],
 *       "otherwise": [ { "type": "action", "actionDefinitionId": "2" } ] } ] }
 * ```
 */
import { z } from 'zod';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'IN',
  'NOT_IN',
  'GT',
  'GTE',
  'LT',
  'LTE',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
] as const;

const condition = z
  .object({
    property: z.string().min(1),
    operator: z.enum(OPERATORS),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    values: z.array(z.union([z.string(), z.number()])).optional(),
  })
  .superRefine((input, ctx) => {
    const needsValue = !['IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'].includes(input.operator);
    if (needsValue && input.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `${input.operator} needs a value` });
    }
    if ((input.operator === 'IN' || input.operator === 'NOT_IN') && !input.values?.length) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${input.operator} needs values` });
    }
  });
export type EnrollmentCondition = z.infer<typeof condition>;

const staticValue = z.union([z.string(), z.number(), z.boolean()]);

export interface ActionStepInput {
  id?: string;
  type: 'action';
  actionDefinitionId: string;
  inputFields?: Record<string, string | number | boolean>;
}
export interface BranchStepInput {
  id?: string;
  type: 'branch';
  stepId: string;
  outputField: string;
  branches: { value: string; steps: StepInput[] }[];
  otherwise?: StepInput[];
}
export type StepInput = ActionStepInput | BranchStepInput;

const step: z.ZodType<StepInput> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({
      id: z.string().min(1).optional(),
      type: z.literal('action'),
      actionDefinitionId: z.coerce.string(),
      inputFields: z.record(z.string(), staticValue).optional(),
    }),
    z.object({
      id: z.string().min(1).optional(),
      type: z.literal('branch'),
      stepId: z.string().min(1),
      outputField: z.string().min(1),
      branches: z.array(z.object({ value: z.coerce.string(), steps: z.array(step) })).min(1),
      otherwise: z.array(step).optional(),
    }),
  ]),
);

export const workflowInput = z.object({
  name: z.string().min(1),
  objectType: z.literal('CONTACT').default('CONTACT'),
  enabled: z.boolean().default(true),
  enrollment: condition.optional(),
  steps: z.array(step).min(1),
});
export type WorkflowInput = z.infer<typeof workflowInput>;

/** Steps after parsing: every step has an id, unique within its workflow. */
export type ActionStep = ActionStepInput & { id: string };
export type BranchStep = Omit<BranchStepInput, 'branches' | 'otherwise'> & {
  id: string;
  branches: { value: string; steps: Step[] }[];
  otherwise: Step[];
};
export type Step = ActionStep | BranchStep;

/** Gives every step an id (`step-1`, `step-2`, … in reading order) unless it has one. */
export function withStepIds(steps: StepInput[], counter = { next: 1 }): Step[] {
  return steps.map((s) => {
    const id = s.id ?? `step-${counter.next}`;
    counter.next += 1;
    if (s.type === 'action') return { ...s, id };
    return {
      ...s,
      id,
      branches: s.branches.map((b) => ({ value: b.value, steps: withStepIds(b.steps, counter) })),
      otherwise: withStepIds(s.otherwise ?? [], counter),
    };
  });
}

/** Every step of a workflow in reading order, branches included. */
export function allSteps(steps: Step[]): Step[] {
  return steps.flatMap((s) =>
    s.type === 'action'
      ? [s]
      : [s, ...s.branches.flatMap((b) => allSteps(b.steps)), ...allSteps(s.otherwise)],
  );
}

/** Whether a contact's property values meet the enrollment condition. */
export function conditionHolds(
  condition: EnrollmentCondition,
  properties: Record<string, string | null>,
): boolean {
  const actual = properties[condition.property];
  const present = actual !== undefined && actual !== null && actual !== '';
  const expected = condition.value === undefined ? undefined : String(condition.value);
  switch (condition.operator) {
    case 'HAS_PROPERTY':
      return present;
    case 'NOT_HAS_PROPERTY':
      return !present;
    case 'EQ':
      return present && actual.toLowerCase() === expected?.toLowerCase();
    case 'NEQ':
      return !present || actual.toLowerCase() !== expected?.toLowerCase();
    case 'IN':
      return (
        present && (condition.values ?? []).some((v) => String(v).toLowerCase() === actual.toLowerCase())
      );
    case 'NOT_IN':
      return (
        !present || !(condition.values ?? []).some((v) => String(v).toLowerCase() === actual.toLowerCase())
      );
    default: {
      if (!present) return false;
      const [a, b] = [Number(actual), Number(expected)];
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      if (condition.operator === 'GT') return a > b;
      if (condition.operator === 'GTE') return a >= b;
      if (condition.operator === 'LT') return a < b;
      return a <= b;
    }
  }
}
