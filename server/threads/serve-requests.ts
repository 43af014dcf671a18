/**
 * The thread's side of ./request-thread.ts: answers each message that carries an id with what
 * `handle` returns (or the message of what it threw); a message without one is only handled.
 */
import { parentPort } from 'node:worker_threads';
import type { ThreadReply } from './request-thread.js';

export function serveRequests<Message extends object>(handle: (message: Message) => unknown): void {
  const post = (reply: ThreadReply) => parentPort!.postMessage(reply);
  parentPort!.on('message', (message: Message & { id?: number }) => {
    const { id } = message;
    if (id === undefined) {
      void handle(message);
      return;
    }
    Promise.resolve()
      .then(() => handle(message))
      .then((result) => post({ id, result }))
      .catch((error: unknown) => post({ id, error: error instanceof Error ? error.message : String(error) }));
  });
}
