/**
 * Starts the Salesforce sandbox on loopback: the login origin on `port` and the instance origin on
 * `port + 1` (`instance_url` is the instance's bare origin), or two free ports when `port` is 0
 * (tests). Connected apps and orgs given here exist before the first request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { createSalesforceApps, type SalesforceControls, type SalesforceSandboxOptions } from './app.js';
import type { ConnectedApp, SalesforceAuth, SalesforceOrigins } from './auth.js';
import { SalesforceStore } from './store.js';

export interface StartSalesforceSandboxOptions extends SalesforceSandboxOptions {
  /** The login origin's port; the instance origin listens on the next. 0: two free ports. */
  port?: number;
  host?: string;
  store?: SalesforceStore;
  apps?: ConnectedApp[];
  /** Orgs to create (empty ones; fill them with `generateOrg`). */
  orgs?: number;
}

export interface RunningSalesforceSandbox {
  loginUrl: string;
  instanceUrl: string;
  store: SalesforceStore;
  auth: SalesforceAuth;
  controls: SalesforceControls;
  close(): Promise<void>;
}

async function listen(app: express.Express, port: number, host: string): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // As Salesforce's edge does, idle connections outlive the clients' own pools.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export async function startSalesforceSandbox(
  options: StartSalesforceSandboxOptions = {},
): Promise<RunningSalesforceSandbox> {
  const store = options.store ?? new SalesforceStore();
  for (let i = 0; i < (options.orgs ?? 0); i++) store.createOrg();
  const host = options.host ?? '127.0.0.1';
  const origins: SalesforceOrigins = { loginUrl: '', instanceUrl: '' };
  const { login, instance, controls } = createSalesforceApps(store, origins, options);
  for (const app of options.apps ?? []) controls.auth.registerApp(app);

  const port = options.port ?? 0;
  const loginServer = await listen(login, port, host);
  let instanceServer: Server;
  try {
    instanceServer = await listen(instance, port === 0 ? 0 : port + 1, host);
  } catch (error) {
    await close(loginServer);
    throw error;
  }
  const origin = (server: Server) => `http://${host}:${(server.address() as AddressInfo).port}`;
  origins.loginUrl = origin(loginServer);
  origins.instanceUrl = origin(instanceServer);

  return {
    loginUrl: origins.loginUrl,
    instanceUrl: origins.instanceUrl,
    store,
    auth: controls.auth,
    controls,
    close: async () => {
      await Promise.all([close(loginServer), close(instanceServer)]);
    },
  };
}
