import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, useApi } from '../api.js';
import { formatDate } from '../format.js';
import { usePortalPath, useSession } from '../session.js';
import { Button, Card, ErrorNotice, PageHeader, Spinner } from '../ui.js';
import { ChurnRuleFields, TierFields, type ChurnRule, type TierPolicy } from './settings-rules.js';

interface Settings {
  churnRule: ChurnRule;
  tiers: TierPolicy;
  defaultHoldoutPercent: number;
  schedule: { day: string; hour: number; timeZone: string };
  retrainAfterDays: number;
  driftPsiThreshold: number;
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function UsageKey() {
  const path = usePortalPath('usage-api-key');
  const info = useApi<{ key: { prefix: string; createdAt: string; rotatedAt: string | null } | null }>(
    usePortalPath('usage-api-key-status'),
  );
  const [fresh, setFresh] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const issue = async (rotate: boolean) => {
    setError(null);
    try {
      const key = await api<{ key: string }>(rotate ? `${path}/rotate` : path, { method: 'POST' });
      setFresh(key.key);
      info.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const current = info.state === 'ready' ? info.data.key : null;
  const hasKey = current !== null;
  return (
    <Card title="Usage events API key" note="your product sends usage events with it">
      {info.state === 'loading' && <Spinner />}
      {current && (
        <p>
          Key <code>{current.prefix}…</code> created {formatDate(current.createdAt)}
          {current.rotatedAt ? `, rotated ${formatDate(current.rotatedAt)}` : ''}.
        </p>
      )}
      {info.state === 'ready' && !current && <p className="muted">No key yet.</p>}
      {info.state === 'error' && <ErrorNotice error={info.error} />}
      {fresh && (
        <p className="notice" role="status">
          Copy it now, it is shown once: <code style={{ wordBreak: 'break-all' }}>{fresh}</code>
        </p>
      )}
      {error && <ErrorNotice error={error} />}
      <Button onClick={() => issue(hasKey)}>{hasKey ? 'Rotate the key' : 'Create a key'}</Button>
    </Card>
  );
}

export function SettingsPage() {
  const path = usePortalPath('settings');
  const session = useSession();
  const settings = useApi<Settings>(path);
  const [draft, setDraft] = useState<Settings | null>(null);
  const [saved, setSaved] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [error, setError] = useState<ApiError | null>(null);
  const loaded = settings.state === 'ready' ? settings.data : null;
  useEffect(() => {
    if (loaded) setDraft(loaded);
  }, [loaded]);

  if (settings.state === 'loading' || (settings.state === 'ready' && !draft)) return <Spinner />;
  if (settings.state === 'error') return <ErrorNotice error={settings.error} />;
  const d = draft!;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved('saving');
    setError(null);
    try {
      const next = await api<Settings>(path, {
        method: 'PUT',
        body: {
          churnRule: d.churnRule,
          tiers: d.tiers,
          defaultHoldoutPercent: d.defaultHoldoutPercent,
          schedule: d.schedule,
          retrainAfterDays: d.retrainAfterDays,
        },
      });
      setDraft(next);
      setSaved('saved');
    } catch (e) {
      setError(e as ApiError);
      setSaved('idle');
    }
  };
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
        <Card title="Scoring">
          <form onSubmit={save} className="stack" aria-label="Scoring settings">
            <h3 className="stat-label">What “churned” means</h3>
            <ChurnRuleFields rule={d.churnRule} onChange={(churnRule) => setDraft({ ...d, churnRule })} />
            <h3 className="stat-label">How scores become tiers</h3>
            <TierFields tiers={d.tiers} onChange={(tiers) => setDraft({ ...d, tiers })} />
            <h3 className="stat-label">Campaigns and the weekly run</h3>
            <div className="filters">
              <label className="field">
                Default holdout (%)
                <input
                  name="defaultHoldoutPercent"
                  type="number"
                  min={0}
                  max={50}
                  value={d.defaultHoldoutPercent}
                  onChange={(e) => setDraft({ ...d, defaultHoldoutPercent: Number(e.target.value) })}
                />
              </label>
              <label className="field">
                Weekly run: day
                <select
                  name="scheduleDay"
                  value={d.schedule.day}
                  onChange={(e) => setDraft({ ...d, schedule: { ...d.schedule, day: e.target.value } })}
                >
                  {DAYS.map((day) => (
                    <option key={day} value={day}>
                      {day}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                hour
                <input
                  name="scheduleHour"
                  type="number"
                  min={0}
                  max={23}
                  value={d.schedule.hour}
                  onChange={(e) =>
                    setDraft({ ...d, schedule: { ...d.schedule, hour: Number(e.target.value) } })
                  }
                />
              </label>
              <label className="field">
                time zone
                <input
                  name="timeZone"
                  value={d.schedule.timeZone}
                  onChange={(e) => setDraft({ ...d, schedule: { ...d.schedule, timeZone: e.target.value } })}
                />
              </label>
              <label className="field">
                Retrain after (days)
                <input
                  name="retrainAfterDays"
                  type="number"
                  min={7}
                  max={365}
                  value={d.retrainAfterDays}
                  onChange={(e) => setDraft({ ...d, retrainAfterDays: Number(e.target.value) })}
                />
              </label>
            </div>
            {error && <ErrorNotice error={error} />}
            <div className="row">
              <Button type="submit" kind="primary" disabled={saved === 'saving'}>
                Save settings
              </Button>
              {saved === 'saved' && (
                <span role="status" className="down">
                  Saved
                </span>
              )}
            </div>
          </form>
        </Card>
        <UsageKey />
        <Card title="Uninstall">
          <p className="muted">
            Removes the app from the CRM portal and stops all work for it. Its data is deleted after the
            retention period.
          </p>
          <Button kind="danger" onClick={uninstall}>
            Uninstall Churn Radar
          </Button>
        </Card>
      </div>
    </>
  );
}
