import { createPrivateKey, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type z } from 'zod';
import { envSchema, type Env } from './config.schema';
import { databaseUrl, redisUrl } from './connection-urls';
import { keyFingerprint } from '../domain/key-fingerprint';
import type { CrfTable, LadderMode } from '../domain/ladder';
import { readSecretFiles } from './secret-files';
import { playbackProblems, type PlaybackSettings } from './playback-readiness';

/** Parsed once at boot, frozen, grouped by concern. */
export interface AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly http: {
    readonly port: number;
    readonly corsOrigins: readonly string[];
    readonly requestTimeoutSeconds: number;
  };
  /** Absent only under `npm run dev`, which then embeds PGlite. */
  readonly database: { readonly url: string | undefined; readonly embeddedDir?: string };
  readonly redis: { readonly url: string };
  readonly s3: {
    readonly bucket: string;
    readonly region: string;
    readonly endpoint: string | undefined;
    /** The endpoint in presigned URLs, when browsers reach S3 by another name than the api. */
    readonly publicEndpoint?: string | undefined;
    readonly forcePathStyle: boolean;
  };
  readonly metrics: {
    /** Its own listener's port; undefined: none. */
    readonly port: number | undefined;
    readonly host: string;
    readonly onApiPort: boolean;
    /** CloudWatch's embedded metric format on stdout; intervalSeconds 0: off. */
    readonly emf: { readonly intervalSeconds: number; readonly namespace: string; readonly deployment: string };
  };
  /** Per creator and hour; 0: no limit. */
  readonly creatorLimits: {
    readonly videos: number;
    readonly reuploads: number;
    readonly webhookTests: number;
  };
  readonly auth: {
    readonly secret: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    readonly rolesClaim: string;
    readonly entitlementsClaim: string;
    /** An entitlement of "*" opens every paid video. */
    readonly allAccess: boolean;
  };
  readonly upload: {
    readonly maxBytes: number;
    readonly singleMaxBytes: number;
    readonly partBytes: number;
    readonly urlTtlSeconds: number;
    readonly abandonAfterSeconds: number;
  };
  readonly maintenance: { readonly intervalSeconds: number; readonly reconcileAfterSeconds: number };
  readonly transcode: {
    readonly concurrency: number;
    readonly attempts: number;
    readonly preset: Env['TRANSCODE_PRESET'];
    readonly shutdownGraceSeconds: number;
    readonly timeoutFactor: number;
    readonly lockSeconds: number;
    readonly tmpDir: string | undefined;
    readonly ffmpegPath: string;
    readonly ffprobePath: string;
    readonly ladder: readonly number[];
    readonly ladderMode: LadderMode;
    /** CRF by short side for capped-CRF rungs (the domain's default table when unset). */
    readonly ladderCrf: CrfTable | undefined;
    /** keptRungs' margin: a rung within it of the rung below is not published. */
    readonly ladderDropMargin: number;
    readonly segmentSeconds: number;
    /** Chunk length of a chunked ladder; 0: every video is one job. */
    readonly chunkSeconds: number;
    /** 0: no preview. */
    readonly previewShortSide: number;
    readonly previewPreset: Env['PREVIEW_PRESET'];
    /** The highest average bitrate (bit/s) of a source published as it is; 0: no source is. */
    readonly standardInputMaxBitrate: number;
    readonly maxDurationSeconds: number;
    readonly maxPixels: number;
    readonly maxFrameRate: number;
    /** prlimit --as for every ffmpeg/ffprobe process; 0: none. */
    readonly memoryLimitBytes: number;
    readonly probeTimeoutSeconds: number;
    readonly sandbox: 'auto' | 'bwrap' | 'off';
    /** 0: no storyboards. */
    readonly storyboardIntervalSeconds: number;
    readonly storyboardMaxTiles: number;
  };
  readonly downloads: { readonly maxShortSide: number; readonly urlTtlSeconds: number };
  /** ECS task scale-in protection while transcodes run (agentUri unset: not on ECS, nothing to do). */
  readonly taskProtection: { readonly agentUri: string | undefined; readonly minutes: number };
  readonly cloudfront: {
    readonly baseUrl: string | undefined;
    readonly keyPairId: string | undefined;
    /** PEM text, checked at boot: RSA-2048 or ECDSA P-256. */
    readonly privateKey: string | undefined;
    readonly hashAlgorithm: 'SHA1' | 'SHA256';
  };
  readonly webhooks: {
    readonly timeoutSeconds: number;
    readonly retryHours: number;
    readonly disableAfterDays: number;
    readonly allowPrivate: boolean;
    /** Production: only https endpoints. */
    readonly httpsOnly: boolean;
    /** The AES-256-GCM key sealing endpoint secrets. */
    readonly secretKey: Buffer;
    /** Keys secrets may still be sealed with; the worker reseals them under secretKey. */
    readonly previousSecretKeys: readonly Buffer[];
    readonly concurrency: number;
    readonly relayIntervalMs: number;
  };
  readonly playback: {
    readonly ttlSeconds: number;
    readonly expiryBucketSeconds: number;
    readonly bindIp: boolean;
    readonly trustProxy: number;
    readonly cookieDomain: string | undefined;
    readonly cookieSameSite: 'Lax' | 'Strict' | 'None';
    readonly rateLimitPerUser: number;
    readonly rateLimitPerIp: number;
    readonly maxStreams: number;
    readonly streamPolicy: 'refuse' | 'evict-oldest';
    readonly streamTtlSeconds: number;
  };
  readonly analytics: {
    /**
     * The HMAC key of view tokens (domain/view-token.ts): VIEW_TOKEN_KEY, else derived from the
     * CloudFront private key the same api signs sessions with; undefined when there is neither
     * in production (no sessions are issued then, so no token either).
     */
    readonly viewTokenKey: Buffer | undefined;
    /** Raw playback events are kept this many days; the daily rollups outlive them. */
    readonly retentionDays: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** `npm run dev` may run without DATABASE_URL; servers may not. */
  readonly allowEmbeddedDatabase?: boolean;
  readonly embeddedDatabaseDir?: string;
  /** The api in production: refuse a CDN, cookie domain or key that cannot serve playback. */
  readonly requirePlayback?: boolean;
  /** The worker verifies no token: JWT_SECRET and JWT_JWKS_URL are neither required nor needed. */
  readonly verifiesNoTokens?: boolean;
}

