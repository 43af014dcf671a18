/**
 * `npm run salesforce:package [-- --public-url https://… --out DIR --manifest FILE]`: writes the
 * Salesforce DX project of the unlocked package for app/manifest.json, ready for
 * `sf package version create` (or `sf project deploy start` into a scratch org).
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_PUBLIC_URL,
  generateSalesforcePackage,
  loadManifest,
  ManifestError,
  PublicUrlError,
  SalesforcePackageError,
} from '../server/manifest/index.js';

const USAGE = `Usage: npm run salesforce:package -- [--public-url URL] [--out DIR] [--manifest FILE]

  --public-url URL   the https:// address Salesforce orgs reach the server at
                     (default: $PUBLIC_URL, else ${DEFAULT_PUBLIC_URL})
  --out DIR          the project folder to write (default: ./salesforce-package)
  --manifest FILE    the app manifest (default: app/manifest.json)
  --allow-loopback   let the Named Credential point at http://127.0.0.1 (the local sandbox only)`;

function fail(message: string, exitCode = 1): never {
  process.stderr.write(`salesforce:package: ${message}\n`);
  process.exit(exitCode);
}

let args;
try {
  args = parseArgs({
    options: {
      'public-url': { type: 'string' },
      out: { type: 'string', default: 'salesforce-package' },
      manifest: { type: 'string' },
      'allow-loopback': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const publicUrl = args['public-url'] || process.env.PUBLIC_URL || DEFAULT_PUBLIC_URL;
try {
  const manifest = loadManifest(args.manifest);
  const project = generateSalesforcePackage(manifest, {
    publicUrl,
    outDir: args.out,
    allowLoopback: args['allow-loopback'],
  });
  const fromHere = relative(process.cwd(), project.outDir);
  const shownDir = fromHere.startsWith('..') ? project.outDir : fromHere || '.';
  process.stdout.write(
    `Wrote the Salesforce package for ${manifest.name} to ${shownDir} (${project.files.length} files, ` +
      `${project.apexClasses.length} Apex classes, Named Credential to ${project.publicUrl}).\n` +
      `Create a version with: cd ${shownDir} && sf package create --name "Churn Radar" --package-type Unlocked ` +
      '--path force-app --no-namespace && sf package version create --package "Churn Radar" --code-coverage --wait 30\n',
  );
} catch (error) {
  if (
    error instanceof ManifestError ||
    error instanceof PublicUrlError ||
    error instanceof SalesforcePackageError
  ) {
    fail(error.message);
  }
  throw error;
}
