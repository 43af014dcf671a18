/**
 * The demo's retention campaigns, tried in the sandbox portal as HubSpot's users would: the
 * developer registers the app's workflow actions (the manifest's, at the demo's address) through
 * HubSpot's custom workflow actions API; a marketer builds a win-back workflow on the tier the
 * first cycle wrote and asks a handful of customers for feedback. The sandbox's workflow engine
 * then calls the product's signed action endpoint, and the product answers, writes the offer codes
 * back and completes the callbacks, as it would in HubSpot.
 */
import { withPublicUrl, type AppManifest, type ManifestWorkflowAction } from '../server/manifest/index.js';
import { padLabel, progressBar } from './progress.js';

export const WIN_BACK_CAMPAIGN = 'Demo win-back';
export const FEEDBACK_CAMPAIGN = 'Demo feedback';
/** The win-back's holdout where the first cycle scored enough customers high. */
export const WIN_BACK_HOLDOUT_PERCENT = 10;
/** The fewest held-out customers the win-back aims at, so that the report has a group to compare with. */
const WIN_BACK_MIN_CONTROL = 10;
const WIN_BACK_MAX_HOLDOUT_PERCENT = 50;

/**
 * The win-back's holdout for `highContacts` customers scored high: 10 %, or a larger share where
 * 10 % would hold out fewer than ten (a small demo's few dozen), up to half. Each customer is still
 * drawn at random; the larger share only makes an empty control group unlikely (for 19 customers,
 * one chance in seven at 10 %, about two in a million at 50 %).
 */
export function winBackHoldoutPercent(highContacts: number): number {
  const forMinControl = Math.ceil((WIN_BACK_MIN_CONTROL * 100) / Math.max(highContacts, 1));
  return Math.min(WIN_BACK_MAX_HOLDOUT_PERCENT, Math.max(WIN_BACK_HOLDOUT_PERCENT, forMinControl));
}

const winBackOffer = (holdoutPercent: number) => ({
  offer_type: 'discount',
  discount_percent: 20,
  validity_days: 30,
  holdout_percent: holdoutPercent,
  campaign: WIN_BACK_CAMPAIGN,
});
/** Long enough for a few hundred offer codes written at the sandbox's rate limit. */
const CAMPAIGN_TIMEOUT_MS = 10 * 60_000;

export interface SandboxDeveloperApp {
  appId: number;
  clientSecret: string;
}

interface ActionExecution {
  type: 'action';
  state: 'RUNNING' | 'BLOCKED' | 'SUCCESS' | 'FAIL_CONTINUE' | 'FAILED';
  outputFields?: Record<string, unknown>;
  error?: string;
}

interface Enrollment {
  objectId: string;
  status: 'ACTIVE' | 'WAITING' | 'COMPLETED' | 'FAILED';
  history: (ActionExecution | { type: 'branch' })[];
}

/** What the campaigns did in the sandbox portal. */
export interface CampaignTrial {
  /** The win-back workflow's holdout, in percent. */
  holdoutPercent: number;
  /** Enrolled in the win-back workflow: the contacts the first cycle wrote as high. */
  enrolled: number;
  treated: number;
  heldOut: number;
  /** Enrollments whose action failed, or did not finish in time. */
  unfinished: number;
  /** Treated contacts whose code the CRM holds in `retention_offer_code`. */
  codesWritten: number;
  /** One of them. */
  offer: { contactId: string; code: string } | null;
  /** Contacts asked for feedback, and the survey link of one of them. */
  asked: number;
  surveyUrl: string | null;
  /** The first problem seen, for the closing lines. */
  problem: string | null;
  /** Where the sandbox decides who leaves after the campaign (sandbox/generator/retention-outcomes.ts). */
  outcomesUrl: string;
}

async function sandboxApi<T>(sandboxUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`the sandbox answered ${method} ${path} with ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A manifest action as HubSpot's definitions API takes it (`PublicActionDefinitionEgg`): the
 * project component's configuration under the API's names.
 */
function definitionEgg(action: ManifestWorkflowAction) {
  return {
    actionUrl: action.actionUrl,
    published: action.isPublished,
    objectTypes: action.objectTypes,
    inputFields: action.inputFields,
    outputFields: action.outputFields,
    labels: action.labels,
  };
}

/**
 * Registers the app's workflow actions with `POST /automation/v4/actions/{appId}` (the developer
 * key is the app's client secret, as in the sandbox), their URLs at `publicUrl`. Returns each
 * action's definition id by its manifest key.
 */
export async function registerWorkflowActions(
  sandboxUrl: string,
  app: SandboxDeveloperApp,
  manifest: AppManifest,
  publicUrl: string,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const action of withPublicUrl(manifest.workflowActions, publicUrl)) {
    const created = await sandboxApi<{ id: string }>(
      sandboxUrl,
      'POST',
      `/automation/v4/actions/${app.appId}?hapikey=${encodeURIComponent(app.clientSecret)}`,
      definitionEgg(action),
    );
    ids.set(action.key, created.id);
  }
  return ids;
}

function definitionOf(ids: Map<string, string>, key: string): string {
  const id = ids.get(key);
  if (!id) throw new Error(`the app's manifest declares no workflow action "${key}"`);
  return id;
}

const actionOf = (enrollment: Enrollment) =>
  enrollment.history.find((entry): entry is ActionExecution => entry.type === 'action');
