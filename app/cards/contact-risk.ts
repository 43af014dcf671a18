/**
 * The card's one read and its two writes, over HubSpot's signed `hubspot.fetch`. HubSpot appends
 * the portal and user to the URL and signs the request; the server trusts nothing else about who
 * is asking, so nothing here sends them.
 */
import { hubspot } from '@hubspot/ui-extensions';
import { useCallback, useEffect, useState } from 'react';
import { API_BASE } from './api-base.js';

/** The answer of `GET /api/v1/cards/contact-risk`, as the server documents it. */
export interface ContactRisk {
  /**
   * `scored`: an active customer with a churn score; `churned`: a customer who left and `prospect`:
   * someone who never bought (neither has a score, reasons, recommendation or renewal);
   * `syncing`: the portal's first sync is under way; `not_scored`: not looked at by a run yet.
   */
  status: 'scored' | 'churned' | 'prospect' | 'not_scored' | 'syncing';
  /** Whether the contact is a customer, as the last run saw it; null before any run. */
  customer: {
    status: 'prospect' | 'active' | 'churned';
    /** When the current (or last) time as a customer began (ISO). */
    since: string | null;
    /** When a churned customer left (ISO); null when the CRM does not date it. */
    leftOn: string | null;
    /** What showed that they left, in words: "Renewal lost: Acme renewal". */
    evidence: string | null;
  } | null;
  contactId: string;
  contact: { name: string | null; email: string | null } | null;
  /** Null when the contact is scored. */
  sync: { complete: boolean; objectTypesDone: number; objectTypesTotal: number } | null;
  score: {
    id: number;
    /** 0–100 to one decimal, shown as the server gives it (12.3). */
    value: number;
    probability: number;
    tier: 'low' | 'medium' | 'high';
    scoredAt: string;
    model: { id: number; version: number; family: string; isStarter: boolean; label: string };
  } | null;
  /** Score points, to one decimal like the score. */
  trend: { change: number; previous: number; previousScoredAt: string } | null;
  history: { week: string; score: number }[];
  reasons: { feature: string; text: string; direction: 'raises' | 'lowers'; contribution: number }[];
  recommendation: { play: string; title: string; because: string } | null;
  renewal: { date: string; valueAtRisk: number | null; dealName: string | null } | null;
  /**
   * What the server will do for the user looking at the card, as the portal's users API says:
   * the card offers only that, and the server checks the same on every click.
   */
  viewer: {
    userId: string;
    canRunPlays: boolean;
    canGiveFeedback: boolean;
    /** Why the CRM could not say what this user may do just now: the card shows it, no buttons. */
    unavailable?: string;
  };
}

export type Play = 'offer' | 'survey' | 'check_in';

export type LoadState =
  { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'loaded'; risk: ContactRisk };

const CARDS_URL = `${API_BASE}/api/v1/cards`;
const TIMEOUT_MS = 15_000;

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // Not our JSON error body: fall through to the status.
  }
  return `The server answered ${response.status}.`;
}

/** The contact's risk, with a `reload` for the error state's retry button. */
export function useContactRisk(contactId: number | string): { state: LoadState; reload: () => void } {
  const [state, setState] = useState<LoadState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    setState({ kind: 'loading' });
    const url = `${CARDS_URL}/contact-risk?contactId=${encodeURIComponent(String(contactId))}`;
    hubspot
      .fetch(url, { method: 'GET', timeout: TIMEOUT_MS })
      .then(async (response) => {
        if (!response.ok) throw new Error(await errorMessage(response));
        const risk = (await response.json()) as ContactRisk;
        if (current) setState({ kind: 'loaded', risk });
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (current) setState({ kind: 'error', message });
      });
    return () => {
      current = false;
    };
  }, [contactId, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, reload };
}

/** One key per click: a request HubSpot retries carries the same key and is recorded once. */
export function newRequestKey(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

async function post(path: string, body: Record<string, unknown>): Promise<void> {
  const response = await hubspot.fetch(`${CARDS_URL}/${path}`, { method: 'POST', body, timeout: TIMEOUT_MS });
  if (!response.ok) throw new Error(await errorMessage(response));
}

export function startPlay(contactId: string, play: Play, requestKey = newRequestKey()): Promise<void> {
  return post('plays', { contactId, play, requestKey });
}

export function reportWrongScore(
  contactId: string,
  scoreId: number | null,
  requestKey = newRequestKey(),
): Promise<void> {
  return post('feedback', { contactId, scoreId, requestKey });
}
