import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { ObjectLocks } from './object-locks';
import { verifyPostPolicy, type PolicyVerdict } from './post-policy';
import type { S3rverMultipartGaps } from './s3rver-multipart-gaps';
import { verifySigV4Header } from './sigv4';

/**
 * Development/test stand-in for what S3 enforces and the local emulator does not: it refuses
 * every unsigned request (the bucket is private) and evaluates browser form-upload policies
 * (size, type, key, expiry, signature), and If-Match on reads. Signed requests pass through
 * unchanged, Host included, so the emulator still verifies their SigV4 signatures itself. Reads and overwrites of one object
 * take turns, so a reader sees an object whole, as on S3 (object-locks).
 */
export interface VerifyingFrontOptions {
  readonly upstream: URL;
  readonly bucket: string;
  readonly secretFor: (accessKeyId: string) => string | undefined;
  /** Form uploads are buffered to check their size; bigger bodies are refused outright. */
  readonly maxFormBytes: number;
  readonly now?: () => Date;
  /** Multipart calls the emulator lacks, answered here. */
  readonly multipart?: S3rverMultipartGaps;
}

export async function startVerifyingFront(
  options: VerifyingFrontOptions,
  port = 0,
): Promise<{ url: string; server: Server }> {
  const locks = new Map<string, Promise<void>>();
  const objects = new ObjectLocks();
  const server = createServer((req, res) => {
    handle(req, res, options, locks, objects).catch(() =>
      sendError(res, 500, 'InternalError', 'The verifying front failed.'),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: VerifyingFrontOptions,
  locks: Map<string, Promise<void>>,
  objects: ObjectLocks,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://front');
  const isFormUpload =
    req.method === 'POST' &&
    url.pathname === `/${options.bucket}` &&
    url.search === '' &&
    (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
  if (isFormUpload) return handleFormUpload(req, res, options);
  const signed = /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? '') || url.searchParams.has('X-Amz-Signature');
  if (req.method !== 'OPTIONS' && !signed) {
    req.resume();
    return sendError(res, 403, 'AccessDenied', 'Anonymous access to this bucket is not allowed.');
  }
  const uploadId = url.searchParams.get('uploadId');
  const isObject = url.pathname.startsWith(`/${options.bucket}/`);
  const pass = () =>
    options.multipart && uploadId !== null && isObject
      ? handleMultipart(req, res, url, uploadId, options, options.multipart, locks)
      : forward(req, res, options.upstream, req);
  const turn = isObject ? objectTurn(req.method, uploadId !== null) : undefined;
  return turn ? objects[turn](url.pathname, pass) : pass();
}

/** Which requests read an object and which replace or remove it (completing an upload writes it). */
function objectTurn(method: string | undefined, multipart: boolean): 'read' | 'write' | undefined {
  if (multipart) return method === 'POST' ? 'write' : undefined;
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'PUT' || method === 'DELETE') return 'write';
  return undefined;
}

async function handleMultipart(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  uploadId: string,
  options: VerifyingFrontOptions,
  gaps: S3rverMultipartGaps,
  locks: Map<string, Promise<void>>,
): Promise<void> {
  if (req.method === 'GET' || req.method === 'DELETE') {
    req.resume();
    if (!verifySigV4Header({ method: req.method, rawUrl: req.url ?? '/', headers: req.headers }, options.secretFor)) {
      return sendError(
        res,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    if (req.method === 'DELETE') {
      if (!(await gaps.abort(uploadId))) return noSuchUpload(res);
      res.writeHead(204).end();
      return;
    }
    const key = decodeURIComponent(url.pathname.slice(options.bucket.length + 2));
    const marker = Number(url.searchParams.get('part-number-marker') ?? 0) || 0;
    const max = Math.min(Number(url.searchParams.get('max-parts') ?? 1000) || 1000, 1000);
    const xml = await gaps.listPartsXml(key, uploadId, marker, max);
    if (xml === null) return noSuchUpload(res);
    res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
    return;
  }
  // S3 completes an upload once: a racing second complete sees NoSuchUpload, never a half-read
  // folder, so completes of one upload take turns here.
  const previous = locks.get(uploadId) ?? Promise.resolve();
  let release = () => {};
  const turn = new Promise<void>((resolve) => (release = resolve));
  const queued = previous.then(() => turn);
  locks.set(uploadId, queued);
  await previous;
  try {
    if (!(await gaps.exists(uploadId))) {
      req.resume();
      return noSuchUpload(res);
    }
    await forward(req, res, options.upstream, req);
  } finally {
    release();
    if (locks.get(uploadId) === queued) locks.delete(uploadId);
  }
}

function noSuchUpload(res: ServerResponse): void {
  sendError(
    res,
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  );
}

async function handleFormUpload(
  req: IncomingMessage,
  res: ServerResponse,
  options: VerifyingFrontOptions,
): Promise<void> {
  const body = await readBody(req, options.maxFormBytes);
  if (!body) return sendError(res, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
  const form = await parseForm(req, body);
  const verdict: PolicyVerdict = form
    ? verifyPostPolicy(form, options.bucket, (options.now ?? (() => new Date()))(), options.secretFor)
    : {
        ok: false,
        status: 400,
        code: 'MalformedPOSTRequest',
        message: 'The body of your POST request is not well-formed multipart/form-data.',
      };
  if (!verdict.ok) return sendError(res, verdict.status, verdict.code, verdict.message);
  await forward(req, res, options.upstream, body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : null));
    req.on('error', reject);
  });
}

/** Fields before the file (S3 ignores those after it) and the file's size; null if malformed. */
function parseForm(
  req: IncomingMessage,
  body: Buffer,
): Promise<{ fields: [string, string][]; fileSize: number } | null> {
  return new Promise((resolve) => {
    const fields: [string, string][] = [];
    let fileSize = -1;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: 64 * 1024 } });
    } catch {
      return resolve(null);
    }
    parser.on('field', (name, value) => {
      if (fileSize < 0) fields.push([name, value]);
    });
    parser.on('file', (name, stream) => {
      if (name !== 'file' || fileSize >= 0) return stream.resume();
      let size = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('end', () => (fileSize = size));
    });
    parser.on('close', () => resolve(fileSize >= 0 ? { fields, fileSize } : null));
    parser.on('error', () => resolve(null));
    parser.end(body);
  });
}

