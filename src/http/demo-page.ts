import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

// Built by scripts/build-demo.mjs into dist/demo: found from dist/src/http (the build) or from
// src/http (tests and ts runners).
const CANDIDATES = [join(__dirname, '../../demo'), join(__dirname, '../../dist/demo')];
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/demo/app.js': 'app.js',
  '/demo/app.css': 'app.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The demo page at `/` (upload, processing, paywalled playback with the SDKs). Read once at
 * boot; absent when the browser side has not been built, and then `/` says how to build it.
 */
export function registerDemoPage(fastify: FastifyInstance): void {
  const dir = CANDIDATES.find((d) => existsSync(join(d, 'index.html')) && existsSync(join(d, 'app.js')));
  for (const [route, file] of Object.entries(FILES)) {
    const body = dir ? readFileSync(join(dir, file)) : null;
    fastify.get(route, async (_request, reply) => {
      if (!body) return reply.status(404).type('text/plain').send('The demo page is not built: npm run build.');
      return reply
        .type(TYPES[file.split('.').pop()!]!)
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; connect-src *; media-src * blob:; img-src * data:; worker-src 'self' blob:; style-src 'self'",
        )
        .send(body);
    });
  }
}