/** Checks every variable and reports every problem in one error. */
export function loadConfig(source: Record<string, string | undefined>, options: LoadOptions = {}): AppConfig {
  const fileProblems: string[] = [];
  // Empty strings mean "unset", as in a .env file with `NAME=`.
  const raw = Object.fromEntries(
    Object.entries(readSecretFiles(source, fileProblems)).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(raw);
  const problems = [...fileProblems, ...(parsed.success ? [] : parsed.error.issues.map(describeIssue))];
  if (!options.verifiesNoTokens && !raw.JWT_SECRET && !raw.JWT_JWKS_URL) {
    problems.push('JWT_SECRET: set JWT_SECRET or JWT_JWKS_URL so tokens can be verified');
  }
  if (parsed.success && !databaseUrl(parsed.data) && !options.allowEmbeddedDatabase) {
    problems.push('DATABASE_URL: required, or DATABASE_HOST and its parts (only `npm run dev` embeds a database)');
  }
  const privateKey = parsed.success ? readPrivateKey(parsed.data, problems) : undefined;
  const webhookKeys = parsed.success ? readWebhookKeys(parsed.data, problems) : undefined;
  if (options.requirePlayback && raw.NODE_ENV === 'production') {
    problems.push(...tokenProblems(raw));
    // Raw values, so these are listed even when another variable failed to parse; a variable
    // already reported (a key id without its key, a malformed URL) is not reported twice.
    const named = new Set(problems.map((p) => p.split(':')[0]));
    problems.push(
      ...playbackProblems(playbackSettings(raw, parsed.success ? Boolean(privateKey) : undefined)).filter(
        (p) => !named.has(p.split(':')[0]),
      ),
    );
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    ...group(parsed.data, options),
    cloudfront: cloudfrontGroup(parsed.data, privateKey),
    webhooks: webhooksGroup(parsed.data, webhookKeys!),
    analytics: {
      viewTokenKey: viewTokenKey(parsed.data, privateKey, problems),
      retentionDays: parsed.data.ANALYTICS_RETENTION_DAYS,
    },
  });
}

