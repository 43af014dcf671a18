/**
 * API versions and the resource directory: `GET /services/data/` lists the versions served
 * (v50.0 "Winter '21" to v66.0 "Spring '26", no authentication, as in Salesforce), and
 * `GET /services/data/vNN.N/` names the resources of that version, the caller's identity URL
 * included.
 */
import express from 'express';
import type { SalesforceAuth } from '../auth.js';
import { callerOf, MAX_API_VERSION, MIN_API_VERSION } from './guard.js';

const SEASONS = ['Winter', 'Spring', 'Summer'] as const;

export interface ApiVersion {
  label: string;
  url: string;
  version: string;
}

/** Every version the sandbox serves, oldest first; three releases a year since Winter '21 (v50). */
export function apiVersions(): ApiVersion[] {
  const versions: ApiVersion[] = [];
  for (let major = MIN_API_VERSION; major <= MAX_API_VERSION; major++) {
    const step = major - 50;
    const year = String(21 + Math.floor(step / 3)).padStart(2, '0');
    versions.push({
      label: `${SEASONS[step % 3]} '${year}`,
      url: `/services/data/v${major}.0`,
      version: `${major}.0`,
    });
  }
  return versions;
}

/** `GET /services/data/` on the instance origin. */
export function createVersionListRouter(): express.Router {
  const router = express.Router();
  router.get('/services/data', (_req, res) => {
    res.json(apiVersions());
  });
  return router;
}

const RESOURCES = [
  'tooling',
  'metadata',
  'eclair',
  'folders',
  'prechatForms',
  'contact-tracing',
  'jsonxform',
  'chatter',
  'tabs',
  'appMenu',
  'quickActions',
  'queryAll',
  'commerce',
  'wave',
  'iot',
  'analytics',
  'search',
  'smartdatadiscovery',
  'identity',
  'composite',
  'parameterizedSearch',
  'fingerprint',
  'theme',
  'nouns',
  'domino',
  'event',
  'serviceTemplates',
  'recent',
  'connect',
  'licensing',
  'limits',
  'process',
  'dedupe',
  'async-queries',
  'query',
  'jobs',
  'match',
  'emailConnect',
  'compactLayouts',
  'knowledgeManagement',
  'sobjects',
  'actions',
  'support',
] as const;

/** `GET /services/data/vNN.N/`, mounted behind the REST guard. */
export function createResourcesRouter(auth: SalesforceAuth): express.Router {
  const router = express.Router({ mergeParams: true });
  router.get('/', (_req, res) => {
    const { version, org, user } = callerOf(res);
    const base = `/services/data/v${version}`;
    res.json(
      Object.fromEntries(
        RESOURCES.map((name) => [
          name,
          name === 'identity' ? auth.idUrl(org.orgId, user.Id) : `${base}/${name}`,
        ]),
      ),
    );
  });
  return router;
}
