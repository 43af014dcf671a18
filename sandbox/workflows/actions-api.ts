/**
 * The Automation Actions API for custom action definitions, at
 * `/automation/actions/2026-03/{appId}` and `/automation/v4/actions/{appId}`, authenticated by the
 * developer key (`?hapikey=` = the app's client secret, see ../webhooks/developer-key.ts).
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { hubSpotErrorHandler, notFound, parseInput } from '../http/errors.js';
import { API_VERSION } from '../http/version.js';
import type { SandboxStore } from '../store.js';
import { requireDeveloperKey } from '../webhooks/developer-key.js';
import {
  definitionBody,
  definitionEgg,
  definitionPatch,
  type ActionDefinitionRegistry,
} from './definitions.js';

const PREFIXES = [`/automation/actions/${API_VERSION}/:appId`, '/automation/v4/actions/:appId'];

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
  const noDefinition = (req: Request) =>
    notFound(`App ${req.params.appId} has no action definition ${req.params.definitionId}.`);

  router.use(PREFIXES, express.json({ limit: '1mb' }), requireDeveloperKey(store));

  router.get(at(''), (req, res) => {
    const query = parseInput(listQuery, req.query);
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
    const egg = parseInput(definitionEgg, req.body);
    res.status(201).json(definitionBody(definitions.create(appId(req), egg, store.now())));
  });
  router.get(at('/:definitionId'), (req, res) => {
    const definition = definitions.get(appId(req), String(req.params.definitionId));
    if (!definition) throw noDefinition(req);
    res.json(definitionBody(definition));
  });
  router.patch(at('/:definitionId'), (req, res) => {
    const patch = parseInput(definitionPatch, req.body);
    const updated = definitions.update(appId(req), String(req.params.definitionId), patch, store.now());
    if (!updated) throw noDefinition(req);
    res.json(definitionBody(updated));
  });
  router.delete(at('/:definitionId'), (req, res) => {
    if (!definitions.archive(appId(req), String(req.params.definitionId), store.now()))
      throw noDefinition(req);
    res.status(204).end();
  });
  router.get(at('/:definitionId/revisions'), (req, res) => {
    const revisions = definitions.revisionsOf(appId(req), String(req.params.definitionId));
    if (!revisions) throw noDefinition(req);
    res.json({
      results: revisions.map((revision) => ({
        id: String(req.params.definitionId),
        revisionId: String(revision.revisionId),
        createdAt: revision.createdAt.toISOString(),
        definition: definitionBody(revision.definition),
      })),
    });
  });
  router.use(hubSpotErrorHandler);
  return router;
}
