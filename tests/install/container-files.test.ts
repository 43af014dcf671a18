/**
 * The files a self-hoster runs Churn Radar from: `Dockerfile`, `compose.yaml`, `.env.example` and
 * `.dockerignore` at the repository root, read and checked against the product itself (the
 * variables `server/config.ts` reads, the commands of `bin/churn.js`, the server's health route, the
 * files those commands load). No image is built and no container started here: the machines that
 * run this suite have no Docker daemon and no network to pull the base images.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import express from 'express';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { parse } from 'yaml';
import { z } from 'zod';
import { registerServe } from '../../cli/commands/serve.js';
import { registerWork } from '../../cli/commands/work.js';
import { healthRouter } from '../../server/api/health.js';
import { WEB_DIST_DIR } from '../../server/api/web-app.js';
import { CONFIG_VARIABLES, REQUIRED_IN_PRODUCTION, loadConfig } from '../../server/config.js';
import type { Database, DatabaseHandle } from '../../server/db/index.js';
import type { Queues } from '../../server/jobs/queues.js';
import { DEFAULT_MANIFEST_PATH } from '../../server/manifest/load-manifest.js';
import {
  argsOf,
  copiesOf,
  envOf,
  execForm,
  fromRoot,
  interpolate,
  parseDockerfile,
  parseEnvExample,
  runtimeImports,
  stringsIn,
  type VariableUse,
} from '../support/container-files.js';
import { ROOT } from '../support/processes.js';

const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

const command = z.union([z.string().transform((s) => s.split(/\s+/)), z.array(z.string())]);
const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string() })]).optional(),
  container_name: z.string().optional(),
  command: command.optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  deploy: z.object({ replicas: z.number().int().optional() }).optional(),
  healthcheck: z
    .object({ test: z.union([z.string(), z.array(z.string())]).optional(), disable: z.boolean().optional() })
    .optional(),
});
const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.unknown()).optional(),
});

const composeText = read('compose.yaml');
const composeDocument: unknown = parse(composeText, { merge: true });
const compose = composeSchema.parse(composeDocument);
const service = (name: string) => {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.yaml has no service "${name}"`);
  return found;
};
const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1)!;
const envExample = parseEnvExample(read('.env.example'));
const productServices = ['server', 'worker'] as const;

const usesInCompose: VariableUse[] = [];
for (const text of stringsIn(composeDocument)) {
  try {
    interpolate(text, {}, usesInCompose);
  } catch {
    // An unset required variable: what it names is recorded all the same.
  }
}
const requiredInCompose = [...new Set(usesInCompose.filter((u) => u.required).map((u) => u.name))].sort();

/** What a service's process sees: the image's ENV, then compose's environment interpolated from `.env`. */
function environmentOf(name: string, dotEnv: Record<string, string>): Record<string, string> {
  const entries = Object.entries(service(name).environment ?? {}).map(([key, value]) => [
    key,
    interpolate(String(value ?? ''), dotEnv),
  ]);
  return { ...envOf(runtime), ...Object.fromEntries(entries) };
}

/** An admin's `.env`: every variable `.env.example` sets, filled in. */
const adminDotEnv: Record<string, string> = {
  POSTGRES_PASSWORD: 'a1b2c3d4e5f6',
  PUBLIC_URL: 'https://churn.example.org',
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

function healthCommands(): { from: string; words: string[] }[] {
  const [dockerfile] = argsOf(runtime, 'HEALTHCHECK');
  const test = service('server').healthcheck?.test;
  return [
    { from: 'Dockerfile', words: execForm(dockerfile!.replace(/^(--\S+\s+)*CMD\s+/, '')) },
    { from: 'compose.yaml', words: Array.isArray(test) && test[0] === 'CMD' ? test.slice(1) : [] },
  ];
}

function run(words: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(words[0]!, words.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolveExit(code));
  });
}

