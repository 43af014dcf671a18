import { InvalidArgumentError, type Command } from 'commander';
import { runSandbox } from '../sandbox-runner.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';
import { parsePositive } from './work.js';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('Run the local CRM alone: a HubSpot-compatible API on loopback, with generated customers')
    .option('--contacts <n>', 'contacts to generate', parseWhole, 5000)
    .option('--seed <n>', 'seed of the generator (same seed, same customers)', parseWhole, 42)
    .option('--port <n>', 'port to listen on (0: any free port)', parseWhole, 3001)
    .option('--portal <id>', 'portal id', parsePositive, 100001)
    .option('--ravenstack <dir>', 'load the RavenStack tables from this folder instead of generating')
    .option('--app <clientId:clientSecret:appId:redirectUri>', 'register an app (repeatable)', collectApp, [])
    .action(
      async (options: {
        contacts: number;
        seed: number;
        port: number;
        portal: number;
        ravenstack?: string;
        app: AppSpec[];
      }) => {
        try {
          const run = await runSandbox({
            port: options.port,
            portalId: options.portal,
            contacts: options.contacts,
            seed: options.seed,
            apps: options.app,
            ...(options.ravenstack ? { ravenstackDir: options.ravenstack } : {}),
          });
          process.stdout.write(
            [
              '',
              'The CRM sandbox is running.',
              `  API:      ${run.sandbox.url}  (HubSpot 2026-03 paths)`,
              `  Portal:   ${options.portal}  ${JSON.stringify(run.summary)}`,
              `  Web view: ${run.sandbox.url}/_sandbox/ui`,
              'Press Ctrl-C to stop.',
              '',
            ].join('\n'),
          );
          onShutdown([run.close], (m) => process.stderr.write(`${m}\n`));
        } catch (error) {
          reportStartupError(error);
        }
      },
    );
}

type AppSpec = { clientId: string; clientSecret: string; appId: number; redirectUris: string[] };

function collectApp(value: string, previous: AppSpec[]): AppSpec[] {
  const [clientId, clientSecret, appId, ...redirect] = value.split(':');
  const redirectUri = redirect.join(':');
  if (!clientId || !clientSecret || !appId || !/^\d+$/.test(appId) || !redirectUri) {
    throw new InvalidArgumentError('--app takes clientId:clientSecret:appId:redirectUri');
  }
  return [...previous, { clientId, clientSecret, appId: Number(appId), redirectUris: [redirectUri] }];
}

function parseWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}