/** One zod issue as a configuration problem: `NAME: what is wrong`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.') || 'environment';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message;
  return `${name}: ${message}`;
}

function group(env: Env, options: LoadOptions): Omit<AppConfig, 'webhooks' | 'analytics'> {
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: { port: env.PORT, corsOrigins: env.CORS_ORIGINS, requestTimeoutSeconds: env.REQUEST_TIMEOUT_SECONDS },
    database: { url: databaseUrl(env), embeddedDir: options.embeddedDatabaseDir },
    redis: { url: redisUrl(env.REDIS_URL, env.REDIS_PASSWORD) },
    s3: {
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      publicEndpoint: env.S3_PUBLIC_ENDPOINT,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    },
    auth: {
      secret: env.JWT_SECRET,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      rolesClaim: env.JWT_ROLES_CLAIM,
      entitlementsClaim: env.JWT_ENTITLEMENTS_CLAIM,
      allAccess: env.JWT_ALL_ACCESS,
    },
    upload: {
      maxBytes: env.UPLOAD_MAX_BYTES,
      singleMaxBytes: env.UPLOAD_SINGLE_MAX_BYTES,
      partBytes: env.UPLOAD_PART_BYTES,
      urlTtlSeconds: env.UPLOAD_URL_TTL_SECONDS,
      abandonAfterSeconds: env.UPLOAD_ABANDON_AFTER_SECONDS,
    },
    maintenance: {
      intervalSeconds: env.MAINTENANCE_INTERVAL_SECONDS,
      reconcileAfterSeconds: env.RECONCILE_AFTER_SECONDS,
    },
    cloudfront: cloudfrontGroup(env, undefined),
    playback: {
      ttlSeconds: env.PLAYBACK_TTL_SECONDS,
      expiryBucketSeconds: env.PLAYBACK_EXPIRY_BUCKET_SECONDS,
      bindIp: env.PLAYBACK_BIND_IP,
      trustProxy: env.TRUST_PROXY,
      cookieDomain: env.COOKIE_DOMAIN,
      cookieSameSite: env.COOKIE_SAMESITE,
      rateLimitPerUser: env.PLAYBACK_RATE_LIMIT_PER_USER,
      rateLimitPerIp: env.PLAYBACK_RATE_LIMIT_PER_IP,
      maxStreams: env.PLAYBACK_MAX_STREAMS,
      streamPolicy: env.PLAYBACK_STREAM_POLICY,
      streamTtlSeconds: env.PLAYBACK_STREAM_TTL_SECONDS,
    },
    transcode: {
      concurrency: env.TRANSCODE_CONCURRENCY,
      attempts: env.TRANSCODE_ATTEMPTS,
      preset: env.TRANSCODE_PRESET,
      shutdownGraceSeconds: env.TRANSCODE_SHUTDOWN_GRACE_SECONDS,
      timeoutFactor: env.TRANSCODE_TIMEOUT_FACTOR,
      lockSeconds: env.TRANSCODE_LOCK_SECONDS,
      tmpDir: env.TRANSCODE_TMP_DIR,
      ffmpegPath: env.FFMPEG_PATH ?? 'ffmpeg',
      ffprobePath: env.FFPROBE_PATH ?? 'ffprobe',
      ladder: env.LADDER,
      ladderMode: env.LADDER_MODE,
      ladderCrf: env.LADDER_CRF,
      ladderDropMargin: env.LADDER_DROP_MARGIN,
      segmentSeconds: env.HLS_SEGMENT_SECONDS,
      chunkSeconds: env.TRANSCODE_CHUNK_SECONDS,
      previewShortSide: env.PREVIEW_SHORT_SIDE,
      previewPreset: env.PREVIEW_PRESET,
      standardInputMaxBitrate: env.STANDARD_INPUT_MAX_KBPS * 1000,
      maxDurationSeconds: env.MAX_SOURCE_DURATION_SECONDS,
      maxPixels: env.MAX_SOURCE_PIXELS,
      maxFrameRate: env.MAX_SOURCE_FRAME_RATE,
      memoryLimitBytes: env.FFMPEG_MEMORY_LIMIT_MB * 1024 * 1024,
      probeTimeoutSeconds: env.PROBE_TIMEOUT_SECONDS,
      sandbox: env.FFMPEG_SANDBOX,
      storyboardIntervalSeconds: env.STORYBOARD_INTERVAL_SECONDS,
      storyboardMaxTiles: env.STORYBOARD_MAX_TILES,
    },
    downloads: { maxShortSide: env.DOWNLOAD_MAX_SHORT_SIDE, urlTtlSeconds: env.DOWNLOAD_URL_TTL_SECONDS },
    taskProtection: { agentUri: env.ECS_AGENT_URI, minutes: env.TASK_PROTECTION_MINUTES },
    metrics: {
      port: env.METRICS_PORT,
      host: env.METRICS_HOST,
      onApiPort: env.METRICS_ON_API_PORT,
      emf: {
        intervalSeconds: env.METRICS_EMF_INTERVAL_SECONDS,
        namespace: env.METRICS_EMF_NAMESPACE,
        deployment: env.METRICS_EMF_DEPLOYMENT,
      },
    },
    creatorLimits: {
      videos: env.CREATOR_RATE_LIMIT_VIDEOS,
      reuploads: env.CREATOR_RATE_LIMIT_REUPLOADS,
      webhookTests: env.CREATOR_RATE_LIMIT_WEBHOOK_TESTS,
    },
  };
}

function webhooksGroup(env: Env, keys: { current: Buffer; previous: Buffer[] }): AppConfig['webhooks'] {
  return {
    timeoutSeconds: env.WEBHOOK_TIMEOUT_SECONDS,
    retryHours: env.WEBHOOK_RETRY_HOURS,
    disableAfterDays: env.WEBHOOK_DISABLE_AFTER_DAYS,
    allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    httpsOnly: env.NODE_ENV === 'production',
    secretKey: keys.current,
    previousSecretKeys: keys.previous,
    concurrency: env.WEBHOOK_CONCURRENCY,
    relayIntervalMs: env.WEBHOOK_RELAY_INTERVAL_MS,
  };
}

/**
 * A production api shares its identity provider with other applications: a token for one of them
 * must not open Velvet, so the issuer and the audience are checked, and keys come over https.
 */
