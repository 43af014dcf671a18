import { setImmediate } from 'node:timers/promises';

let lastPause = Date.now();

/**
 * Lets other work on the event loop run (HTTP requests, job heartbeats, progress bars) during long
 * training: resolves at once unless ~50 ms have passed since the last real pause.
 */
export async function pause(): Promise<void> {
  const now = Date.now();
  if (now - lastPause < 50) return;
  lastPause = now;
  await setImmediate();
}
