/**
 * Admin routes for the sandbox's workflows (no authentication; the sandbox listens on loopback):
 * - `POST /_sandbox/portals/{portalId}/workflows`: create one (body: see workflow-spec.ts);
 * - `GET  /_sandbox/portals/{portalId}/workflows[/{id}]`;
 * - `DELETE /_sandbox/portals/{portalId}/workflows/{id}`;
 * - `POST /_sandbox/portals/{portalId}/workflows/{id}/evaluate`: enroll every contact that meets
 *   the condition now (enrollment otherwise happens when a change makes it hold);
 * - `POST /_sandbox/portals/{portalId}/workflows/{id}/enrollments` (`{objectIds}`): enroll these
 *   contacts by hand, whatever the condition (a workflow without one is enrolled only this way);
 * - `GET  /_sandbox/portals/{portalId}/workflows/{id}/enrollments`: each enrollment's history.
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { hubSpotErrorHandler, notFound, parseInput, validationError } from '../http/errors.js';
import type { SandboxStore } from '../store.js';
import type { ActionDefinitionRegistry } from './definitions.js';
import type { Workflow, WorkflowEngine } from './engine.js';
import { allSteps, withStepIds, workflowInput, type Step } from './workflow-spec.js';

const handEnrollment = z.object({ objectIds: z.array(z.coerce.string().min(1)).min(1).max(1000) });

function workflowBody(workflow: Workflow) {
  return { ...workflow, createdAt: workflow.createdAt.toISOString() };
}

/** Why the steps cannot run in this portal, if they cannot. */
function stepProblems(
  store: SandboxStore,
  definitions: ActionDefinitionRegistry,
  portalId: number,
  steps: Step[],
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, Step>();
  for (const step of allSteps(steps)) {
    if (seen.has(step.id)) problems.push(`step id ${step.id} is used twice`);
    if (step.type === 'action') {
      const definition = definitions.byDefinitionId(step.actionDefinitionId);
      if (!definition || definition.archivedAt !== undefined) {
        problems.push(`step ${step.id}: no action definition ${step.actionDefinitionId}`);
      } else if (!definition.published) {
        problems.push(`step ${step.id}: action definition ${definition.id} is not published`);
      } else if (!store.installs.has(`${definition.appId}:${portalId}`)) {
        problems.push(`step ${step.id}: app ${definition.appId} is not installed in portal ${portalId}`);
      }
    } else if (seen.get(step.stepId)?.type !== 'action') {
      problems.push(`step ${step.id}: branches on ${step.stepId}, which is not an earlier action step`);
    }
    seen.set(step.id, step);
  }
  return problems;
}

export function createWorkflowAdminRouter(
  store: SandboxStore,
  definitions: ActionDefinitionRegistry,
  engine: WorkflowEngine,
): express.Router {
  const router = express.Router();
  const base = '/_sandbox/portals/:portalId/workflows';
  router.use(base, express.json({ limit: '1mb' }), (req, _res, next) => {
    if (!store.portal(Number(req.params.portalId))) throw notFound(`No portal ${req.params.portalId}.`);
    next();
  });
  const portalId = (req: Request) => Number(req.params.portalId);
  const findWorkflow = (req: Request) => {
    const workflow = engine.workflow(portalId(req), Number(req.params.id));
    if (!workflow) throw notFound(`No workflow ${req.params.id} in portal ${req.params.portalId}.`);
    return workflow;
  };

  router.post(base, (req, res) => {
    const input = parseInput(workflowInput, req.body);
    const steps = withStepIds(input.steps);
    const problems = stepProblems(store, definitions, portalId(req), steps);
    if (problems.length > 0) {
      throw validationError(
        `Invalid workflow: ${problems.join('; ')}`,
        problems.map((message) => ({ message, in: 'steps' })),
      );
    }
    res.status(201).json(workflowBody(engine.createWorkflow(portalId(req), { ...input, steps })));
  });
  router.get(base, (req, res) => {
    res.json({ results: engine.workflows(portalId(req)).map(workflowBody) });
  });
  router.get(`${base}/:id`, (req, res) => {
    res.json(workflowBody(findWorkflow(req)));
  });
  router.delete(`${base}/:id`, (req, res) => {
    engine.deleteWorkflow(portalId(req), findWorkflow(req).id);
    res.status(204).end();
  });
  router.post(`${base}/:id/evaluate`, (req, res) => {
    res.json({ enrolled: engine.evaluate(findWorkflow(req)).map((e) => e.objectId) });
  });
  router.post(`${base}/:id/enrollments`, (req, res) => {
    const { objectIds } = parseInput(handEnrollment, req.body);
    const result = engine.enrollByHand(findWorkflow(req), objectIds);
    if ('unknown' in result) {
      throw validationError(
        `Portal ${req.params.portalId} has no contact ${result.unknown.join(', ')}.`,
        result.unknown.map((id) => ({ message: `no contact ${id}`, in: 'objectIds' })),
      );
    }
    res.json({ enrolled: result.enrolled.map((e) => e.objectId) });
  });
  router.get(`${base}/:id/enrollments`, (req, res) => {
    res.json({ results: engine.enrollments(findWorkflow(req).id) });
  });
  router.use(hubSpotErrorHandler);
  return router;
}
