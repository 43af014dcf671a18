import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import { NotFoundError } from '../errors.js';
import { PROJECT_ROOT } from '../project-root.js';

/** Where `npm run build:web` puts the dashboard. */
export const WEB_DIST_DIR = join(PROJECT_ROOT, 'web', 'dist');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Churn Radar</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto">
<h1>The dashboard is not built</h1><p>Run <code>npm run build:web</code>, then reload this page.</p></body></html>`;

/**
 * The dashboard under `/app`: the built files, with every other `/app/...` path answered by
 * `index.html` so the dashboard's own routes survive a reload. Hashed assets are cached for good;
 * `index.html` never, so a new build is picked up at once.
 */
export function webAppRouter(distDir = WEB_DIST_DIR): Router {
  const router = Router();
  const indexFile = join(distDir, 'index.html');
  router.use('/app/assets', express.static(join(distDir, 'assets'), { immutable: true, maxAge: '365d' }));
  // A missing asset is a 404, never the dashboard's page in its place.
  router.use('/app/assets', (req, _res, next) => next(new NotFoundError(`No file ${req.path}`)));
  router.use('/app', express.static(distDir, { index: false, redirect: false }));
  router.get(['/app', '/app/{*path}'], (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    if (!existsSync(indexFile)) return void res.status(503).type('html').send(NOT_BUILT);
    res.sendFile(indexFile);
  });
  return router;
}