/** Passes the request through unchanged; resolves once the reply has been sent. */
function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  body: Buffer | IncomingMessage,
): Promise<void> {
  const done = new Promise<void>((resolve) => res.on('close', resolve));
  let replied = false;
  const proxied = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (reply) => {
      replied = true;
      // The emulator ignores If-Match; S3 answers 412 when the object is no longer that version.
      const ifMatch = req.headers['if-match'];
      if (
        ifMatch &&
        (req.method === 'GET' || req.method === 'HEAD') &&
        reply.statusCode !== undefined &&
        reply.statusCode < 300 &&
        ifMatch !== '*' &&
        ifMatch.replace(/"/g, '') !== String(reply.headers.etag ?? '').replace(/"/g, '')
      ) {
        reply.destroy();
        return sendError(
          res,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      // A refusal can come before the client finished sending: drain the rest and close the
      // connection (as S3 does), so the client reads the refusal instead of a reset socket.
      const early = !req.readableEnded;
      res.writeHead(reply.statusCode ?? 502, early ? { ...reply.headers, connection: 'close' } : reply.headers);
      reply.pipe(res);
      if (early) reply.on('end', () => req.resume());
    },
  );
  proxied.on('error', () => {
    // After the emulator answered (say, a 403 before the body was read), an upload still
    // streaming to it breaks with EPIPE: its answer stands.
    if (res.headersSent) req.resume();
    else sendError(res, 502, 'BadGateway', 'The storage emulator did not answer.');
  });
  // A client that goes away mid-answer (ffmpeg seeking in a ranged read) ends the emulator's
  // answer too; otherwise it stays paused on an open connection, and closing the emulator waits
  // for it forever. Not before the emulator answered: an upload cut off mid-body would be reset
  // and the emulator would keep a half-written part (S3 keeps nothing of it).
  res.on('close', () => {
    if (replied && !res.writableFinished) proxied.destroy();
  });
  if (Buffer.isBuffer(body)) proxied.end(body);
  else body.pipe(proxied);
  return done;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
