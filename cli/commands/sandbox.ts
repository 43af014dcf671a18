import { InvalidArgumentError, Option, type Command } from 'commander';
import { CHURN_UNITS, type ChurnUnit } from '../../sandbox/generator/index.js';
import { runSalesforceSandbox, runSandbox } from '../sandbox-runner.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';
import { parsePositive } from './work.js';

interface SandboxOptions {
  crm: 'hubspot' | 'salesforce';
  contacts: number;
  seed: number;
  churnUnit: ChurnUnit;
  port: number;
  portal: number;
  ravenstack?: string;
  app: AppSpec[];
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description(
      'Run the local CRM alone: a HubSpot-compatible API (or, with --crm salesforce, a Salesforce-compatible one) on loopback, with generated customers',
    )
    .addOption(
      new Option('--crm <name>', 'which CRM the sandbox speaks for')
        .choices(['hubspot', 'salesforce'])
        .default('hubspot'),
    )
    .option('--contacts <n>', 'contacts to generate', parseWhole, 5000)
    .option('--seed <n>', 'seed of the generator (same seed, same customers)', parseWhole, 42)
    .option(
      '--churn-unit <unit>',
      'who decides to leave in the generated data: each contact alone, or each account (company) for all its customers',
      parseChurnUnit,
      'contact',
    )
    .option(
      '--port <n>',
      'port to listen on (0: any free port; Salesforce: login here, instance on the next)',
      parseWhole,
      3001,
    )
    .option('--portal <id>', 'portal id (HubSpot)', parsePositive, 100001)
    .option(
      '--ravenstack <dir>',
      'load the RavenStack tables from this folder instead of generating (HubSpot)',
    )
    .option('--app <clientId:clientSecret:appId:redirectUri>', 'register an app (repeatable)', collectApp, [])
    .action(async (options: SandboxOptions, command: Command) => {
      if (options.crm === 'salesforce' && options.ravenstack) {
        command.error('error: --ravenstack works with --crm hubspot only');
      }
      if (options.ravenstack && options.churnUnit !== 'contact') {
        command.error('error: --churn-unit applies to generated customers, not to --ravenstack');
      }
      try {
        if (options.crm === 'salesforce') await runSalesforce(options);
        else await runHubSpot(options);
      } catch (error) {
        reportStartupError(error);
      }
    });
}

async function runHubSpot(options: SandboxOptions): Promise<void> {
  const run = await runSandbox({
    port: options.port,
    portalId: options.portal,
    contacts: options.contacts,
    seed: options.seed,
    churnUnit: options.churnUnit,
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
}

async function runSalesforce(options: SandboxOptions): Promise<void> {
  const run = await runSalesforceSandbox({
    port: options.port,
    contacts: options.contacts,
    seed: options.seed,
    churnUnit: options.churnUnit,
    // Salesforce names a connected app by its consumer key; the app id is not used.
    apps: options.app.map(({ clientId, clientSecret, redirectUris }) => ({
      clientId,
      clientSecret,
      redirectUris,
    })),
  });
  const { loginUrl, instanceUrl } = run.sandbox;
  process.stdout.write(
    [
      '',
      'The Salesforce sandbox is running.',
      `  Login:    ${loginUrl}  (OAuth 2.0: /services/oauth2/authorize, /token)`,
      `  Instance: ${instanceUrl}  (REST /services/data/v50.0 to v66.0)`,
      `  Org:      ${run.org.orgId}  ${JSON.stringify(run.summary)}`,
      `  Admin:    ${instanceUrl}/_sandbox/salesforce/orgs`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  onShutdown([run.close], (m) => process.stderr.write(`${m}\n`));
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

function parseChurnUnit(value: string): ChurnUnit {
  if (!(CHURN_UNITS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected ${CHURN_UNITS.join(' or ')}, got "${value}"`);
  return value as ChurnUnit;
}

function parseWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}
