/**
 * The sandbox's workflow engine: enrolls a contact in a workflow (once) when a change makes the
 * workflow's condition hold, or when a person enrolls it by hand, then runs its steps: custom
 * actions are called at their actionUrl; SUCCESS and FAIL_CONTINUE move on with the outputs
 * recorded; BLOCK waits until the app completes the callback; a failed call ends the enrollment
 * as FAILED.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordChange, SandboxStore } from '../store.js';
import { callAction, type CallAttempt, type RetryPolicy } from './action-call.js';
import type { ActionDefinitionRegistry } from './definitions.js';
import { conditionHolds, type ActionStep, type Step, type WorkflowInput } from './workflow-spec.js';

export interface Workflow extends Omit<WorkflowInput, 'steps'> {
  id: number;
  portalId: number;
  steps: Step[];
  createdAt: Date;
}

export type ExecutionState = 'SUCCESS' | 'FAIL_CONTINUE' | 'BLOCK';

export interface ActionExecution {
  type: 'action';
  stepId: string;
  actionDefinitionId: string;
  callbackId: string;
  state: 'RUNNING' | 'BLOCKED' | 'SUCCESS' | 'FAIL_CONTINUE' | 'FAILED';
  attempts: CallAttempt[];
  outputFields?: Record<string, unknown>;
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

export interface BranchDecision {
  type: 'branch';
  stepId: string;
  value: string | null;
  /** The branch value that matched, or null when the `otherwise` steps ran. */
  matched: string | null;
}

export interface Enrollment {
  id: number;
  workflowId: number;
  portalId: number;
  objectType: 'CONTACT';
  objectId: string;
  status: 'ACTIVE' | 'WAITING' | 'COMPLETED' | 'FAILED';
  enrolledAt: string;
  finishedAt?: string;
  history: (ActionExecution | BranchDecision)[];
}

interface PendingCallback {
  appId: number;
  portalId: number;
  resolve: (outputFields: Record<string, string>) => void;
}

const EXECUTION_STATES = new Set(['SUCCESS', 'FAIL_CONTINUE', 'BLOCK', 'ASYNC']);

export class WorkflowEngine {
  private readonly workflowsById = new Map<number, Workflow>();
  private readonly enrollmentsByWorkflow = new Map<number, Map<string, Enrollment>>();
  private readonly pendingCallbacks = new Map<string, PendingCallback>();
  private readonly aborter = new AbortController();
  private readonly unsubscribe: () => void;
  private nextWorkflowId = 1;
  private nextEnrollmentId = 1;
  /**
   * Part of every callbackId: apps keep callbackIds as keys that make a retried call harmless, and
   * an app's database can outlive a sandbox (the demo's does), so a restarted sandbox must not
   * hand out the ids of the last one again.
   */
  private readonly instance = randomBytes(4).toString('hex');

  constructor(
    private readonly store: SandboxStore,
    private readonly definitions: ActionDefinitionRegistry,
    private readonly retry: RetryPolicy,
    /** Whether the app's next answer is lost on the way back (then the call is made again). */
    private readonly loseAnswer: () => boolean = () => false,
    /**
     * How long after reading a BLOCK answer the engine starts waiting for the step's callback:
     * a completion that arrives before is refused with a 404, as HubSpot refuses one that races
     * ahead of its own bookkeeping.
     */
    private readonly blockNoticeDelayMs = 0,
  ) {
    // Every waiting retry listens for the shutdown; a busy portal has many at once.
    setMaxListeners(Infinity, this.aborter.signal);
    this.unsubscribe = store.onAnyChange((change) => this.onChange(change));
  }

  close(): void {
    this.unsubscribe();
    this.aborter.abort();
    for (const pending of this.pendingCallbacks.values()) pending.resolve({});
    this.pendingCallbacks.clear();
  }

  createWorkflow(portalId: number, input: Omit<Workflow, 'id' | 'portalId' | 'createdAt'>): Workflow {
    const workflow: Workflow = { ...input, id: this.nextWorkflowId++, portalId, createdAt: this.store.now() };
    this.workflowsById.set(workflow.id, workflow);
    this.enrollmentsByWorkflow.set(workflow.id, new Map());
    return workflow;
  }

  workflow(portalId: number, id: number): Workflow | undefined {
    const workflow = this.workflowsById.get(id);
    return workflow?.portalId === portalId ? workflow : undefined;
  }