describe('the container files a self-hoster runs', () => {
  it('runs the server and the workers from one image built here, as `serve` and `work` of bin/churn.js', () => {
    const program = new Command();
    registerServe(program);
    registerWork(program);
    expect(program.commands.map((c) => c.name())).toEqual(['serve', 'work']);

    expect(execForm(argsOf(runtime, 'ENTRYPOINT').at(-1)!)).toEqual(['node', 'bin/churn.js']);
    expect(execForm(argsOf(runtime, 'CMD').at(-1)!)).toEqual(['serve']);
    const [server, worker] = productServices.map(service);
    expect(server!.build).toBe('.');
    expect(worker!.build).toBe('.');
    expect(server!.image).toBeDefined();
    expect(worker!.image).toBe(server!.image);
    expect(server!.command).toEqual(['serve']);
    expect(worker!.command).toEqual(['work']);
    // `docker compose up --scale worker=N` needs the workers unnamed.
    expect(worker!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(worker!.container_name).toBeUndefined();
  });

  it('gives the server and the workers only variables server/config.ts reads, and all it requires in production', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    expect(Object.keys(envOf(runtime)).filter((name) => !known.has(name))).toEqual([]);
    for (const name of productServices) {
      expect(Object.keys(service(name).environment ?? {}).filter((v) => !known.has(v))).toEqual([]);

      const env = environmentOf(name, adminDotEnv);
      for (const variable of REQUIRED_IN_PRODUCTION) {
        expect({ service: name, variable, set: Boolean(env[variable]) }).toEqual({
          service: name,
          variable,
          set: true,
        });
      }
      const config = loadConfig(env);
      expect(config.env).toBe('production');
      expect(config.host).toBe('0.0.0.0');
      expect(new URL(config.databaseUrl!).hostname).toBe('postgres');
      expect(new URL(config.redisUrl!).hostname).toBe('redis');

      const managed = loadConfig(
        environmentOf(name, {
          ...adminDotEnv,
          DATABASE_URL: 'postgres://churn:pw@db.example.org:5432/churn',
          REDIS_URL: 'rediss://:pw@redis.example.org:6380',
        }),
      );
      expect([managed.databaseUrl, managed.redisUrl]).toEqual([
        'postgres://churn:pw@db.example.org:5432/churn',
        'rediss://:pw@redis.example.org:6380',
      ]);
    }
  });

  it('names in .env.example exactly the variables compose.yaml requires, and the optional ones as comments', () => {
    expect(requiredInCompose).toEqual(expect.arrayContaining(['PUBLIC_URL', 'TOKEN_ENCRYPTION_KEY']));
    expect([...envExample.set.keys()].sort()).toEqual(requiredInCompose);
    const listed = new Set([...envExample.set.keys(), ...envExample.commented]);
    expect([...new Set(usesInCompose.map((u) => u.name))].filter((name) => !listed.has(name))).toEqual([]);
    expect(Object.keys(adminDotEnv).sort()).toEqual(requiredInCompose);

    const topComment = composeText.slice(0, composeText.search(/^[^#\n]/m));
    for (const name of requiredInCompose) expect(topComment).toContain(name);
    for (const [name, value] of envExample.set) {
      if (/PASSWORD|SECRET|KEY/.test(name)) expect([name, value]).toEqual([name, '']);
    }
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
  });

  it('checks the server at the health route the product serves, and leaves the workers unchecked', async () => {
    expect(read('server/api/app.ts')).toMatch(/app\.use\(healthRouter\(/);
    const worker = service('worker');
    expect(worker.healthcheck?.disable).toBe(true);

    let redisAnswers = true;
    const db = new Kysely<Database>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    const queues = {
      ping: async () => {
        if (!redisAnswers) throw new Error('connection refused');
      },
    } as unknown as Queues;
    const handle: DatabaseHandle = { db, kind: 'postgres', location: 'stub', close: () => db.destroy() };
    const router = healthRouter({ db: handle, queues });
    const routes = (router.stack as { route?: { path: string; methods: { get?: boolean } } }[])
      .filter((layer) => layer.route?.methods.get)
      .map((layer) => layer.route!.path);
    const app = express().use(router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolveListen) => server.once('listening', resolveListen));
    const port = String((server.address() as AddressInfo).port);
    try {
      const commands = healthCommands();
      expect(commands[1]!.words).toEqual(commands[0]!.words);
      for (const { words } of commands) {
        expect(routes).toContain(/'(\/[\w/-]*)'/.exec(words.join(' '))?.[1]);
        redisAnswers = true;
        expect(await run(words, { PORT: port })).toBe(0);
        redisAnswers = false;
        expect(await run(words, { PORT: port })).not.toBe(0);
      }
    } finally {
      await new Promise((resolveClose) => server.close(resolveClose));
      await db.destroy();
    }
    // Nothing listens on that port any more.
    expect(await run(healthCommands()[0]!.words, { PORT: port })).not.toBe(0);
  });

  it('keeps PostgreSQL and Redis in named volumes, Redis append-only and never evicting, both healthy first', () => {
    const named = new Set(Object.keys(compose.volumes ?? {}));
    const volumeAt = (name: string, target: string) =>
      service(name)
        .volumes?.find((v) => v.split(':')[1] === target)
        ?.split(':')[0];

    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:\d+/);
    expect(named.has(volumeAt('postgres', '/var/lib/postgresql/data') ?? '')).toBe(true);
    expect(stringsIn(postgres.healthcheck?.test).join(' ')).toContain('pg_isready');

    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:\d+/);
    expect(named.has(volumeAt('redis', '/data') ?? '')).toBe(true);
    expect(stringsIn(redis.healthcheck?.test)).toEqual(['CMD', 'redis-cli', 'ping']);
    const flags = (redis.command ?? []).join(' ');
    expect(flags).toContain('--appendonly yes');
    expect(flags).toContain('--appendfsync everysec');
    expect(flags).toContain('--maxmemory-policy noeviction');

    for (const name of productServices) {
      expect(service(name).depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('builds on Node 22 or later, without tfjs-node, and runs as the unprivileged node user in production', () => {
    for (const stage of stages)
      expect(Number(/^node:(\d+)/.exec(stage.image)?.[1])).toBeGreaterThanOrEqual(22);
    expect(argsOf(runtime, 'USER').at(-1)).toBe('node');
    const env = envOf(runtime);
    expect(env.NODE_ENV).toBe('production');
    expect(argsOf(runtime, 'EXPOSE')).toEqual([env.PORT]);

    const installs = stages.flatMap((s) => argsOf(s, 'RUN')).filter((r) => r.includes('npm ci'));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const install of installs) expect(install).toContain('--ignore-scripts');
    expect(argsOf(runtime, 'RUN').join(' ')).toMatch(
      /npm ci --omit=dev .*rm -rf node_modules\/@tensorflow\/tfjs-node/,
    );
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string> | undefined>;
    expect(pkg.optionalDependencies?.['@tensorflow/tfjs-node']).toBeDefined();
    expect(pkg.dependencies?.['@tensorflow/tfjs-node']).toBeUndefined();
  });

  it('copies into the runtime image every file bin/churn.js loads, and the dashboard it built', () => {
    const loaded = runtimeImports(join(ROOT, 'bin/churn.js')).map((file) => fromRoot(ROOT, file));
    const needed = new Set([
      ...loaded.map((file) => file.split('/')[0]!),
      'package.json',
      'tsconfig.json',
      relative(ROOT, DEFAULT_MANIFEST_PATH),
      relative(ROOT, WEB_DIST_DIR),
    ]);
    expect([...needed]).toEqual(
      expect.arrayContaining(['bin', 'cli', 'server', 'app/manifest.json', 'web/dist']),
    );

    const copies = copiesOf(runtime, stages);
    const copied = copies.flatMap((c) => c.entries.filter((e) => e.source === e.target).map((e) => e.source));
    const covers = (path: string) => copied.some((c) => path === c || path.startsWith(`${c}/`));
    expect([...needed].filter((path) => !covers(path))).toEqual([]);

    const dashboard = copies.find((c) => c.entries.some((e) => e.target === relative(ROOT, WEB_DIST_DIR)));
    const builder = stages.find((s) => s.name === dashboard?.fromStage);
    expect(argsOf(builder!, 'RUN')).toContain('npm run build:web');
  });

  it('keeps out of the build context everything git ignores', () => {
    const entries = (text: string) =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.replace(/^\/|\/$/g, '').replace(/^\*\*\//, ''));
    const ignored = new Set(entries(read('.dockerignore')));
    expect(entries(read('.gitignore')).filter((entry) => !ignored.has(entry))).toEqual([]);
    expect([...ignored]).toEqual(
      expect.arrayContaining(['.git', 'node_modules', '.data', 'tests/artifacts']),
    );
  });
});
