import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { S3rverMultipartGaps } from './s3rver-multipart-gaps';
import { startVerifyingFront } from './s3-verifying-front';

/** s3rver's one built-in account (lib/models/account.js). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  /** The verifying front: the only address clients should use. */
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface LocalS3Options {
  readonly directory: string;
  readonly bucket: string;
  readonly port?: number;
  readonly maxFormBytes: number;
  /** Origins allowed to upload from a browser (bucket CORS, exposing ETag). */
  readonly corsOrigins?: readonly string[];
}

/**
 * `@20minutes/s3rver` (verifies SigV4) behind the verifying front, for development and tests.
 * ListObjectsV2 pagination needs Node's `--openssl-legacy-provider`: s3rver's continuation tokens
 * use single DES, which OpenSSL 3 (Node 24 included) ships only in its legacy provider.
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  mkdirSync(options.directory, { recursive: true });
  // Loaded here so production never requires the emulator (a devDependency).
  const { default: S3rver } = await import('@20minutes/s3rver');
  const emulator = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [corsXml(options.corsOrigins ?? ['*'])] }],
  });
  const { port } = await emulator.run();
  const upstream = new URL(`http://127.0.0.1:${port}`);
  const front = await startVerifyingFront(
    {
      upstream,
      bucket: options.bucket,
      maxFormBytes: options.maxFormBytes,
      multipart: new S3rverMultipartGaps(options.directory, options.bucket),
      secretFor: (id) => (id === LOCAL_S3_CREDENTIALS.accessKeyId ? LOCAL_S3_CREDENTIALS.secretAccessKey : undefined),
    },
    options.port ?? 0,
  );
  return {
    endpoint: front.url,
    async close() {
      await closeServer(front.server);
      // Nothing the front opened can still need the emulator: its connections go with it.
      emulator.httpServer?.closeAllConnections();
      await emulator.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function corsXml(origins: readonly string[]): string {
  const allowed = origins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`).join('');
  return `<CORSConfiguration><CORSRule>${allowed}<AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}
