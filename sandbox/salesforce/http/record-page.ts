/**
 * A record's page at Lightning's path (`/lightning/r/Contact/{id}/view`), so a link the product
 * builds to a record in the org opens here: every field of the record, the app's custom fields
 * first, as an admin would look them over. Read-only, with no sign-in (the sandbox is local).
 */
import express from 'express';
import type { SalesforceStore } from '../store.js';
import { formatDateTime } from '../soql/index.js';
import { escapeHtml } from './oauth-authorize.js';

const show = (value: unknown) =>
  value === null || value === undefined ? '' : value instanceof Date ? formatDateTime(value) : String(value);

export function createRecordPageRouter(store: SalesforceStore): express.Router {
  const router = express.Router();
  router.get('/lightning/r/:sobject/:id/view', (req, res) => {
    const id = req.params.id;
    const org = [...store.orgs.values()].find((o) => o.byId(id) !== undefined);
    const record = org?.byId(id);
    if (!org || !record || record.type !== req.params.sobject) {
      res
        .status(404)
        .type('html')
        .send('<!doctype html><title>Not found</title><p>No such record in this sandbox.</p>');
      return;
    }
    const fields = Object.entries(record.fields).sort(([a], [b]) => {
      const app = (name: string) => (name.startsWith('Churn_Risk_') ? 0 : 1);
      return app(a) - app(b) || a.localeCompare(b);
    });
    const rows = fields
      .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(show(value))}</td></tr>`)
      .join('');
    const title = `${record.type} ${show(record.fields.Name ?? record.Id)}`;
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ${escapeHtml(org.name)}</title>` +
          '<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#181818}th{text-align:left;padding:.2rem 1rem .2rem 0;color:#444;font-weight:600;vertical-align:top}td{white-space:pre-wrap}</style></head>' +
          `<body><p>${escapeHtml(org.name)} (Salesforce sandbox)</p><h1>${escapeHtml(title)}</h1><table>${rows}</table></body></html>`,
      );
  });
  return router;
}
