/**
 * The Automation Actions API for custom action definitions, at
 * `/automation/actions/2026-03/{appId}` and `/automation/v4/actions/{appId}`, authenticated by the
 * developer key (`?hapikey=` = the app's client secret, see ../webhooks/developer-key.ts).
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import type { SandboxStore } from '../store.js';
import { requireDeveloperKey } from '../webhooks/developer-key.js';
import { parseOr400, sendError } from '../webhooks/errors.js';
import {
  definitionBody,
  definitionEgg,
  definitionPatch,
  type ActionDefinitionRegistry,
} from './definitions.js';

const PREFIXES = ['/automation/actions/2026-03/:appId', '/automation/v4/actions/:appId'];

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  after: z.coerce.number().int().min(0).default(0),
  archived: z.enum(['true', 'false']).default('false'),
});

export function createActionDefinitionsRouter(
  store: SandboxStore,
  definitions: ActionDefinitionRegistry,
): express.Router {
  const router = express.Router();
  const at = (suffix: string) => PREFIXES.map((prefix) => prefix + suffix);
  const appId = (req: Request) => Number(req.params.appId);
  const notFound = (res: express.Response) =>
    sendError(res, 404, 'OBJECT_NOT_FOUND', 'No action definition with this id for this app.');

  router.use(PREFIXES, express.json({ limit: '1mb' }), requireDeveloperKey(store));

  router.get(at(''), (req, res) => {
    const query = parseOr400(res, listQuery, req.query);
    if (!query) return;
    const all = definitions.list(appId(req), query.archived === 'true');
    const page = all.slice(query.after, query.after + query.limit);
    const next = query.after + query.limit;
    res.json({
      results: page.map(definitionBody),
      ...(next < all.length
        ? {
            paging: {
              next: {
                after: String(next),
                link: `${req.baseUrl}${req.path}?after=${next}&limit=${query.limit}`,
              },
            },
          }
        : {}),
    });
  });
  router.post(at(''), (req, res) => {
    const egg = parseOr400(res, definitionEgg, req.body);
    if (!egg) return;
    res.status(201).json(definitionBody(definitions.create(appId(req), egg, store.now())));
  });
  router.get(at('/:definitionId'), (req, res) => {
    const definition = definitions.get(appId(req), String(req.params.definitionId));
    if (!definition) return notFound(res);
    res.json(definitionBody(definition));
  });
  router.patch(at('/:definitionId'), (req, res) => {
    const patch = parseOr400(res, definitionPatch, req.body);
    if (!patch) return;
    const updated = definitions.update(appId(req), String(req.params.definitionId), patch, store.now());
    if (!updated) return notFound(res);
    res.json(definitionBody(updated));
  });
  router.delete(at('/:definitionId'), (req, res) => {
    if (!definitions.archive(appId(req), String(req.params.definitionId), store.now())) return notFound(res);
    res.status(204).end();
  });
  router.get(at('/:definitionId/revisions'), (req, res) => {
    const revisions = definitions.revisionsOf(appId(req), String(req.params.definitionId));
    if (!revisions) return notFound(res);
    res.json({
      results: revisions.map((revision) => ({
        id: String(req.params.definitionId),
        revisionId: String(revision.revisionId),
        createdAt: revision.createdAt.toISOString(),
        definition: definitionBody(revision.definition),
      })),
    });
  });
  return router;
}
