import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, type ApiError, useApi } from '../api.js';
import { usePortalPath, useSession } from '../session.js';
import { Button, Card, ErrorNotice, PageHeader, Spinner } from '../ui.js';
import {
  changesOf,
  formOf,
  settingsOf,
  type FieldName,
  type Problems,
  type SettingsChanges,
  type SettingsAnswer,
  type SettingsForm,
} from './settings-form.js';
import { ChurnRuleFields, Field, TextField, TierFields } from './settings-rules.js';
import { DAYS, dayLabel, hourLabel, timeZoneGroups, whenItTakesEffect } from './settings-schedule.js';
import { CardPlaysSettings } from './settings-card-plays.js';
import { putSettings } from './settings-save.js';
import { UsageKey } from './settings-usage-key.js';

const HOLDOUT_ZERO =
  'No control group: you will not be able to measure whether campaigns work. Set the holdout to 0 %?';

function ScoringSettings({ path, initial }: { path: string; initial: SettingsAnswer }) {
  const session = useSession();
  const [saved, setSaved] = useState(initial);
  const defaultStage = saved.options.defaultFormerStage;
  const [form, setForm] = useState<SettingsForm>(() => formOf(initial, defaultStage));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverProblems, setServerProblems] = useState<Problems>({});
  const [status, setStatus] = useState<'editing' | 'saving' | 'saved' | 'refused' | 'confirm'>('editing');
  const [savedChanges, setSavedChanges] = useState<SettingsChanges | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const zones = useMemo(() => timeZoneGroups(form.timeZone, new Date()), [form.timeZone]);
  useEffect(() => {
    if (status === 'confirm') confirmButton.current?.focus();
  }, [status]);

  const checked = settingsOf(form, saved, defaultStage);
  const problems: Problems = { ...serverProblems };
  for (const [field, problem] of Object.entries(checked.problems))
    if (showAll || touched.has(field)) problems[field] = problem;
  const invalidCount = Object.keys(checked.problems).length;

  const edit = (change: Partial<SettingsForm>) => {
    setForm((f) => ({ ...f, ...change }));
    setTouched((t) => new Set([...t, ...Object.keys(change)]));
    setServerProblems((p) => Object.fromEntries(Object.entries(p).filter(([field]) => !(field in change))));
    setStatus('editing');
    setError(null);
  };
  const onText = (name: FieldName, text: string) => edit({ [name]: text });

  const save = async (settings: NonNullable<typeof checked.settings>) => {
    setStatus('saving');
    setError(null);
    const answer = await putSettings(path, session.csrfToken, settings);
    if (!answer.ok) {
      setServerProblems(answer.problems);
      setError(answer.error);
      setStatus('refused');
      return;
    }
    setSavedChanges(changesOf(settings, saved));
    setSaved(answer.settings);
    setForm(formOf(answer.settings, answer.settings.options.defaultFormerStage));
    setTouched(new Set());
    setShowAll(false);
    setStatus('saved');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setShowAll(true);
    if (!checked.settings) {
      setStatus('refused');
      const first = Object.keys(checked.problems)[0];
      if (first) document.getElementById(`settings-${first}`)?.focus();
      return;
    }
    if (checked.settings.defaultHoldoutPercent === 0 && saved.defaultHoldoutPercent !== 0) {
      setStatus('confirm');
      return;
    }
    void save(checked.settings);
  };

  const pending = checked.settings ? changesOf(checked.settings, saved) : null;
  const schedule = checked.settings?.schedule ?? saved.schedule;
  const effect = whenItTakesEffect(pending, schedule, false).join(' ');
  return (
    <Card title="Scoring">
      <form onSubmit={submit} className="stack" aria-label="Scoring settings" noValidate>
        <h3 className="stat-label">What “churned” means</h3>
        <ChurnRuleFields
          form={form}
          problems={problems}
          onText={onText}
          onChange={edit}
          stages={saved.options.stages}
        />
        <h3 className="stat-label">How scores become tiers</h3>
        <TierFields form={form} problems={problems} onText={onText} onChange={edit} />
        <h3 className="stat-label">Campaigns and the weekly run</h3>
        <div className="filters">
          <TextField
            name="defaultHoldoutPercent"
            label="Default holdout (%)"
            form={form}
            problems={problems}
            onText={onText}
            numeric="numeric"
          />
          <Field name="scheduleDay" label="Weekly run: day" problem={problems.scheduleDay}>
            {(control) => (
              <select
                {...control}
                value={form.scheduleDay}
                onChange={(e) => edit({ scheduleDay: e.target.value })}
              >
                {DAYS.map((day) => (
                  <option key={day} value={day}>
                    {dayLabel(day)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field name="scheduleHour" label="hour" problem={problems.scheduleHour}>
            {(control) => (
              <select
                {...control}
                value={form.scheduleHour}
                onChange={(e) => edit({ scheduleHour: e.target.value })}
              >
                {Array.from({ length: 24 }, (_, hour) => (
                  <option key={hour} value={String(hour)}>
                    {hourLabel(hour)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field name="timeZone" label="time zone" problem={problems.timeZone} wide>
            {(control) => (
              <select {...control} value={form.timeZone} onChange={(e) => edit({ timeZone: e.target.value })}>
                {zones.map((group) => (
                  <optgroup key={group.region} label={group.region}>
                    {group.zones.map((zone) => (
                      <option key={zone.value} value={zone.value}>
                        {zone.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            )}
          </Field>
          <TextField
            name="retrainAfterDays"
            label="Retrain after (days)"
            form={form}
            problems={problems}
            onText={onText}
            numeric="numeric"
          />
        </div>
        {status === 'confirm' && checked.settings && (
          <div className="notice confirm" role="alertdialog" aria-labelledby="holdout-zero-question">
            <p id="holdout-zero-question">{HOLDOUT_ZERO}</p>
            <div className="row">
              <button
                ref={confirmButton}
                type="button"
                className="button danger"
                onClick={() => checked.settings && void save(checked.settings)}
              >
                Set the holdout to 0 %
              </button>
              <Button onClick={() => setStatus('editing')}>Keep a control group</Button>
            </div>
          </div>
        )}
        {status === 'refused' && invalidCount > 0 && (
          <p className="notice error" role="alert">
            Nothing was saved:{' '}
            {invalidCount === 1 ? 'fix the field marked' : `fix the ${invalidCount} fields marked`} above.
          </p>
        )}
        {status === 'refused' && invalidCount === 0 && error && <ErrorNotice error={error} />}
        <div className="row settings-save">
          <button
            type="submit"
            className="button primary"
            disabled={status === 'saving'}
            aria-describedby="settings-effect"
          >
            Save settings
          </button>
          {status === 'saved' ? (
            <p
              id="settings-effect"
              role="status"
              className="settings-effect saved"
              data-testid="settings-effect"
            >
              Saved. {whenItTakesEffect(savedChanges, saved.schedule, true).join(' ')}
            </p>
          ) : (
            <p id="settings-effect" className="settings-effect" data-testid="settings-effect">
              {status === 'saving' ? 'Saving…' : effect}
            </p>
          )}
        </div>
      </form>
    </Card>
  );
}

export function SettingsPage() {
  const path = usePortalPath('settings');
  const session = useSession();
  const settings = useApi<SettingsAnswer>(path);
  const [error, setError] = useState<ApiError | null>(null);

  const uninstall = async () => {
    if (
      !window.confirm(
        `Uninstall Churn Radar from ${session.portal.name}? Scoring stops and the app leaves the CRM.`,
      )
    )
      return;
    try {
      await api(`/api/v1/portals/${session.portal.id}/uninstall`, { method: 'POST' });
      window.location.assign('/app/');
    } catch (e) {
      setError(e as ApiError);
    }
  };

  return (
    <>
      <PageHeader title="Settings" subtitle={`For ${session.portal.name}`} />
      <div className="stack">
        {settings.state === 'loading' && <Spinner />}
        {settings.state === 'error' && <ErrorNotice error={settings.error} />}
        {settings.state === 'ready' && (
          <>
            <ScoringSettings path={path} initial={settings.data} />
            <CardPlaysSettings path={path} initial={settings.data} />
          </>
        )}
        <UsageKey />
        <Card title="Uninstall">
          <p className="muted">
            Removes the app from the CRM portal and stops all work for it. Its data is deleted after the
            retention period.
          </p>
          {error && <ErrorNotice error={error} />}
          <Button kind="danger" onClick={uninstall}>
            Uninstall Churn Radar
          </Button>
        </Card>
      </div>
    </>
  );
}