  workflows(portalId: number): Workflow[] {
    return [...this.workflowsById.values()].filter((w) => w.portalId === portalId);
  }

  deleteWorkflow(portalId: number, id: number): boolean {
    if (!this.workflow(portalId, id)) return false;
    this.workflowsById.delete(id);
    return true;
  }

  enrollments(workflowId: number): Enrollment[] {
    return [...(this.enrollmentsByWorkflow.get(workflowId)?.values() ?? [])];
  }

  /** Enrolls every contact that meets the condition now and is not enrolled yet. */
  evaluate(workflow: Workflow): Enrollment[] {
    const { enrollment: condition } = workflow;
    if (!condition) return [];
    const contacts = this.store.portal(workflow.portalId)?.recordsOf('contacts');
    const enrolled: Enrollment[] = [];
    for (const record of contacts?.values() ?? []) {
      if (record.archived || !conditionHolds(condition, record.properties)) continue;
      const enrollment = this.enroll(workflow, record.id);
      if (enrollment) enrolled.push(enrollment);
    }
    return enrolled;
  }

  /**
   * Enrolls the given contacts whatever the condition says, as a person does by hand; contacts
   * enrolled already are left as they are. Returns the new enrollments, or the ids that name no
   * live contact of the portal (and then enrolls none).
   */
  enrollByHand(workflow: Workflow, objectIds: string[]): { enrolled: Enrollment[] } | { unknown: string[] } {
    const contacts = this.store.portal(workflow.portalId)?.recordsOf('contacts');
    const unknown = objectIds.filter((id) => {
      const record = contacts?.get(id);
      return !record || record.archived;
    });
    if (unknown.length > 0) return { unknown };
    const enrolled: Enrollment[] = [];
    for (const id of new Set(objectIds)) {
      const enrollment = this.enroll(workflow, id);
      if (enrollment) enrolled.push(enrollment);
    }
    return { enrolled };
  }

  /** Whether a BLOCKed action waits for this callback, owned by this app in this portal. */
  isWaiting(callbackId: string, caller: { appId: number; portalId: number }): boolean {
    const pending = this.pendingCallbacks.get(callbackId);
    return pending !== undefined && pending.appId === caller.appId && pending.portalId === caller.portalId;
  }

  /** Completes a BLOCKed action; false when `isWaiting` is false. */
  complete(
    callbackId: string,
    outputFields: Record<string, string>,
    caller: { appId: number; portalId: number },
  ): boolean {
    if (!this.isWaiting(callbackId, caller)) return false;
    const pending = this.pendingCallbacks.get(callbackId)!;
    this.pendingCallbacks.delete(callbackId);
    pending.resolve(outputFields);
    return true;
  }

  private onChange(change: RecordChange): void {
    if (change.objectType !== 'contacts' || (change.kind !== 'creation' && change.kind !== 'propertyChange'))
      return;
    const record = this.store.portal(change.portalId)?.recordsOf('contacts').get(change.objectId);
    if (!record || record.archived) return;
    for (const workflow of this.workflows(change.portalId)) {
      const condition = workflow.enrollment;
      if (!workflow.enabled || !condition || !(condition.property in change.changed)) continue;
      if (conditionHolds(condition, record.properties)) this.enroll(workflow, record.id);
    }
  }

  private enroll(workflow: Workflow, objectId: string): Enrollment | undefined {
    const byObject = this.enrollmentsByWorkflow.get(workflow.id)!;
    if (byObject.has(objectId)) return undefined;
    const enrollment: Enrollment = {
      id: this.nextEnrollmentId++,
      workflowId: workflow.id,
      portalId: workflow.portalId,
      objectType: 'CONTACT',
      objectId,
      status: 'ACTIVE',
      enrolledAt: this.store.now().toISOString(),
      history: [],
    };
    byObject.set(objectId, enrollment);
    void this.runSteps(workflow, enrollment, workflow.steps).then((ok) => {
      if (this.aborter.signal.aborted) return;
      enrollment.status = ok ? 'COMPLETED' : 'FAILED';
      enrollment.finishedAt = this.store.now().toISOString();
    });
    return enrollment;
  }