function tokenProblems(raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!raw.JWT_ISSUER) problems.push('JWT_ISSUER: required in production (the iss every accepted token must carry)');
  if (!raw.JWT_AUDIENCE)
    problems.push('JWT_AUDIENCE: required in production (the aud naming Velvet, so tokens for other apps are refused)');
  const jwks = raw.JWT_JWKS_URL?.trim();
  if (jwks && URL.canParse(jwks) && new URL(jwks).protocol !== 'https:')
    problems.push('JWT_JWKS_URL: must be https in production (keys fetched over http can be replaced on the way)');
  return problems;
}

/**
 * The keys sealing webhook secrets: WEBHOOK_SECRET_KEY seals, and opens with any of
 * WEBHOOK_SECRET_KEY_PREVIOUS. Its own setting, so the worker (which delivers, hence opens) never
 * holds the api's token secret; required in production.
 */
function readWebhookKeys(env: Env, problems: string[]): { current: Buffer; previous: Buffer[] } | undefined {
  const decode = (name: string, value: string): Buffer => {
    const key = Buffer.from(value.trim(), 'base64');
    if (key.length !== 32) problems.push(`${name}: must be 32 bytes, base64 (openssl rand -base64 32)`);
    return key;
  };
  const previous = (env.WEBHOOK_SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((v) => v.trim())
    .map((v) => decode('WEBHOOK_SECRET_KEY_PREVIOUS', v));
  if (env.WEBHOOK_SECRET_KEY) return { current: decode('WEBHOOK_SECRET_KEY', env.WEBHOOK_SECRET_KEY), previous };
  if (env.NODE_ENV === 'production') {
    problems.push('WEBHOOK_SECRET_KEY: required in production (32 bytes, base64: openssl rand -base64 32)');
    return undefined;
  }
  // Outside production, a fixed key: development databases hold no real secrets.
  return {
    current: Buffer.from(hkdfSync('sha256', 'velvet development', 'velvet', 'webhook secret sealing key', 32)),
    previous,
  };
}

/**
 * View tokens' key. Its own setting when given; else derived (HKDF, its own label) from the
 * CloudFront private key, which every api issuing sessions holds, so a deployment needs no new
 * secret; outside production without either, a fixed development key.
 */
function viewTokenKey(env: Env, cloudfrontKey: string | undefined, problems: string[]): Buffer | undefined {
  if (env.VIEW_TOKEN_KEY) {
    const key = Buffer.from(env.VIEW_TOKEN_KEY.trim(), 'base64');
    if (key.length !== 32) problems.push('VIEW_TOKEN_KEY: must be 32 bytes, base64 (openssl rand -base64 32)');
    return key;
  }
  if (cloudfrontKey) return Buffer.from(hkdfSync('sha256', cloudfrontKey, 'velvet', 'view tokens', 32));
  if (env.NODE_ENV === 'production') return undefined;
  return Buffer.from(hkdfSync('sha256', 'velvet development', 'velvet', 'view tokens', 32));
}

function playbackSettings(
  raw: Record<string, string | undefined>,
  hasPrivateKey: boolean | undefined,
): PlaybackSettings {
  const cdn = raw.CDN_BASE_URL?.trim();
  return {
    cdnBaseUrl: cdn && URL.canParse(cdn) ? cdn : undefined,
    keyPairId: raw.CLOUDFRONT_KEY_PAIR_ID?.trim() || undefined,
    hasPrivateKey: hasPrivateKey ?? Boolean(raw.CLOUDFRONT_PRIVATE_KEY || raw.CLOUDFRONT_PRIVATE_KEY_FILE),
    cookieDomain: raw.COOKIE_DOMAIN?.trim() || undefined,
  };
}

function cloudfrontGroup(env: Env, privateKey: string | undefined): AppConfig['cloudfront'] {
  return {
    baseUrl: env.CDN_BASE_URL,
    keyPairId: env.CLOUDFRONT_KEY_PAIR_ID,
    privateKey,
    hashAlgorithm: env.CLOUDFRONT_HASH_ALGORITHM,
  };
}

/** The signing key, from the variable (`\n` escapes allowed) or the file; parsed once, here. */
export function readPrivateKey(
  env: Pick<Env, 'CLOUDFRONT_PRIVATE_KEY' | 'CLOUDFRONT_PRIVATE_KEY_FILE' | 'CLOUDFRONT_KEY_PAIR_ID'> &
    Partial<Pick<Env, 'CLOUDFRONT_KEY_FINGERPRINT'>>,
  problems: string[],
): string | undefined {
  if (env.CLOUDFRONT_PRIVATE_KEY && env.CLOUDFRONT_PRIVATE_KEY_FILE) {
    problems.push('CLOUDFRONT_PRIVATE_KEY: set it or CLOUDFRONT_PRIVATE_KEY_FILE, not both');
    return undefined;
  }
  let pem = env.CLOUDFRONT_PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (env.CLOUDFRONT_PRIVATE_KEY_FILE) {
    try {
      pem = readFileSync(env.CLOUDFRONT_PRIVATE_KEY_FILE, 'utf8');
    } catch {
      problems.push('CLOUDFRONT_PRIVATE_KEY_FILE: cannot be read');
      return undefined;
    }
  }
  const name = env.CLOUDFRONT_PRIVATE_KEY_FILE ? 'CLOUDFRONT_PRIVATE_KEY_FILE' : 'CLOUDFRONT_PRIVATE_KEY';
  if (!pem) {
    if (env.CLOUDFRONT_KEY_PAIR_ID) problems.push('CLOUDFRONT_PRIVATE_KEY: required with CLOUDFRONT_KEY_PAIR_ID');
    return undefined;
  }
  if (!env.CLOUDFRONT_KEY_PAIR_ID) problems.push('CLOUDFRONT_KEY_PAIR_ID: required with a CloudFront private key');
  try {
    const key = createPrivateKey(pem);
    const details = key.asymmetricKeyDetails;
    const rsa2048 = key.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048;
    const p256 = key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1';
    if (!rsa2048 && !p256) problems.push(`${name}: CloudFront accepts RSA-2048 or ECDSA P-256 keys only`);
    const expected = env.CLOUDFRONT_KEY_FINGERPRINT;
    if (expected && keyFingerprint(key) !== expected.toUpperCase())
      problems.push(
        `${name}: its public half (fingerprint ${keyFingerprint(key)}) is not the key CLOUDFRONT_KEY_FINGERPRINT names (${expected}): ` +
          'every signature would be refused; put the private key of the last INFRA_PUBLIC_KEYS entry in the secret',
      );
  } catch {
    problems.push(`${name}: not a PEM private key`);
  }
  return pem;
}

function deepFreeze<T>(value: T): T {
  // Buffers cannot be frozen (their bytes are not properties); a key is never handed out to write.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
