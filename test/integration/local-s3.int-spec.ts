import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../dev/local-s3';
import { startVerifyingFront } from '../../dev/s3-verifying-front';

const BUCKET = 'velvet-atomic';
const SIZE = 8 * 1024 * 1024;

/** The local S3 stand-in behaves as S3 where Velvet relies on it. */
describe('the local S3 server', () => {
  let dir: string;
  let s3: LocalS3;
  let client: S3Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'velvet-atomic-'));
    s3 = await startLocalS3({ directory: dir, bucket: BUCKET, maxFormBytes: 1024 });
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: LOCAL_S3_CREDENTIALS,
    });
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (byte: string) =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/playlist.m3u8', Body: Buffer.alloc(SIZE, byte) }));
  const get = async () =>
    Buffer.from(
      await (
        await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a/playlist.m3u8' }))
      ).Body!.transformToByteArray(),
    );

  it('gives every read racing an overwrite the old object or the new one, whole', async () => {
    await put('a');
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const byte = round % 2 ? 'a' : 'b';
      const reads = Array.from({ length: 6 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 3));
        return get();
      });
      const [, ...bodies] = await Promise.all([put(byte), ...reads]);
      for (const body of bodies) {
        expect(body.length).toBe(SIZE);
        const first = String.fromCharCode(body[0]!);
        expect(body.equals(Buffer.alloc(SIZE, first))).toBe(true);
        seen.add(first);
      }
    }
    // Both versions were read, so reads did overlap the writes.
    expect([...seen].sort()).toEqual(['a', 'b']);
  }, 60_000);

  it("ends the emulator's answer when a reader leaves halfway, so no connection is left paused", async () => {
    // An upstream that answers a long body slowly, and says when its answer ended.
    let ended: () => void = () => {};
    const answerEnded = new Promise<void>((r) => (ended = r));
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(64 * 1024 * 1024) });
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 5);
      res.on('close', () => {
        clearInterval(timer);
        ended();
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const front = await startVerifyingFront({
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
      bucket: BUCKET,
      maxFormBytes: 1024,
      secretFor: () => undefined,
    });
    try {
      // As the source server does when ffmpeg seeks: read the start, then drop the connection.
      const aborter = new AbortController();
      const reply = await fetch(`${front.url}/${BUCKET}/big.mp4`, {
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' },
        signal: aborter.signal,
      });
      await reply.body!.getReader().read();
      aborter.abort();
      const outcome = await Promise.race([
        answerEnded.then(() => 'ended'),
        new Promise((r) => setTimeout(() => r('still streaming after 5 s'), 5000)),
      ]);
      expect(outcome).toBe('ended');
    } finally {
      front.server.closeAllConnections();
      upstream.closeAllConnections();
      await new Promise((r) => front.server.close(r));
      await new Promise((r) => upstream.close(r));
    }
  }, 30_000);
});
