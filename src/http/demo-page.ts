import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

// Built by scripts/build-demo.mjs into dist/demo and dist/sdk: found from dist/src/http (the
// build) or from src/http (tests and ts runners).
const ROOTS = [join(__dirname, '../..'), join(__dirname, '../../dist')];
const PAGE: Record<string, string> = {
  '/': 'demo/index.html',
  '/demo/app.js': 'demo/app.js',
  '/demo/app.css': 'demo/app.css',
};
// The scripts other sites load: any origin may (a module script is fetched with CORS).
const SCRIPTS: Record<string, string> = {
  '/sdk/velvet-player.js': 'sdk/velvet-player.js',
  '/sdk/velvet.js': 'sdk/velvet.js',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
// media-chrome's controls carry their styles inline in their shadow trees, so styles may be
// inline; scripts still come from this origin only.
const CSP =
  "default-src 'self'; connect-src *; media-src * blob:; img-src * data:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'";

/**
 * The demo page at `/` (upload, processing, paywalled playback with `<velvet-player>`) and the
 * browser SDK's scripts under `/sdk/`. Read once at boot; absent when the browser side has not
 * been built, and then they say how to build it.
 */
export function registerDemoPage(fastify: FastifyInstance): void {
  const root = ROOTS.find((d) => existsSync(join(d, 'demo/index.html')) && existsSync(join(d, 'demo/app.js')));
  const serve = (route: string, file: string, headers: Record<string, string>) => {
    const path = root && join(root, file);
    const body = path && existsSync(path) ? readFileSync(path) : null;
    fastify.get(route, async (_request, reply) => {
      if (!body) return reply.status(404).type('text/plain').send('The browser side is not built: npm run build.');
      return reply.type(TYPES[file.split('.').pop()!]!).headers(headers).send(body);
    });
  };
  for (const [route, file] of Object.entries(PAGE))
    serve(route, file, { 'cache-control': 'no-cache', 'content-security-policy': CSP });
  for (const [route, file] of Object.entries(SCRIPTS))
    serve(route, file, { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' });
}
