import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../ports/object-storage';
import { SignatureCache, verifyViewerRequest, type ErrorCode } from '../domain/cloudfront-verifier';

export interface EdgeOptions {
  /**
   * The CDN origin viewers use (CDN_BASE_URL): scheme and host of every resource URL. Absent:
   * `http://` and the Host header the viewer sent, which is what CloudFront compares (§8.1).
   */
  readonly publicUrl?: string;
  readonly trustedKeys: ReadonlyMap<string, string | KeyObject>;
  readonly corsOrigins: readonly string[];
  readonly storage: ObjectStorage;
  /** Epoch seconds; injectable for tests. */
  readonly now?: () => number;
  /** Where warnings about accepted-but-suspicious requests go. */
  readonly warn?: (message: string) => void;
}

const SEGMENT = /^(?:[A-Za-z0-9_~!$&'()*+,;=:@.-]|%[0-9A-Fa-f]{2})+$/;
// Encoded dots, slashes, backslashes and NUL could turn into path syntax further along.
const UNSAFE_ESCAPES = /%(?:2[eEfF]|5[cC]|00)/;

// The behaviors the CDN has: streams (cookies or signed URLs) and downloads (signed URLs only).
const SERVED_PREFIXES = ['/videos/', '/downloads/'];
const DOWNLOADS = '/downloads/';
// CloudFront reads a request as a signed URL when its query has these (docs/cloudfront.md §7).
const SIGNED_URL_PARAMS = /(?:^|&)(?:Signature|Key-Pair-Id)=/;

/**
 * A served path as it may reach the S3 origin: no dot segments, no empty segments (`//`), no
 * backslashes and none of them encoded, so one video's path never reaches another's objects.
 */
export function isSafeServedPath(path: string): boolean {
  if (!SERVED_PREFIXES.some((p) => path.startsWith(p)) || UNSAFE_ESCAPES.test(path)) return false;
  return path
    .slice(1)
    .split('/')
    .every((segment) => segment !== '.' && segment !== '..' && SEGMENT.test(segment));
}

/**
 * The development/test stand-in for CloudFront in front of the S3 origin: serves only
 * `/videos/*` and `/downloads/*` (signed URLs only), only to requests CloudFront would let
 * through (docs/cloudfront.md §16), streaming objects with Range, ETag and If-None-Match.
 */
export function createEdgeServer(options: EdgeOptions): Server {
  const verifiedSignatures = new SignatureCache();
  const origin = options.publicUrl ? new URL(options.publicUrl) : null;
  const fixedBase = origin ? `${origin.protocol}//${origin.host}` : null;
  return createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    cors(req, res);
    if (req.method === 'OPTIONS') {
      // Preflights never carry cookies; answer them without asking for a signature.
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, HEAD',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
        'access-control-max-age': '600',
      });
      return void res.end();
    }
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isSafeServedPath(path)) {
      return notFound(res);
    }
    // Downloads open with a signed URL for the one file, never with a stream's cookies (the
    // stack's viewer-request function on that behavior does the same at CloudFront).
    if (path.startsWith(DOWNLOADS) && !SIGNED_URL_PARAMS.test(queryAt < 0 ? '' : raw.slice(queryAt + 1))) {
      return forbidden(res, 'MissingKey', 'Missing Key-Pair-Id query parameter or cookie value');
    }
    const verdict = verifyViewerRequest(
      {
        url: `${fixedBase ?? `http://${req.headers.host ?? ''}`}${raw}`,
        cookieHeader: req.headers.cookie,
        clientIp: req.socket.remoteAddress ?? '',
        now: options.now ? options.now() : Math.floor(Date.now() / 1000),
      },
      { trustedKeys: options.trustedKeys, verifiedSignatures, warn: options.warn },
    );
    if (!verdict.allow) return forbidden(res, verdict.code, verdict.message);

    const object = await options.storage.openObject(decodeURIComponent(path.slice(1)), {
      range: header(req, 'range'),
      ifNoneMatch: header(req, 'if-none-match'),
    });
    if (!object) return notFound(res);
    res.writeHead(object.status, { ...object.headers, 'x-cache': 'Miss from edge' });
    if (req.method === 'HEAD' || !object.body) {
      object.body?.destroy();
      return void res.end();
    }
    // Streamed: a segment is never held whole in memory.
    await pipeline(object.body, res);
  }

  /**
   * The exact origin echoed with credentials, on every response, 403s included: without it a
   * browser player sees status 0 and cannot tell an expired cookie from a network error. Real
   * CloudFront sends these only through a response headers policy on the behavior.
   */
  function cors(req: IncomingMessage, res: ServerResponse): void {
    const requestOrigin = req.headers.origin;
    res.setHeader('vary', 'Origin');
    if (requestOrigin && options.corsOrigins.includes(requestOrigin)) {
      res.setHeader('access-control-allow-origin', requestOrigin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-expose-headers', 'content-length, content-range, etag');
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** CloudFront's 403 (docs/cloudfront.md §10). */
function forbidden(res: ServerResponse, code: ErrorCode, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(403, {
    'content-type': 'text/xml',
    server: 'CloudFront',
    'x-cache': 'Error from cloudfront',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function notFound(res: ServerResponse): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>Not Found</Message></Error>';
  res.writeHead(404, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
