/**
 * Turns the app manifest into a HubSpot developer-platform project (platform 2026.03): the folder
 * `hs project upload` takes. Output is deterministic (sorted keys, sorted sets, stable file names)
 * so a regenerated project only differs where the manifest or the public URL did.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PROJECT_ROOT } from '../project-root.js';
import { listFiles, prepareGeneratedFolder } from './project-folder.js';
import { checkHubSpotPublicUrl, fillPublicUrl, PUBLIC_URL_TOKEN, withPublicUrl } from './public-url.js';
import type { AppManifest, ManifestCard, ManifestWebhooks, ManifestWorkflowAction } from './schema.js';

export const PLATFORM_VERSION = '2026.03';

/** The card sources of this checkout; their entrypoints are named in the manifest as /app/cards/…. */
export const DEFAULT_CARD_SOURCE_DIR = join(PROJECT_ROOT, 'app', 'cards');

export interface HubSpotProjectFile {
  /** Relative to the project folder, with `/` separators. */
  path: string;
  content: unknown;
}

export interface HubSpotProjectOptions {
  /** The https:// address HubSpot reaches the server at. */
  publicUrl: string;
  outDir: string;
  /** Folder whose files are copied into `src/app/cards/`; `null` copies none. */
  cardSourceDir?: string | null;
}

export interface GeneratedHubSpotProject {
  outDir: string;
  publicUrl: string;
  /** Every file written, relative to `outDir`, sorted. */
  files: string[];
  /** Card entrypoints named in the manifest with no source file in the project. */
  missingEntrypoints: string[];
}

export class HubSpotProjectError extends Error {
  readonly code = 'hubspot_project_output';
  constructor(message: string) {
    super(message);
    this.name = 'HubSpotProjectError';
  }
}

/** HubSpot's own order for a component file's top level, for readers; everything below is sorted. */
const TOP_LEVEL_KEYS = ['uid', 'type', 'config'];

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** JSON with object keys sorted, so output never depends on the order the manifest was edited in. */
export function stableJson(value: unknown): string {
  const order = (input: unknown, depth: number): unknown => {
    if (Array.isArray(input)) return input.map((item) => order(item, depth + 1));
    if (input === null || typeof input !== 'object') return input;
    const rank = (key: string) =>
      depth === 0 && TOP_LEVEL_KEYS.includes(key) ? TOP_LEVEL_KEYS.indexOf(key) : TOP_LEVEL_KEYS.length;
    const record = input as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort((a, b) => rank(a) - rank(b) || byCodePoint(a, b));
    return Object.fromEntries(keys.map((key) => [key, order(record[key], depth + 1)]));
  };
  return `${JSON.stringify(order(value, 0), null, 2)}\n`;
}

const sorted = (items: readonly string[]) => [...items].sort(byCodePoint);