const finished = (enrollment: Enrollment) =>
  enrollment.status === 'COMPLETED' || enrollment.status === 'FAILED';

/**
 * Runs the demo's two workflows in the sandbox portal `hubId` and waits until every enrollment
 * has run: "When churn_risk_tier becomes high → Send retention offer" (a holdout of
 * `winBackHoldoutPercent`), which enrolls the contacts already high, and "Request feedback",
 * enrolled by hand with `feedbackContactIds`.
 */
export async function runDemoCampaigns(options: {
  sandboxUrl: string;
  hubId: number;
  app: SandboxDeveloperApp;
  manifest: AppManifest;
  publicUrl: string;
  feedbackContactIds: string[];
  /** The contacts the first cycle wrote as high, whom the win-back will enroll. */
  highContacts: number;
  /** The contact's `retention_offer_code` as the CRM holds it now. */
  offerCodeInCrm: (contactId: string) => string | null;
  /** Stops waiting for the enrollments (the demo is shutting down). */
  signal?: AbortSignal;
}): Promise<CampaignTrial> {
  const { sandboxUrl, hubId } = options;
  const definitions = await registerWorkflowActions(
    sandboxUrl,
    options.app,
    options.manifest,
    options.publicUrl,
  );
  const workflows = `/_sandbox/portals/${hubId}/workflows`;
  const holdoutPercent = winBackHoldoutPercent(options.highContacts);
  const winBack = await sandboxApi<{ id: number }>(sandboxUrl, 'POST', workflows, {
    name: `${WIN_BACK_CAMPAIGN}: high churn risk → retention offer`,
    enrollment: { property: 'churn_risk_tier', operator: 'EQ', value: 'high' },
    steps: [
      {
        id: 'offer',
        type: 'action',
        actionDefinitionId: definitionOf(definitions, 'send-retention-offer'),
        inputFields: winBackOffer(holdoutPercent),
      },
    ],
  });
  // The first cycle wrote the tiers before the workflow existed: enroll those who meet it now.
  await sandboxApi(sandboxUrl, 'POST', `${workflows}/${winBack.id}/evaluate`);
  const feedback = await sandboxApi<{ id: number }>(sandboxUrl, 'POST', workflows, {
    name: `${FEEDBACK_CAMPAIGN}: ask for feedback`,
    steps: [
      {
        id: 'survey',
        type: 'action',
        actionDefinitionId: definitionOf(definitions, 'request-feedback'),
        inputFields: { holdout_percent: 0, campaign: FEEDBACK_CAMPAIGN },
      },
    ],
  });
  if (options.feedbackContactIds.length > 0) {
    await sandboxApi(sandboxUrl, 'POST', `${workflows}/${feedback.id}/enrollments`, {
      objectIds: options.feedbackContactIds,
    });
  }

  const enrollmentsOf = async (id: number) =>
    (await sandboxApi<{ results: Enrollment[] }>(sandboxUrl, 'GET', `${workflows}/${id}/enrollments`))
      .results;
  const bar = progressBar(padLabel('Running campaigns'));
  const deadline = Date.now() + CAMPAIGN_TIMEOUT_MS;
  let offers: Enrollment[];
  let surveys: Enrollment[];
  try {
    for (;;) {
      [offers, surveys] = await Promise.all([enrollmentsOf(winBack.id), enrollmentsOf(feedback.id)]);
      const all = [...offers, ...surveys];
      const done = all.filter(finished).length;
      bar.update(done, all.length);
      if (done === all.length || Date.now() > deadline || options.signal?.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    bar.stop();
  }
  return {
    holdoutPercent,
    ...summarise(offers, surveys, options.offerCodeInCrm),
    outcomesUrl: `${sandboxUrl}/_sandbox/portals/${hubId}/retention-outcomes`,
  };
}

function summarise(
  offers: Enrollment[],
  surveys: Enrollment[],
  offerCodeInCrm: (contactId: string) => string | null,
): Omit<CampaignTrial, 'outcomesUrl' | 'holdoutPercent'> {
  const trial: Omit<CampaignTrial, 'outcomesUrl' | 'holdoutPercent'> = {
    enrolled: offers.length,
    treated: 0,
    heldOut: 0,
    unfinished: 0,
    codesWritten: 0,
    offer: null,
    asked: 0,
    surveyUrl: null,
    problem: null,
  };
  const noteProblem = (enrollment: Enrollment) => {
    trial.unfinished += 1;
    const action = actionOf(enrollment);
    trial.problem ??= action?.error ?? `an enrollment is still ${enrollment.status.toLowerCase()}`;
  };
  for (const enrollment of offers) {
    const action = actionOf(enrollment);
    if (enrollment.status !== 'COMPLETED' || !action) {
      noteProblem(enrollment);
      continue;
    }
    if (action.outputFields?.group === 'control') {
      trial.heldOut += 1;
      continue;
    }
    trial.treated += 1;
    const code = String(action.outputFields?.offer_code ?? '');
    if (code && offerCodeInCrm(enrollment.objectId) === code) {
      trial.codesWritten += 1;
      trial.offer ??= { contactId: enrollment.objectId, code };
    }
  }
  for (const enrollment of surveys) {
    const url = actionOf(enrollment)?.outputFields?.survey_url;
    if (enrollment.status !== 'COMPLETED' || typeof url !== 'string') {
      noteProblem(enrollment);
      continue;
    }
    trial.asked += 1;
    trial.surveyUrl ??= url;
  }
  return trial;
}
