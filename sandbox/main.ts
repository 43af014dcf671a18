/**
 * Starts the sandbox on loopback: `startSandbox({ port: 0 })` for tests, or a fixed port for the
 * demo. Apps and portals given here are registered before the first request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { createSandboxApp, type SandboxOptions } from './app.js';
import { seedDefaultProperties } from './default-properties.js';
import { SandboxStore, type SandboxApp } from './store.js';

export interface StartSandboxOptions extends SandboxOptions {
  port?: number;
  host?: string;
  store?: SandboxStore;
  apps?: SandboxApp[];
  portals?: number[];
}

export interface RunningSandbox {
  url: string;
  store: SandboxStore;
  app: express.Express;
  close(): Promise<void>;
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const store = options.store ?? new SandboxStore();
  for (const app of options.apps ?? []) store.registerApp(app);
  for (const portalId of options.portals ?? []) {
    seedDefaultProperties(store.portal(portalId) ?? store.createPortal(portalId));
  }
  const app = createSandboxApp(store, options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, host, () => resolve(listening));
    listening.once('error', reject);
  });
  // As HubSpot's edge does, idle connections outlive the clients' own pools.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    store,
    app,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
