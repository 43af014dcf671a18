/**
 * Open-loop HTTP load at an even pace: request i is due at start + i / rate, and is sent when due
 * whatever the earlier ones are doing (on a pool of keep-alive connections), so the server sees
 * requests spread over each second as users' would be. Latency runs from when a request was due,
 * not from when it left: a generator or server that falls behind shows in the figures instead of
 * thinning the load (coordinated omission).
 *
 * autocannon's `overallRate` is not this: each connection sends its second's share back to back and
 * then waits for the next second, so 200 requests/s arrive as a burst at the top of every second
 * and the latency measured is mostly the burst's queue.
 */
import { Agent, request } from 'node:http';

export interface PacedRequest {
  path: string;
  headers: Record<string, string>;
}

export interface PacedLoadResult {
  requests: number;
  perSecond: number;
  non2xx: number;
  errors: number;
  bytes: number;
  /** Milliseconds from when each request was due to its response's end, in the order they ended. */
  latencies: number[];
  /** [when it ended (ms since the epoch), latency (ms)] of each response. */
  responses: [number, number][];
  /** The most a request left after it was due, in milliseconds (the generator's own lag). */
  worstSendLagMs: number;
}

export async function pacedLoad(options: {
  url: string;
  rate: number;
  seconds: number;
  next: () => PacedRequest;
  maxSockets?: number;
}): Promise<PacedLoadResult> {
  const { rate, seconds } = options;
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const responses: [number, number][] = [];
  let non2xx = 0;
  let errors = 0;
  let bytes = 0;
  let worstSendLagMs = 0;
  let sent = 0;
  let settled = 0;
  const start = performance.now() + 20;
  const epochOffset = Date.now() - performance.now();

  await new Promise<void>((resolve) => {
    const finish = () => {
      settled++;
      if (settled === total) resolve();
    };
    const send = (due: number) => {
      const { path, headers } = options.next();
      worstSendLagMs = Math.max(worstSendLagMs, performance.now() - due);
      const req = request(
        { host: target.hostname, port: target.port, path, method: 'GET', headers, agent },
        (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => (size += chunk.length));
          res.on('end', () => {
            const ended = performance.now();
            latencies.push(ended - due);
            responses.push([epochOffset + ended, ended - due]);
            bytes += size;
            if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            finish();
          });
        },
      );
      req.on('error', () => {
        errors++;
        finish();
      });
      req.end();
    };
    // Every millisecond or so, sends whatever has fallen due.
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        send(start + (sent * 1000) / rate);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
  agent.destroy();
  return {
    requests: total,
    perSecond: total / seconds,
    non2xx,
    errors,
    bytes: Math.round(bytes / Math.max(1, total)),
    latencies,
    responses,
    worstSendLagMs,
  };
}
