import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

/** The page served when the web UI has not been built. */
const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>agent-mesh gateway</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>agent-mesh gateway</h1>
<p>The gateway is running, but its web UI has not been built.</p>
<p>Build it with <code>pnpm --filter @agent-mesh/gateway run build:web</code> (output in
<code>packages/gateway/web/dist/</code>), then reload this page.</p>
<p>The HTTP API is available under <code>/api/v1</code>; see <code>docs/api.md</code>.</p>
</body></html>
`;

/**
 * Serves the built browser app from `webRoot` (packages/gateway/web/dist) with an SPA fallback: any
 * other GET that accepts HTML gets index.html. Without a build, a page says how to build it.
 */
export function createWebUiRoutes(webRoot: string): Router {
  const router = Router();
  const indexFile = join(webRoot, 'index.html');
  router.use(express.static(webRoot, { index: false, fallthrough: true, maxAge: '1h' }));
  router.get('/{*path}', (request, response, next) => {
    if (!request.accepts('html')) {
      next();
      return;
    }
    if (existsSync(indexFile)) {
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(indexFile);
    } else {
      response.status(200).type('html').send(notBuiltPage);
    }
  });
  return router;
}
