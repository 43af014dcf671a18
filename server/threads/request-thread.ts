/**
 * A thread of the process's own that answers requests, each matched to its answer by an id: the
 * work it is sent (explaining scores, reading the sentiment of texts) leaves the job's event loop
 * free for the database and the CRM meanwhile. An idle thread never keeps the process alive. A
 * thread that died fails whatever it was asked; its owner starts another (`failed`).
 */
import { Worker } from 'node:worker_threads';

/** What the thread answers a request with (`serveRequests` in ./serve-requests.ts). */
export type ThreadReply = { id: number; result: unknown } | { id: number; error: string };

export class RequestThread<Request extends object, Result> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  failed = false;

  /** `module`: the thread's main module, relative to this folder (./thread-entry.mjs loads it). */
  constructor(module: string, name: string) {
    this.worker = new Worker(new URL('./thread-entry.mjs', import.meta.url), { workerData: { module } });
    this.worker.unref();
    this.worker.on('message', (reply: ThreadReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.result as Result);
    });
    const fail = (error: Error) => {
      this.failed = true;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the ${name} thread exited with code ${code}`)));
  }

  /** Sends a request and waits for its answer. */
  request(request: Request): Promise<Result> {
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...request, id });
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }

  /** Sends a message the thread does not answer (state it keeps for later requests). */
  tell(message: object): void {
    this.worker.postMessage(message);
  }
}
