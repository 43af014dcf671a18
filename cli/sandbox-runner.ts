import { generatePortal, type ChurnUnit, type GenerationSummary } from '../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/main.js';
import { loadRavenStack } from '../sandbox/ravenstack.js';
import type { ConnectedApp } from '../sandbox/salesforce/auth.js';
import { generateOrg } from '../sandbox/salesforce/from-generator.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../sandbox/salesforce/store.js';
import { SandboxStore, type SandboxApp } from '../sandbox/store.js';
import { createWebViewRouter } from '../sandbox/web/router.js';
import { createWebhooksRouter } from '../sandbox/webhooks/router.js';
import { createWorkflowsRouter } from '../sandbox/workflows/router.js';
import { progressBar } from './progress.js';

export interface SandboxRunOptions {
  port: number;
  portalId: number;
  contacts: number;
  seed: number;
  /** Who decides to leave in the generated data (sandbox/generator/account-churn.ts); 'contact' by default. */
  churnUnit?: ChurnUnit;
  /** The portal's domain (HubSpot's `hub_domain`, which the product names the portal by). */
  domain?: string;
  ravenstackDir?: string;
  apps?: SandboxApp[];
}

export interface SandboxRun {
  sandbox: RunningSandbox;
  summary: GenerationSummary | { loaded: 'ravenstack' };
  close(): Promise<void>;
}

/** The local CRM with its webhooks, workflow engine and web view, and one portal of customers. */
export async function runSandbox(options: SandboxRunOptions): Promise<SandboxRun> {
  const store = new SandboxStore();
  const routers = { webhooks: createWebhooksRouter(store), workflows: createWorkflowsRouter(store) };
  if (options.domain) store.createPortal(options.portalId, options.domain);
  const sandbox = await startSandbox({
    store,
    port: options.port,
    portals: [options.portalId],
    apps: options.apps ?? [],
    extraRouters: [routers.webhooks, routers.workflows, createWebViewRouter(store)],
  });
  const portal = store.portal(options.portalId)!;
  let summary: SandboxRun['summary'];
  if (options.ravenstackDir) {
    loadRavenStack(portal, { dir: options.ravenstackDir });
    summary = { loaded: 'ravenstack' };
  } else {
    const bar = progressBar('Generating customers');
    summary = generatePortal(portal, {
      contacts: options.contacts,
      seed: options.seed,
      ...(options.churnUnit ? { churnUnit: options.churnUnit } : {}),
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
  }
  return {
    sandbox,
    summary,
    close: async () => {
      routers.webhooks.close();
      routers.workflows.close();
      await sandbox.close();
    },
  };
}

export interface SalesforceSandboxRunOptions {
  /** The login origin's port; the instance origin listens on the next (0: any two free ports). */
  port: number;
  contacts: number;
  seed: number;
  /** Who decides to leave in the generated data; 'contact' by default. */
  churnUnit?: ChurnUnit;
  apps?: ConnectedApp[];
}

export interface SalesforceSandboxRun {
  sandbox: RunningSalesforceSandbox;
  org: SalesforceOrg;
  summary: GenerationSummary;
  close(): Promise<void>;
}

/** The Salesforce sandbox alone, with one org of generated customers. */
export async function runSalesforceSandbox(
  options: SalesforceSandboxRunOptions,
): Promise<SalesforceSandboxRun> {
  const sandbox = await startSalesforceSandbox({ port: options.port, apps: options.apps ?? [], orgs: 1 });
  const org = [...sandbox.store.orgs.values()][0]!;
  const bar = progressBar('Generating customers');
  let summary: GenerationSummary;
  try {
    summary = generateOrg(org, {
      contacts: options.contacts,
      seed: options.seed,
      ...(options.churnUnit ? { churnUnit: options.churnUnit } : {}),
      onProgress: (done, total) => bar.update(done, total),
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  } finally {
    bar.stop();
  }
  return { sandbox, org, summary, close: () => sandbox.close() };
}
