/**
 * The sandbox's read-only web view, so a person can see what an app wrote back:
 * - `GET /_sandbox/ui`: the portals;
 * - `GET /_sandbox/ui/portals/{portalId}/contacts?q=&page=`: contacts, searchable by email;
 * - `GET /_sandbox/ui/portals/{portalId}/contacts/{id}`: one contact's properties and timeline.
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import type { SandboxStore } from '../store.js';
import { CONTENT_SECURITY_POLICY, layout, markup } from './html.js';
import { contactPage, contactsPage, portalsPage, UI_BASE } from './pages.js';
import { contactTimeline } from './timeline.js';

const PAGE_SIZE = 50;

const listQuery = z.object({
  q: z.string().max(200).default(''),
  page: z.coerce.number().int().min(1).catch(1).default(1),
});

function send(res: Response, status: number, page: string): void {
  res
    .status(status)
    .set('Content-Type', 'text/html; charset=utf-8')
    .set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    .set('X-Content-Type-Options', 'nosniff')
    .send(page);
}

function notFound(res: Response, what: string): void {
  send(
    res,
    404,
    layout(
      'Not found',
      markup`<h1>Not found</h1>
        <p>${what}</p>
        <p><a href="${UI_BASE}">All portals</a></p>`,
    ),
  );
}

export function createWebViewRouter(store: SandboxStore): express.Router {
  const router = express.Router();

  router.get(UI_BASE, (_req, res) => send(res, 200, portalsPage(store)));

  router.get(`${UI_BASE}/portals/:portalId/contacts`, (req, res) => {
    const portal = store.portal(Number(req.params.portalId));
    if (!portal) return notFound(res, `There is no portal ${req.params.portalId}.`);
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) {
      return send(
        res,
        400,
        layout(
          'Bad request',
          markup`<h1>Bad request</h1>
            <p>${parsed.error.issues[0]!.message}</p>`,
        ),
      );
    }
    send(res, 200, contactsPage(portal, { ...parsed.data, pageSize: PAGE_SIZE }));
  });

  router.get(`${UI_BASE}/portals/:portalId/contacts/:id`, (req, res) => {
    const portal = store.portal(Number(req.params.portalId));
    if (!portal) return notFound(res, `There is no portal ${req.params.portalId}.`);
    const record = portal.recordsOf('contacts').get(String(req.params.id));
    if (!record || record.archived)
      return notFound(res, `Portal ${portal.portalId} has no contact ${req.params.id}.`);
    send(res, 200, contactPage(portal, record, contactTimeline(portal, record.id)));
  });

  return router;
}
