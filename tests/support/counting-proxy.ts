import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KEEP_ALIVE_MS } from '../../server/api/http-server.js';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The query string, `?` included, or empty. */
  search: string;
  body: string;
  /** When the request reached the proxy (ms since the epoch). */
  at: number;
  /** The CRM's answer; undefined until it comes. */
  status?: number;
  /** Milliseconds from the request's arrival to the answer's last byte; undefined until then. */
  answeredIn?: number;
  /** What the proxy's `tag` option made of the request's headers (the portal a token is for, say). */
  tag?: string;
}

/**
 * A pass-through HTTP proxy in front of the sandbox that remembers every request the product
 * makes: tests count CRM calls (and which records a write carried) the way the CRM would see them.
 */
export interface CountingProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Records sent in contact batch updates, by contact id. */
  contactWrites(): Map<string, number>;
  batchUpdateCalls(): number;
  close(): Promise<void>;
}

/**
 * `log`: where to record the requests, so proxies in front of two origins share one ordered log.
 * `tag`: names each request from its headers as it arrives (for instance the portal its token is for).
 */
export async function startCountingProxy(
  target: string,
  options: { log?: ProxiedRequest[]; tag?: (headers: IncomingHttpHeaders) => string | undefined } = {},
): Promise<CountingProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = options.log ?? [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0]!,
        search: (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '',
        body: body.toString(),
        at: Date.now(),
      };
      const tag = options.tag?.(req.headers);
      if (tag !== undefined) seen.tag = tag;
      requests.push(seen);
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          seen.status = answer.statusCode;
          answer.on('end', () => (seen.answeredIn = Date.now() - seen.at));
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
      forward.end(body);
    });
  });
  // As the servers it stands for: an idle connection outlives the clients' pools (undici's drops it
  // after 4 s), so no client sends on a socket the proxy is closing. With Node's default of 5 s, a
  // request sent on a busy box as both timers ran out failed with "other side closed".
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const isContactWrite = (r: ProxiedRequest) =>
    r.method === 'POST' && /\/objects\/([^/]+\/)?contacts\/batch\/update$/.test(r.path);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    contactWrites() {
      const writes = new Map<string, number>();
      for (const r of requests.filter(isContactWrite)) {
        const { inputs } = JSON.parse(r.body) as { inputs: { id: string }[] };
        for (const input of inputs) writes.set(input.id, (writes.get(input.id) ?? 0) + 1);
      }
      return writes;
    },
    batchUpdateCalls() {
      return requests.filter(isContactWrite).length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
