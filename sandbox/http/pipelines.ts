/**
 * HubSpot's pipelines API (pipelines 2026-03) for deals and tickets, read side:
 * `GET /crm/pipelines/2026-03/{objectType}` lists the live pipelines in display order,
 * `…/{pipelineId}` reads one, `…/{pipelineId}/stages` lists its stages and
 * `…/{pipelineId}/stages/{stageId}` reads one stage. The numbered `/crm/v3/pipelines` paths, which
 * the SDK calls, are served by the same handlers. The object type may be named or given by its
 * id (`0-3` deals, `0-5` tickets).
 *
 * Any one of the read scopes the spec lists lets an app read pipelines; these are the ones an app
 * reading deals or tickets holds.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PortalData } from '../store.js';
import {
  pipelinesInOrder,
  type PipelineObjectType,
  type SandboxPipeline,
  type SandboxPipelineStage,
} from '../pipelines.js';
import { assertScopes, callerOf } from './auth.js';
import { notFound, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { API_VERSION, routes } from './version.js';

const PIPELINE_PREFIXES = [`/crm/pipelines/${API_VERSION}`, '/crm/v3/pipelines'];
const READ_SCOPES = [
  'crm.objects.deals.read',
  'tickets',
  'crm.objects.deals.write',
  'crm.schemas.deals.read',
  'crm.schemas.tickets.read',
  'crm.objects.contacts.read',
  'crm.objects.companies.read',
  'automation',
  'e-commerce',
];
const OBJECT_TYPE_IDS: Record<string, PipelineObjectType> = {
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  tickets: 'tickets',
  ticket: 'tickets',
  '0-5': 'tickets',
};

function requireReadScope(_req: Request, res: Response, next: NextFunction): void {
  const caller = callerOf(res);
  if (!READ_SCOPES.some((scope) => caller.token.scopes.includes(scope)))
    assertScopes(caller, [READ_SCOPES[0]!]);
  next();
}

/** A path parameter as the one string it is. */
function param(req: Request, name: string): string {
  return String((req.params as Record<string, unknown>)[name] ?? '');
}

function objectTypeOf(value: string): PipelineObjectType {
  const type = OBJECT_TYPE_IDS[value.toLowerCase()];
  if (!type) throw validationError(`Unable to infer object type from: ${value}`);
  return type;
}

function stageView(stage: SandboxPipelineStage) {
  return {
    id: stage.id,
    label: stage.label,
    displayOrder: stage.displayOrder,
    metadata: { ...stage.metadata },
    createdAt: stage.createdAt.toISOString(),
    updatedAt: stage.updatedAt.toISOString(),
    archived: stage.archived,
    writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT' as const,
  };
}

function liveStages(pipeline: SandboxPipeline): SandboxPipelineStage[] {
  return pipeline.stages
    .filter((stage) => !stage.archived)
    .sort((a, b) => a.displayOrder - b.displayOrder || a.label.localeCompare(b.label));
}

function pipelineView(pipeline: SandboxPipeline) {
  return {
    id: pipeline.id,
    label: pipeline.label,
    displayOrder: pipeline.displayOrder,
    stages: liveStages(pipeline).map(stageView),
    createdAt: pipeline.createdAt.toISOString(),
    updatedAt: pipeline.updatedAt.toISOString(),
    archived: pipeline.archived,
  };
}

function findPipeline(portal: PortalData, type: PipelineObjectType, id: string): SandboxPipeline {
  const found = portal.pipelines.get(type)!.get(id);
  if (!found || found.archived)
    throw notFound(`Unable to find pipeline ${id} for ${type}`, { pipelineId: [id] });
  return found;
}

export function createPipelinesRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const checks = [...guard(() => []), requireReadScope];

  router.get(routes(PIPELINE_PREFIXES, '/:objectType'), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    const type = objectTypeOf(param(req, 'objectType'));
    const live = pipelinesInOrder(portal.pipelines.get(type)!).filter((p) => !p.archived);
    res.json({ results: live.map(pipelineView) });
  });

  router.get(routes(PIPELINE_PREFIXES, '/:objectType/:pipelineId'), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    res.json(
      pipelineView(findPipeline(portal, objectTypeOf(param(req, 'objectType')), param(req, 'pipelineId'))),
    );
  });

  router.get(routes(PIPELINE_PREFIXES, '/:objectType/:pipelineId/stages'), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    const found = findPipeline(portal, objectTypeOf(param(req, 'objectType')), param(req, 'pipelineId'));
    res.json({ results: liveStages(found).map(stageView) });
  });

  router.get(routes(PIPELINE_PREFIXES, '/:objectType/:pipelineId/stages/:stageId'), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    const found = findPipeline(portal, objectTypeOf(param(req, 'objectType')), param(req, 'pipelineId'));
    const stageId = param(req, 'stageId');
    const stage = liveStages(found).find((s) => s.id === stageId);
    if (!stage)
      throw notFound(`Unable to find stage ${stageId} in pipeline ${found.id}`, { stageId: [stageId] });
    res.json(stageView(stage));
  });

  return router;
}
