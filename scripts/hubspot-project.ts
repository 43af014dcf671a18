/**
 * `npm run hubspot:project [-- --public-url https://… --out DIR --manifest FILE]`: writes the HubSpot
 * developer-platform project for app/manifest.json, ready for `hs project upload`.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_PUBLIC_URL,
  generateHubSpotProject,
  HubSpotProjectError,
  loadManifest,
  ManifestError,
  PublicUrlError,
} from '../server/manifest/index.js';

const USAGE = `Usage: npm run hubspot:project -- [--public-url URL] [--out DIR] [--manifest FILE]

  --public-url URL  the https:// address HubSpot reaches the server at
                    (default: $PUBLIC_URL, else ${DEFAULT_PUBLIC_URL})
  --out DIR         the project folder to write (default: ./hubspot-project)
  --manifest FILE   the app manifest (default: app/manifest.json)`;

function fail(message: string, exitCode = 1): never {
  process.stderr.write(`hubspot:project: ${message}\n`);
  process.exit(exitCode);
}

let args;
try {
  args = parseArgs({
    options: {
      'public-url': { type: 'string' },
      out: { type: 'string', default: 'hubspot-project' },
      manifest: { type: 'string' },
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
  const project = generateHubSpotProject(manifest, { publicUrl, outDir: args.out });
  const fromHere = relative(process.cwd(), project.outDir);
  const shownDir = fromHere.startsWith('..') ? project.outDir : fromHere || '.';
  process.stdout.write(
    `Wrote the HubSpot project for ${manifest.name} to ${shownDir} (${project.files.length} files, ` +
      `public URL ${project.publicUrl}). Upload it with: cd ${shownDir} && hs project upload\n`,
  );
  for (const entrypoint of project.missingEntrypoints) {
    process.stderr.write(
      `hubspot:project: warning: card entrypoint ${entrypoint} has no source in app/cards; ` +
        'HubSpot cannot build that card until it exists.\n',
    );
  }
} catch (error) {
  if (
    error instanceof ManifestError ||
    error instanceof PublicUrlError ||
    error instanceof HubSpotProjectError
  ) {
    fail(error.message);
  }
  throw error;
}
