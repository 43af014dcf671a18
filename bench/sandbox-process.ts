/**
 * A bench's CRM sandbox in a process of its own, holding one generated portal: a portal of a
 * million contacts is a heap of about 12 GB, and sharing it with the bench's own work (the counting
 * proxy, the product's server, the CPU sampling) made every garbage collection of that heap the
 * bench's. Apart, the sandbox answers a list page in a few milliseconds of CPU at any size, and its
 * CPU is counted on its own.
 *
 * The parent forks this module and talks to it over IPC (`startSandboxProcess`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { generatePortal, type ChurnUnit } from '../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/main.js';
import type { SandboxApp } from '../sandbox/store.js';
import { sandboxCounts } from '../tests/support/sandbox-portal.js';

export interface SandboxProcessOptions {
  portalId: number;
  contacts: number;
  seed: number;
  churnUnit?: ChurnUnit;
  rateLimits?: { tenSecondlyMax: number; searchPerSecond: number };
}

export interface SandboxProcess {
  url: string;
  pid: number;
  /** Live records per type and contact associations (see tests/support/sandbox-portal.ts). */
  counts: Record<string, number>;
  registerApp(app: SandboxApp): Promise<void>;
  /** Contacts holding a `churn_risk_tier`: what a write-back has reached. */
  contactsWithTier(): Promise<number>;
  close(): Promise<void>;
}

const request = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('register-app'), id: z.number(), app: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal('contacts-with-tier'), id: z.number() }),
  z.object({ kind: z.literal('close'), id: z.number() }),
]);

const reply = z.object({ id: z.number(), value: z.unknown().optional(), error: z.string().optional() });

const ready = z.object({
  kind: z.literal('ready'),
  url: z.string(),
  counts: z.record(z.string(), z.number()),
});

/** V8's old space for a portal of `contacts`: about 120 MB per 10,000, with room to collect. */
function heapMegabytes(contacts: number): number {
  return Math.max(4096, Math.ceil((contacts / 10_000) * 180));
}

export async function startSandboxProcess(options: SandboxProcessOptions): Promise<SandboxProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(options)], {
    execArgv: [...process.execArgv, `--max-old-space-size=${heapMegabytes(options.contacts)}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const started = new Promise<z.infer<typeof ready>>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the sandbox process exited (${code}) before it was ready`)),
    );
    child.on('message', (message) => {
      const isReady = ready.safeParse(message);
      if (isReady.success) return resolve(isReady.data);
      const answer = reply.parse(message);
      const waiting = pending.get(answer.id);
      pending.delete(answer.id);
      if (answer.error !== undefined) waiting?.reject(new Error(answer.error));
      else waiting?.resolve(answer.value);
    });
  });
  const call = (message: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...message, id });
    });
  const { url, counts } = await started;
  return {
    url,
    pid: child.pid!,
    counts,
    registerApp: async (app) => void (await call({ kind: 'register-app', app })),
    contactsWithTier: async () => z.number().parse(await call({ kind: 'contacts-with-tier' })),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call({ kind: 'close' }).catch(() => {});
      await exited;
    },
  };
}

async function serve(options: SandboxProcessOptions): Promise<void> {
  const sandbox: RunningSandbox = await startSandbox({
    portals: [options.portalId],
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  });
  const portal = sandbox.store.portal(options.portalId)!;
  generatePortal(portal, {
    contacts: options.contacts,
    seed: options.seed,
    ...(options.churnUnit ? { churnUnit: options.churnUnit } : {}),
  });
  process.on('message', (message) => {
    const asked = request.parse(message);
    const answer = (value?: unknown) => process.send!({ id: asked.id, value });
    switch (asked.kind) {
      case 'register-app':
        sandbox.store.registerApp(asked.app as unknown as SandboxApp);
        return answer();
      case 'contacts-with-tier': {
        let n = 0;
        for (const contact of portal.recordsOf('contacts').values())
          if (contact.properties.churn_risk_tier) n++;
        return answer(n);
      }
      case 'close':
        answer();
        void sandbox.close().then(() => process.exit(0));
    }
  });
  process.send!({ kind: 'ready', url: sandbox.url, counts: sandboxCounts(portal) });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  await serve(JSON.parse(process.argv[2]!) as SandboxProcessOptions);
}
