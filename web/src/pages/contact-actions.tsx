/**
 * What an advisor can do from the contact view: start one of the card's plays, and record how the
 * contact turned out (saved, lost) or take them off the at-risk list for 30 days. Every signed-in
 * user may act in this release.
 */
import { useState } from 'react';
import type { CardPlay, PlayAnswer } from '../../../server/api/cards/card-actions.js';
import type { ContactOutcome, ContactOutcomeKind } from '../../../server/api/dashboard/contact-outcomes.js';
import { api, ApiError } from '../api.js';
import { formatDate, formatDay } from '../format.js';
import { usePortalPath } from '../session.js';
import { Card } from '../ui.js';

/**
 * A key per click (the server does one thing per key); made without `crypto.randomUUID`, which
 * needs a secure context the dashboard may not have behind a plain-HTTP proxy.
 */
function newRequestKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const PLAYS: { play: CardPlay; label: string }[] = [
  { play: 'offer', label: 'Send retention offer' },
  { play: 'survey', label: 'Ask for feedback' },
  { play: 'check_in', label: 'Schedule check-in' },
];

function PlayResult({ answer }: { answer: PlayAnswer }) {
  const { outputs } = answer;
  const again = answer.replayed ? ' (already requested)' : '';
  if (answer.play === 'offer') {
    return (
      <>
        Offer code <strong className="code">{String(outputs.offer_code ?? '—')}</strong>
        {outputs.offer_expires_at ? `, valid until ${formatDate(String(outputs.offer_expires_at))}` : ''}
        {again}
      </>
    );
  }
  if (answer.play === 'survey') {
    const url = String(outputs.survey_url ?? '');
    return (
      <>
        Survey link for the customer:{' '}
        <a href={url} target="_blank" rel="noreferrer" className="break">
          {url}
        </a>
        {again}
      </>
    );
  }
  return <>Check-in requested: a task for the contact’s owner is on its way to the CRM{again}.</>;
}

const errorText = (error: unknown) => (error instanceof ApiError ? error.message : String(error));

export function PlayPanel({ contactId }: { contactId: string }) {
  const path = usePortalPath(`contacts/${encodeURIComponent(contactId)}/plays`);
  const [busy, setBusy] = useState<CardPlay | null>(null);
  const [result, setResult] = useState<{ answer: PlayAnswer } | { error: string } | null>(null);
  const start = async (play: CardPlay) => {
    setBusy(play);
    setResult(null);
    try {
      const answer = await api<PlayAnswer>(path, {
        method: 'POST',
        body: { play, requestKey: newRequestKey() },
      });
      setResult({ answer });
    } catch (error) {
      setResult({ error: errorText(error) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="action-group">
      <h3 className="stat-label">Start a play</h3>
      <div className="row">
        {PLAYS.map(({ play, label }) => (
          <button
            key={play}
            type="button"
            className={`button ${play === 'offer' ? 'primary' : ''}`}
            disabled={busy !== null}
            onClick={() => start(play)}
            data-testid={`play-${play}`}
          >
            {busy === play ? 'Starting…' : label}
          </button>
        ))}
      </div>
      <div className="action-result" role="status" aria-live="polite" data-testid="play-result">
        {result && 'answer' in result && <PlayResult answer={result.answer} />}
        {result && 'error' in result && <span className="up">{result.error}</span>}
      </div>
    </div>
  );
}

const OUTCOMES: { outcome: ContactOutcomeKind; label: string; hint: string }[] = [
  { outcome: 'saved', label: 'Saved', hint: 'Kept after outreach' },
  { outcome: 'lost', label: 'Lost', hint: 'You know they are leaving' },
  { outcome: 'snoozed', label: 'Snooze 30 days', hint: 'Hide from the at-risk list until then' },
];

function describeOutcome(outcome: ContactOutcome): string {
  const on = formatDate(outcome.createdAt);
  if (outcome.outcome === 'snoozed') {
    const until = formatDay(outcome.until);
    return outcome.active
      ? `Snoozed on ${on}: off the at-risk list until ${until}`
      : `Snoozed on ${on} until ${until}; back on the at-risk list`;
  }
  return outcome.outcome === 'saved' ? `Marked saved on ${on}` : `Marked lost on ${on}`;
}

export function OutcomePanel(props: {
  contactId: string;
  outcome: ContactOutcome | null;
  onChange: () => void;
}) {
  const base = usePortalPath(`contacts/${encodeURIComponent(props.contactId)}/outcomes`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      props.onChange();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  const mark = (outcome: ContactOutcomeKind) =>
    run(() => api(base, { method: 'POST', body: { outcome, requestKey: newRequestKey() } }));
  const current = props.outcome;
  return (
    <div className="action-group">
      <h3 className="stat-label">Record the outcome</h3>
      <div className="row" role="group" aria-label="Record the outcome">
        {OUTCOMES.map(({ outcome, label, hint }) => (
          <button
            key={outcome}
            type="button"
            className="button"
            title={hint}
            aria-pressed={current?.outcome === outcome && current.active}
            disabled={busy}
            onClick={() => mark(outcome)}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="action-result" role="status" aria-live="polite" data-testid="outcome">
        {current && (
          <>
            {describeOutcome(current)}.{' '}
            <button
              type="button"
              className="link-button"
              disabled={busy}
              onClick={() => run(() => api(`${base}/${current.id}`, { method: 'DELETE' }))}
            >
              Undo
            </button>
          </>
        )}
        {error && <span className="up">{error}</span>}
      </div>
    </div>
  );
}

export function ActionsCard(props: {
  contactId: string;
  outcome: ContactOutcome | null;
  onOutcomeChange: () => void;
}) {
  return (
    <Card title="Act on it">
      <div className="stack">
        <PlayPanel contactId={props.contactId} />
        <OutcomePanel contactId={props.contactId} outcome={props.outcome} onChange={props.onOutcomeChange} />
      </div>
    </Card>
  );
}
