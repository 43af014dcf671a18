import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { PROJECT_ROOT } from '../project-root.js';
import { appManifestSchema, type AppManifest } from './schema.js';

/** `app/manifest.json` of this checkout, wherever the process was started from. */
export const DEFAULT_MANIFEST_PATH = join(PROJECT_ROOT, 'app', 'manifest.json');

export interface ManifestIssue {
  /** Where in the manifest, as `workflowActions[0].labels.en.outputFieldLabels.offer_code`. */
  path: string;
  message: string;
}

/** The manifest could not be read or does not describe a valid app; `issues` name each place to fix. */
export class ManifestError extends Error {
  readonly code = 'invalid_manifest';
  constructor(
    readonly source: string,
    readonly issues: ManifestIssue[],
  ) {
    super(`Invalid app manifest ${source}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ManifestError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') formatted += `[${segment}]`;
    else formatted += formatted ? `.${String(segment)}` : String(segment);
  }
  return formatted || '(manifest)';
}

function issuesOf(error: z.ZodError): ManifestIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Validates an already-parsed manifest value (tests pass edited copies; the server passes the file). */
export function parseManifest(value: unknown, source = '(in memory)'): AppManifest {
  const parsed = appManifestSchema.safeParse(value);
  if (!parsed.success) throw new ManifestError(source, issuesOf(parsed.error));
  return parsed.data;
}

/** Reads and validates the app manifest; the server calls this at start so a bad manifest stops it. */
export function loadManifest(path: string = DEFAULT_MANIFEST_PATH): AppManifest {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(path, [
      { path: '(file)', message: `cannot be read: ${(error as Error).message}` },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ManifestError(path, [{ path: '(file)', message: `is not JSON: ${(error as Error).message}` }]);
  }
  return parseManifest(value, path);
}
