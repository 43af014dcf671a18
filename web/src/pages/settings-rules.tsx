/**
 * The settings form's fields: one field with its message, a group of choices with its message, what
 * "churned" means, how scores become tiers.
 */
import type { ReactNode } from 'react';
import type { FieldName, Problems, SettingsForm, StageOption } from './settings-form.js';

/** What a control needs to be labelled and described by its field. */
export interface ControlProps {
  id: string;
  name: FieldName;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * A labelled control with, under it, what to enter when its value is refused (linked by
 * aria-describedby) and an optional hint.
 */
export function Field(props: {
  name: FieldName;
  label: string;
  problem?: string | undefined;
  hint?: ReactNode;
  /** For a list whose choices are long (the rule, the time zone). */
  wide?: boolean;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = `settings-${props.name}`;
  const messageId = `${id}-message`;
  const hintId = `${id}-hint`;
  const describedBy = [props.problem ? messageId : null, props.hint ? hintId : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field settings-field${props.wide ? ' wide' : ''}${props.problem ? ' invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({
        id,
        name: props.name,
        ...(props.problem ? { 'aria-invalid': true as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {props.problem && (
        <span id={messageId} className="field-message">
          {props.problem}
        </span>
      )}
      {props.hint && (
        <span id={hintId} className="field-hint">
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** A group of radios or checkboxes under one legend, with what to choose instead and a hint. */
export function Choice(props: {
  name: string;
  legend: string;
  problem?: string | undefined;
  hint?: string;
  children: ReactNode;
}) {
  const messageId = `settings-${props.name}-message`;
  const hintId = `settings-${props.name}-hint`;
  const describedBy = [props.problem ? messageId : null, props.hint ? hintId : null]
    .filter(Boolean)
    .join(' ');
  return (
    <fieldset
      id={`settings-${props.name}`}
      className={`settings-choice${props.problem ? ' invalid' : ''}`}
      aria-describedby={describedBy || undefined}
      aria-invalid={props.problem ? true : undefined}
    >
      <legend>{props.legend}</legend>
      {props.children}
      {props.problem && (
        <span id={messageId} className="field-message">
          {props.problem}
        </span>
      )}
      {props.hint && (
        <span id={hintId} className="field-hint">
          {props.hint}
        </span>
      )}
    </fieldset>
  );
}

/** A field typed as text, a number or a property name, checked as it is typed. */
export function TextField(props: {
  name: FieldName;
  label: string;
  form: SettingsForm;
  problems: Problems;
  onText: (name: FieldName, text: string) => void;
  numeric?: 'numeric' | 'decimal';
  placeholder?: string;
  hint?: ReactNode;
}) {
  return (
    <Field name={props.name} label={props.label} problem={props.problems[props.name]} hint={props.hint}>
      {(control) => (
        <input
          {...control}
          type="text"
          inputMode={props.numeric}
          autoComplete="off"
          spellCheck={false}
          placeholder={props.placeholder}
          value={String(props.form[props.name])}
          onChange={(e) => props.onText(props.name, e.target.value)}
        />
      )}
    </Field>
  );
}

interface FieldsProps {
  form: SettingsForm;
  problems: Problems;
  onText: (name: FieldName, text: string) => void;
  onChange: (change: Partial<SettingsForm>) => void;
}

export function ChurnRuleFields(props: FieldsProps & { stages: StageOption[] }) {
  const { form, problems, onChange } = props;
  const stages = props.stages.some((s) => s.value === form.formerStage)
    ? props.stages
    : [...props.stages, { value: form.formerStage, label: form.formerStage }];
  return (
    <div className="filters">
      <Field name="churnRuleKind" label="A customer has churned when" problem={problems.churnRuleKind} wide>
        {(control) => (
          <select
            {...control}
            value={form.churnRuleKind}
            onChange={(e) => onChange({ churnRuleKind: e.target.value as SettingsForm['churnRuleKind'] })}
          >
            <option value="lifecycle_stage">their stage becomes a former-customer stage</option>
            <option value="property">a yes/no contact property turns true</option>
            <option value="no_purchase">they buy nothing for a number of days</option>
          </select>
        )}
      </Field>
      {form.churnRuleKind === 'lifecycle_stage' && (
        <>
          <Field name="formerStage" label="Former-customer stage" problem={problems.formerStage}>
            {(control) => (
              <select
                {...control}
                value={form.formerStage}
                onChange={(e) => onChange({ formerStage: e.target.value })}
              >
                {stages.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label className="field">
            <span>
              <input
                type="checkbox"
                name="renewalLost"
                checked={form.renewalLost}
                onChange={(e) => onChange({ renewalLost: e.target.checked })}
              />{' '}
              or a renewal deal is lost
            </span>
          </label>
        </>
      )}
      {form.churnRuleKind === 'property' && (
        <TextField {...props} name="churnProperty" label="Property (internal name)" />
      )}
      {form.churnRuleKind === 'no_purchase' && (
        <TextField {...props} name="noPurchaseDays" label="Days without a purchase" numeric="numeric" />
      )}
    </div>
  );
}

export function TierFields(props: FieldsProps) {
  const { form, problems, onChange } = props;
  return (
    <div className="filters">
      <Field name="tierKind" label="Set the tiers" problem={problems.tierKind}>
        {(control) => (
          <select
            {...control}
            value={form.tierKind}
            onChange={(e) => onChange({ tierKind: e.target.value as SettingsForm['tierKind'] })}
          >
            <option value="share">by share of contacts</option>
            <option value="cost_aware">by what an offer costs and saves</option>
          </select>
        )}
      </Field>
      {form.tierKind === 'share' ? (
        <>
          <TextField {...props} name="highShare" label="High tier: riskiest share (%)" numeric="decimal" />
          <TextField {...props} name="mediumShare" label="Medium tier: next share (%)" numeric="decimal" />
        </>
      ) : (
        <>
          <TextField {...props} name="offerCost" label="Cost of one offer" numeric="decimal" />
          <TextField {...props} name="saveRate" label="Churners an offer keeps (%)" numeric="decimal" />
          <TextField
            {...props}
            name="valueProperty"
            label="Customer value property"
            placeholder="last won deal"
          />
          <TextField {...props} name="defaultValue" label="Value when unknown" numeric="decimal" />
        </>
      )}
    </div>
  );
}
