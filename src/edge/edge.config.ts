import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The edge's own settings; the S3 ones are the api's (S3_BUCKET, S3_REGION, S3_ENDPOINT, …). */
export interface EdgeConfig {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly trustedKeys: ReadonlyMap<string, KeyObject>;
  readonly corsOrigins: readonly string[];
  readonly s3: { bucket: string; region: string; endpoint: string | undefined; forcePathStyle: boolean };
}

const schema = z.object({
  EDGE_PORT: z.string().regex(/^\d+$/).transform(Number).default(3001),
  // Loopback unless told otherwise (a container publishing the port needs 0.0.0.0).
  EDGE_HOST: z.string().default('127.0.0.1'),
  EDGE_PUBLIC_URL: z.url({ protocol: /^https?$/ }),
  // The key group: `KEYID=/path/to/public.pem`, comma-separated.
  EDGE_TRUSTED_KEYS: z.string().regex(/^[A-Z0-9]+=[^,]+(,[A-Z0-9]+=[^,]+)*$/, 'must be KEYID=/path/to/public.pem[,…]'),
  EDGE_CORS_ORIGINS: z.string().default(''),
  S3_BUCKET: z.string().min(3),
  S3_REGION: z.string().default('us-east-1'),
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
});

export function loadEdgeConfig(env: Record<string, string | undefined>): EdgeConfig {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    throw new Error(
      `Invalid edge configuration:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const e = parsed.data;
  const trustedKeys = new Map<string, KeyObject>();
  for (const entry of e.EDGE_TRUSTED_KEYS.split(',')) {
    const [id, file] = entry.split('=') as [string, string];
    trustedKeys.set(id, createPublicKey(readFileSync(file, 'utf8')));
  }
  return {
    port: e.EDGE_PORT,
    host: e.EDGE_HOST,
    publicUrl: e.EDGE_PUBLIC_URL,
    trustedKeys,
    corsOrigins: e.EDGE_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    s3: {
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
      endpoint: e.S3_ENDPOINT,
      forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
    },
  };
}
