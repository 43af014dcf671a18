/**
 * The risk card as an advisor sees it in a contact record, drawn from the answer the server gave
 * the card: the card's own code runs (`app/cards/RiskCard.tsx`), its `hubspot.fetch` answered with
 * that answer, and its tree is drawn as HTML (./card-html.ts).
 */
import { LoadingSpinner } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { RiskCard } from '../../app/cards/RiskCard.js';
import type { ContactRisk } from '../../app/cards/contact-risk.js';
import { cardHtml } from './card-html.js';

export async function riskCardHtml(risk: ContactRisk): Promise<string> {
  // `hubspot.fetch` goes through the host's `self.hsFetch`: here, the host answers with `risk`.
  const host = globalThis as { self?: unknown; hsFetch?: unknown };
  const before = { self: host.self, hsFetch: host.hsFetch };
  host.self = globalThis;
  host.hsFetch = () => Promise.resolve({ ok: true, status: 200, json: async () => risk });
  try {
    const renderer = createRenderer('crm.record.tab');
    renderer.render(<RiskCard context={renderer.mocks.context} actions={renderer.mocks.actions} />);
    await renderer.waitFor(() => {
      if (renderer.maybeFind(LoadingSpinner)) throw new Error('the card is still loading');
    });
    return cardHtml(renderer.getRootNode(), 'Churn risk');
  } finally {
    host.self = before.self;
    host.hsFetch = before.hsFetch;
  }
}
