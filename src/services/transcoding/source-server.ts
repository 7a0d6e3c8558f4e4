import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@nestjs/common';
import { ObjectChangedError, type ObjectStorage } from '../../ports/object-storage';
import { noteStreamed } from '../../runtime/buffer-release';

export interface ServedSource {
  /** `http://127.0.0.1:{port}/{token}`: the only address ffmpeg is given. */
  readonly url: string;
  /** Bytes passed on from storage so far. */
  bytesRead(): number;
  /** A read found the object replaced since `etag` (answered 412, so ffmpeg stopped). */
  replaced(): boolean;
  close(): Promise<void>;
}

/**
 * Serves one stored object to ffmpeg on loopback, passing each Range request on to storage, so a
 * chunk job reads only the index and its slice of the source and needs no other machine's disk.
 * ffmpeg never holds a storage URL or credential (a presigned URL in its arguments would show in
 * `ps` and in logs); the server answers one unguessable path, GET only, and never redirects.
 */
export async function serveSource(
  storage: ObjectStorage,
  key: string,
  logger: Pick<Logger, 'warn'>,
  etag?: string,
): Promise<ServedSource> {
  const path = `/${randomBytes(16).toString('hex')}`;
  let bytes = 0;
  let replaced = false;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.warn(`source server: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url !== path) return void res.writeHead(404).end();
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    // Every range of exactly the bytes the probe read (If-Match): a source put there since is refused.
    const object = await storage.openObject(key, { range, ifMatch: etag }).catch((error: unknown) => {
      if (!(error instanceof ObjectChangedError)) throw error;
      replaced = true;
      return { status: 412 as const, headers: {}, body: null };
    });
    if (!object) return void res.writeHead(404).end();
    if (!object.body) return void res.writeHead(object.status).end();
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    for (const name of ['content-length', 'content-range'])
      if (object.headers[name]) headers[name] = object.headers[name];
    res.writeHead(object.status, headers);
    const body = object.body;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      noteStreamed(chunk.length);
    });
    // ffmpeg closes the connection when it seeks: stop reading from storage at once.
    res.on('close', () => body.destroy());
    body.pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    bytesRead: () => bytes,
    replaced: () => replaced,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