function projectName(manifest: AppManifest): string {
  return manifest.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function appComponent(manifest: AppManifest) {
  const { auth, permittedUrls } = manifest;
  return {
    uid: manifest.uid,
    type: 'app',
    config: {
      name: manifest.name,
      description: manifest.description,
      distribution: manifest.distribution,
      auth: {
        type: auth.type,
        redirectUrls: sorted(auth.redirectUrls),
        requiredScopes: sorted(auth.requiredScopes),
        optionalScopes: sorted(auth.optionalScopes),
        conditionallyRequiredScopes: sorted(auth.conditionallyRequiredScopes),
      },
      permittedUrls: {
        fetch: sorted(permittedUrls.fetch),
        iframe: sorted(permittedUrls.iframe),
        img: sorted(permittedUrls.img),
      },
      support: manifest.support,
    },
  };
}

function cardComponent(card: ManifestCard) {
  const { key: _key, uid, ...config } = card;
  return { uid, type: 'card', config: { ...config, objectTypes: sorted(config.objectTypes) } };
}

/** Field order is kept: it is the order the workflow editor shows the fields in. */
function workflowActionComponent(action: ManifestWorkflowAction) {
  const { key: _key, uid, ...config } = action;
  return { uid, type: 'workflow-action', config: { ...config, objectTypes: sorted(config.objectTypes) } };
}

function webhooksComponent(webhooks: ManifestWebhooks) {
  const { crmObjects, legacyCrmObjects, hubEvents } = webhooks.subscriptions;
  const identity = (s: {
    subscriptionType: string;
    objectType?: string;
    propertyName?: string | undefined;
  }) => `${s.objectType ?? ''}\u0000${s.subscriptionType}\u0000${s.propertyName ?? ''}`;
  const bySubscription = <T extends Parameters<typeof identity>[0]>(items: T[]) =>
    [...items].sort((a, b) => byCodePoint(identity(a), identity(b)));
  return {
    uid: webhooks.uid,
    type: 'webhooks',
    config: {
      settings: { targetUrl: webhooks.targetUrl, maxConcurrentRequests: webhooks.maxConcurrentRequests },
      subscriptions: {
        crmObjects: bySubscription(crmObjects),
        legacyCrmObjects: bySubscription(legacyCrmObjects),
        hubEvents: bySubscription(hubEvents),
      },
    },
  };
}

/** The project's config files for `manifest` served at `publicUrl` (checked to be public HTTPS). */
export function hubspotProjectFiles(manifest: AppManifest, publicUrl: string): HubSpotProjectFile[] {
  const base = checkHubSpotPublicUrl(publicUrl);
  const resolved = withPublicUrl(manifest, base);
  const files: HubSpotProjectFile[] = [
    {
      path: 'hsproject.json',
      content: { name: projectName(manifest), srcDir: 'src', platformVersion: PLATFORM_VERSION },
    },
    { path: 'src/app/app-hsmeta.json', content: appComponent(resolved) },
    ...resolved.cards.map((card) => ({
      path: `src/app/cards/${card.key}-hsmeta.json`,
      content: cardComponent(card),
    })),
    ...resolved.workflowActions.map((action) => ({
      path: `src/app/workflow-actions/${action.key}-hsmeta.json`,
      content: workflowActionComponent(action),
    })),
  ];
  if (resolved.webhooks) {
    files.push({
      path: 'src/app/webhooks/webhooks-hsmeta.json',
      content: webhooksComponent(resolved.webhooks),
    });
  }
  return files.sort((a, b) => byCodePoint(a.path, b.path));
}

const GENERATED_PATHS = [
  'hsproject.json',
  'src/app/app-hsmeta.json',
  'src/app/cards',
  'src/app/workflow-actions',
  'src/app/webhooks',
];

/**
 * A folder is only replaced when it is empty or holds an earlier generated project: `--out` pointed
 * at the wrong place must never delete someone's work.
 */
function prepareOutDir(outDir: string): void {
  // Only what generation owns goes: a developer's src/app/local.json proxy file survives.
  prepareGeneratedFolder(
    outDir,
    'hsproject.json',
    GENERATED_PATHS,
    (message) => new HubSpotProjectError(message),
  );
}

/** Card sources in which the public URL token is filled in: the card fetches from that address. */
const CARD_TEXT_SOURCE = /\.(tsx?|jsx?|json)$/;

/**
 * Card files other than our own hsmeta (which is generated) and tests (which HubSpot need not build),
 * with the public URL token replaced by the address the project is generated for.
 */
function copyCardSources(sourceDir: string, cardsDir: string, publicUrl: string): void {
  if (!existsSync(sourceDir)) return;
  cpSync(sourceDir, cardsDir, {
    recursive: true,
    filter: (source) => {
      const name = relative(sourceDir, source).split(sep).pop() ?? '';
      return (
        !['node_modules', 'dist', '__tests__'].includes(name) &&
        !/(-hsmeta\.json|\.test\.[jt]sx?)$/.test(name)
      );
    },
  });
  for (const file of listFiles(cardsDir).filter((name) => CARD_TEXT_SOURCE.test(name))) {
    const path = join(cardsDir, file);
    const text = readFileSync(path, 'utf8');
    if (text.includes(PUBLIC_URL_TOKEN)) writeFileSync(path, fillPublicUrl(text, publicUrl));
  }
}

export function generateHubSpotProject(
  manifest: AppManifest,
  options: HubSpotProjectOptions,
): GeneratedHubSpotProject {
  const outDir = resolve(options.outDir);
  const files = hubspotProjectFiles(manifest, options.publicUrl);
  prepareOutDir(outDir);
  const cardSourceDir = options.cardSourceDir === undefined ? DEFAULT_CARD_SOURCE_DIR : options.cardSourceDir;
  if (cardSourceDir && manifest.cards.length > 0)
    copyCardSources(cardSourceDir, join(outDir, 'src/app/cards'), checkHubSpotPublicUrl(options.publicUrl));
  for (const file of files) {
    const target = join(outDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, stableJson(file.content));
  }
  return {
    outDir,
    publicUrl: checkHubSpotPublicUrl(options.publicUrl),
    files: listFiles(outDir),
    missingEntrypoints: manifest.cards
      .map((card) => card.entrypoint)
      .filter((entrypoint) => !existsSync(join(outDir, 'src', entrypoint))),
  };
}