  private async runSteps(workflow: Workflow, enrollment: Enrollment, steps: Step[]): Promise<boolean> {
    for (const step of steps) {
      if (this.aborter.signal.aborted) return false;
      if (step.type === 'action') {
        if (!(await this.runAction(workflow, enrollment, step))) return false;
        continue;
      }
      const source = [...enrollment.history]
        .reverse()
        .find((entry): entry is ActionExecution => entry.type === 'action' && entry.stepId === step.stepId);
      const raw = source?.outputFields?.[step.outputField];
      const value = raw === undefined || raw === null ? null : String(raw);
      const branch = step.branches.find((b) => b.value === value);
      enrollment.history.push({ type: 'branch', stepId: step.id, value, matched: branch?.value ?? null });
      if (!(await this.runSteps(workflow, enrollment, branch ? branch.steps : step.otherwise))) return false;
    }
    return true;
  }

  private async runAction(workflow: Workflow, enrollment: Enrollment, step: ActionStep): Promise<boolean> {
    const execution: ActionExecution = {
      type: 'action',
      stepId: step.id,
      actionDefinitionId: step.actionDefinitionId,
      callbackId: `ap-${workflow.portalId}-${this.instance}-${enrollment.id}-${enrollment.history.length}`,
      state: 'RUNNING',
      attempts: [],
      startedAt: this.store.now().toISOString(),
    };
    enrollment.history.push(execution);
    const fail = (error: string) => {
      execution.state = 'FAILED';
      execution.error = error;
      execution.finishedAt = this.store.now().toISOString();
      return false;
    };

    const definition = this.definitions.byDefinitionId(step.actionDefinitionId);
    const app = definition && this.store.apps.get(definition.appId);
    if (!definition || definition.archivedAt !== undefined || !app) {
      return fail(`action definition ${step.actionDefinitionId} is archived or gone`);
    }
    if (!this.store.installs.has(`${app.appId}:${workflow.portalId}`)) {
      return fail(`app ${app.appId} is no longer installed in portal ${workflow.portalId}`);
    }
    const contact = this.store.portal(workflow.portalId)?.recordsOf('contacts').get(enrollment.objectId);
    const properties: Record<string, string> = {};
    for (const name of definition.objectRequestOptions?.properties ?? []) {
      const value = contact?.properties[name];
      if (value !== undefined && value !== null) properties[name] = value;
    }

    const outcome = await callAction(
      definition.actionUrl,
      app.clientSecret,
      {
        callbackId: execution.callbackId,
        origin: {
          portalId: workflow.portalId,
          actionDefinitionId: Number(definition.id),
          actionDefinitionVersion: definition.revisionId,
        },
        context: { source: 'WORKFLOWS', workflowId: workflow.id },
        object: { objectId: Number(enrollment.objectId), objectType: 'CONTACT', properties },
        inputFields: step.inputFields ?? {},
      },
      this.retry,
      this.aborter.signal,
      this.loseAnswer,
    );
    execution.attempts = outcome.attempts;
    if (outcome.kind === 'failed') return fail(outcome.reason);

    let outputFields: Record<string, unknown> = outcome.outputFields;
    let state = String(outputFields.hs_execution_state ?? 'SUCCESS');
    if (!EXECUTION_STATES.has(state)) return fail(`unknown hs_execution_state ${state}`);
    if (state === 'BLOCK' || state === 'ASYNC') {
      execution.state = 'BLOCKED';
      execution.outputFields = outputFields;
      enrollment.status = 'WAITING';
      if (this.blockNoticeDelayMs > 0)
        await sleep(this.blockNoticeDelayMs, undefined, { signal: this.aborter.signal }).catch(() => {});
      if (this.aborter.signal.aborted) return false;
      outputFields = await this.waitForCallback(execution.callbackId, app.appId, workflow.portalId);
      if (this.aborter.signal.aborted) return false;
      enrollment.status = 'ACTIVE';
      state = outputFields.hs_execution_state === 'FAIL_CONTINUE' ? 'FAIL_CONTINUE' : 'SUCCESS';
    }
    execution.state = state as 'SUCCESS' | 'FAIL_CONTINUE';
    execution.outputFields = outputFields;
    execution.finishedAt = this.store.now().toISOString();
    return true;
  }

  private waitForCallback(
    callbackId: string,
    appId: number,
    portalId: number,
  ): Promise<Record<string, string>> {
    return new Promise((resolve) => this.pendingCallbacks.set(callbackId, { appId, portalId, resolve }));
  }
}
