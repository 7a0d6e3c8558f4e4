import { z } from 'zod';
import { envSchema } from '../config/config.schema';
import { ConfigError, describeIssue, readPrivateKey } from '../config/config';

/** The part of Velvet's configuration the doctor needs: the CDN, the signing key, S3's name. */
export interface DoctorConfig {
  readonly cdnBaseUrl: string;
  readonly cloudfront: {
    readonly baseUrl: string;
    readonly keyPairId: string;
    readonly privateKey: string;
    readonly hashAlgorithm: 'SHA1' | 'SHA256';
  };
  readonly distributionId: string | undefined;
  readonly corsOrigins: readonly string[];
  readonly cookieDomain: string | undefined;
  readonly bindIp: boolean;
  readonly s3: {
    readonly bucket: string;
    readonly region: string;
    readonly endpoint: string | undefined;
    readonly forcePathStyle: boolean;
  };
}

const shape = envSchema.shape;
const schema = z.object({
  CDN_BASE_URL: shape.CDN_BASE_URL,
  CLOUDFRONT_KEY_PAIR_ID: shape.CLOUDFRONT_KEY_PAIR_ID,
  CLOUDFRONT_PRIVATE_KEY: shape.CLOUDFRONT_PRIVATE_KEY,
  CLOUDFRONT_PRIVATE_KEY_FILE: shape.CLOUDFRONT_PRIVATE_KEY_FILE,
  CLOUDFRONT_HASH_ALGORITHM: shape.CLOUDFRONT_HASH_ALGORITHM,
  // The VelvetMedia stack's DistributionId output; without it the doctor finds it by host.
  CLOUDFRONT_DISTRIBUTION_ID: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{1,32}$/, 'must be a CloudFront distribution id')
    .optional(),
  CORS_ORIGINS: shape.CORS_ORIGINS,
  COOKIE_DOMAIN: shape.COOKIE_DOMAIN,
  PLAYBACK_BIND_IP: shape.PLAYBACK_BIND_IP,
  S3_BUCKET: shape.S3_BUCKET,
  S3_REGION: shape.S3_REGION,
  S3_ENDPOINT: shape.S3_ENDPOINT,
  S3_FORCE_PATH_STYLE: shape.S3_FORCE_PATH_STYLE,
});

export function loadDoctorConfig(source: Record<string, string | undefined>): DoctorConfig {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  if (!parsed.success) throw new ConfigError(problems);
  const env = parsed.data;
  const privateKey = readPrivateKey(env, problems);
  if (!env.CDN_BASE_URL) problems.push('CDN_BASE_URL: required (the CDN the doctor probes)');
  if (!privateKey && !env.CLOUDFRONT_KEY_PAIR_ID)
    problems.push('CLOUDFRONT_KEY_PAIR_ID and CLOUDFRONT_PRIVATE_KEY: required (the doctor signs as Velvet does)');
  if (problems.length > 0 || !env.CDN_BASE_URL || !privateKey || !env.CLOUDFRONT_KEY_PAIR_ID)
    throw new ConfigError(problems);
  return {
    cdnBaseUrl: env.CDN_BASE_URL,
    cloudfront: {
      baseUrl: env.CDN_BASE_URL,
      keyPairId: env.CLOUDFRONT_KEY_PAIR_ID,
      privateKey,
      hashAlgorithm: env.CLOUDFRONT_HASH_ALGORITHM,
    },
    distributionId: env.CLOUDFRONT_DISTRIBUTION_ID,
    corsOrigins: env.CORS_ORIGINS,
    cookieDomain: env.COOKIE_DOMAIN,
    bindIp: env.PLAYBACK_BIND_IP,
    s3: {
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    },
  };
}

/** The object's own S3 URL, as an anonymous browser would try it. */
export function s3ObjectUrl(s3: DoctorConfig['s3'], key: string): string {
  if (!s3.endpoint) return `https://${s3.bucket}.s3.${s3.region}.amazonaws.com/${key}`;
  const endpoint = new URL(s3.endpoint);
  if (s3.forcePathStyle) return `${endpoint.origin}/${s3.bucket}/${key}`;
  return `${endpoint.protocol}//${s3.bucket}.${endpoint.host}/${key}`;
}
