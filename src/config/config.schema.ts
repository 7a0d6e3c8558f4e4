import { z } from 'zod';
import { S3_MAX_PART_BYTES, S3_MAX_SINGLE_UPLOAD_BYTES, S3_MIN_PART_BYTES } from '../domain/upload-plan';

const MIB = 1024 * 1024;
// A JWT claim's name: Velvet's own, or a provider's namespaced one (cognito:groups, https://x/roles).
const CLAIM_NAME = /^[A-Za-z0-9_:/.-]{1,128}$/;
const GIB = 1024 * MIB;

const integer = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1')
    .default(fallback);

const url = (protocols: RegExp) =>
  z
    .string()
    .trim()
    .pipe(z.url({ protocol: protocols, message: `must be a ${protocols.source} URL` }));

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Every environment variable Velvet reads; `.env.example` documents each one. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: integer(3000, 0, 65535),
    LOG_LEVEL: z.enum(['debug', 'log', 'warn', 'error']).default('log'),
    // A request not answered within this many seconds gets 503 dependency_unavailable (with
    // Retry-After) instead of hanging while a dependency stalls.
    REQUEST_TIMEOUT_SECONDS: integer(30, 1, 600),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ message: 'must be a comma-separated list of origins' }))),
    DATABASE_URL: url(/^postgres(ql)?$/).optional(),
    // The database by parts, when DATABASE_URL is unset (an RDS secret's host, port, dbname,
    // username and password, each passed to the task as its own secret).
    DATABASE_HOST: optionalText.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name or address')
        .optional(),
    ),
    DATABASE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    DATABASE_NAME: optionalText,
    DATABASE_USER: optionalText,
    // Added to DATABASE_URL or to the parts: the password apart from the rest of the address.
    DATABASE_PASSWORD: optionalText,
    // libpq's sslmode as node-postgres reads it: require and verify-full check the server's
    // certificate (RDS's CA must then be in NODE_EXTRA_CA_CERTS); no-verify encrypts only.
    DATABASE_SSLMODE: z.enum(['disable', 'no-verify', 'require', 'verify-ca', 'verify-full']).optional(),
    REDIS_URL: url(/^rediss?$/).default('redis://127.0.0.1:6379'),
    // Put into REDIS_URL: an ElastiCache auth token passed as its own secret.
    REDIS_PASSWORD: optionalText,
    S3_BUCKET: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    S3_REGION: z.string().trim().min(1).default('us-east-1'),
    S3_ENDPOINT: url(/^https?$/).optional(),
    // Where browsers reach the same S3-compatible server when the api reaches it by another name
    // (docker compose: http://seaweedfs:8333 inside, http://localhost:8333 for the browser).
    S3_PUBLIC_ENDPOINT: url(/^https?$/).optional(),
    S3_FORCE_PATH_STYLE: boolean(false),
    JWT_SECRET: optionalText.pipe(
      z
        .string()
        // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits).
        .min(32, 'must be at least 32 characters (RFC 7518 §3.2)')
        .optional(),
    ),
    JWT_JWKS_URL: optionalText.pipe(url(/^https?$/).optional()),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    // The claims holding a user's roles and entitlements (Cognito: JWT_ROLES_CLAIM=cognito:groups).
    JWT_ROLES_CLAIM: z.string().trim().regex(CLAIM_NAME, 'must be a claim name').default('roles'),
    JWT_ENTITLEMENTS_CLAIM: z.string().trim().regex(CLAIM_NAME, 'must be a claim name').default('entitlements'),
    // An entitlement of "*" opens every paid video (a subscription); honoured only when switched on.
    JWT_ALL_ACCESS: boolean(false),
    UPLOAD_MAX_BYTES: integer(20 * GIB, 1),
    UPLOAD_SINGLE_MAX_BYTES: integer(100 * MIB, 1, S3_MAX_SINGLE_UPLOAD_BYTES),
    UPLOAD_PART_BYTES: integer(16 * MIB, S3_MIN_PART_BYTES, S3_MAX_PART_BYTES),
    // SigV4 presigned URLs cannot outlive 7 days.
    UPLOAD_URL_TTL_SECONDS: integer(900, 60, 604800),
    UPLOAD_ABANDON_AFTER_SECONDS: integer(86400, 60),
    MAINTENANCE_INTERVAL_SECONDS: integer(300, 5),
    // A video queued or processing with no sign of life for this long is re-queued by the sweep.
    RECONCILE_AFTER_SECONDS: integer(900, 30),
    TRANSCODE_CONCURRENCY: integer(1, 1, 64),
    TRANSCODE_ATTEMPTS: integer(3, 1, 20),
    TRANSCODE_PRESET: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
      .default('veryfast'),
    TRANSCODE_SHUTDOWN_GRACE_SECONDS: integer(30, 0, 3600),
    // ffmpeg is killed after 60 s + this many times the source duration.
    TRANSCODE_TIMEOUT_FACTOR: integer(20, 1, 1000),
    // How long a worker's lock on a job lasts without renewal; a killed worker's job is retried after it.
    TRANSCODE_LOCK_SECONDS: integer(30, 5, 3600),
    TRANSCODE_TMP_DIR: optionalText,
    FFMPEG_PATH: optionalText,
    FFPROBE_PATH: optionalText,
    LADDER: z
      .string()
      .trim()
      .regex(/^\d{2,4}(,\d{2,4})*$/, 'must be comma-separated short-side heights, e.g. 1080,720,480,360')
      .transform((v) => [...new Set(v.split(',').map(Number))].sort((a, b) => b - a))
      .default([1080, 720, 480, 360]),
    // capped-crf: each rung takes the bits its picture needs at LADDER_CRF, never more than the
    // table's bitrate for its size; fixed: every rung spends that bitrate (docs/transcoding.md).
    LADDER_MODE: z.enum(['capped-crf', 'fixed']).default('capped-crf'),
    // One CRF for every rung (default 23), or per short side, largest first (1080:24,720:23,0:22):
    // a rung takes the entry at or below its own short side.
    LADDER_CRF: z
      .string()
      .trim()
      .regex(
        /^(\d{1,2}(\.\d)?|\d{1,4}:\d{1,2}(\.\d)?(,\d{1,4}:\d{1,2}(\.\d)?)*)$/,
        'must be one CRF (23) or short-side:CRF pairs (1080:23,720:23,480:22,0:21)',
      )
      .transform((v): Array<[number, number]> =>
        v.includes(':')
          ? v.split(',').map((pair) => pair.split(':').map(Number) as [number, number])
          : [[0, Number(v)]],
      )
      .pipe(z.array(z.tuple([z.number(), z.number().min(0).max(51, 'a CRF is 0 to 51')])))
      .optional(),
    // A rung whose measured average is within this fraction of the rung below it is not published
    // (its extra pixels buy nothing); at least two video rungs always stay. 0: every rung stays
    // unless it costs no more at all than the one below.
    LADDER_DROP_MARGIN: z.coerce.number().min(0).max(1).default(0.15),
    HLS_SEGMENT_SECONDS: integer(6, 2, 30),
    // The ladder of a longer video is encoded in chunks of this many seconds by any free worker
    // (a multiple of HLS_SEGMENT_SECONDS); 0 keeps every video one job.
    TRANSCODE_CHUNK_SECONDS: integer(30, 0, 3600),
    // The preview (published while it is encoded): its rung's short side, 0 to switch it off.
    PREVIEW_SHORT_SIDE: integer(360, 0, 4320),
    PREVIEW_PRESET: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
      .default('veryfast'),
    // A standard source (H.264 8-bit 4:2:0 progressive, AAC, keyframes ≤ 10 s, ≤ 1080p on its short
    // side, at most this average bitrate) is first published as it is, by stream copy; 0 never.
    STANDARD_INPUT_MAX_KBPS: integer(12_000, 0, 1_000_000),
    // The MP4 download is the highest encoded rung at or below this short side (stream copy, no encode).
    DOWNLOAD_MAX_SHORT_SIDE: integer(1080, 144, 4320),
    // How long a download's signed URL works (a download started before then finishes).
    DOWNLOAD_URL_TTL_SECONDS: integer(3600, 60, 7 * 86400),
    // Seek-bar previews: a tile every this many seconds, the interval growing so a video has at
    // most STORYBOARD_MAX_TILES tiles; 0 seconds switches storyboards off.
    STORYBOARD_INTERVAL_SECONDS: integer(2, 0, 600),
    STORYBOARD_MAX_TILES: integer(400, 10, 10_000),
    MAX_SOURCE_DURATION_SECONDS: integer(14400, 1),
    // 8K UHD (7680×4320) by default.
    MAX_SOURCE_PIXELS: integer(7680 * 4320, 1),
    // Phones film slow motion at 240 fps; a source claiming more (in its header or its timestamps) is refused.
    MAX_SOURCE_FRAME_RATE: integer(240, 1, 10_000),
    // Address space each ffmpeg/ffprobe process may use (prlimit --as); 0 for no limit. Three 1080p
    // x264 encoders need about 1.5 GB; 4 GB leaves room for an 8K source's decoder.
    FFMPEG_MEMORY_LIMIT_MB: integer(4096, 0, 1024 * 1024),
    // ffprobe is killed after this long (it reads a few seconds of the file).
    PROBE_TIMEOUT_SECONDS: integer(60, 1, 3600),
    // ffmpeg and ffprobe in bubblewrap (no network, only their own folders): auto uses it when it
    // works on the machine, bwrap requires it (the worker refuses to start without), off never.
    FFMPEG_SANDBOX: z.enum(['auto', 'bwrap', 'off']).default('auto'),
    // Prometheus /metrics on its own port (unset: none; 0: any free port), api and worker alike.
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    // Also serve /metrics on the api's own port (public unless something in front hides it).
    METRICS_ON_API_PORT: boolean(false),
    // The transcode backlog as a CloudWatch metric (embedded metric format on stdout) every this
    // many seconds, under this namespace and Deployment dimension; 0: off.
    METRICS_EMF_INTERVAL_SECONDS: integer(0, 0, 3600),
    METRICS_EMF_NAMESPACE: z.string().trim().min(1).max(255).default('Velvet'),
    METRICS_EMF_DEPLOYMENT: z.string().trim().min(1).max(255).default('velvet'),
    // Set by ECS inside every task: where the container agent answers (task scale-in protection).
    ECS_AGENT_URI: optionalText.pipe(url(/^https?$/).optional()),
    // A worker running a transcode protects its ECS task this long, renewed while jobs run
    // (ECS takes 1 to 2880 minutes).
    TASK_PROTECTION_MINUTES: integer(60, 1, 2880),
    // Playback through CloudFront (or the verifying edge in development).
    CDN_BASE_URL: optionalText.pipe(url(/^https?$/).optional()),
    CLOUDFRONT_KEY_PAIR_ID: optionalText.pipe(
      z
        .string()
        .regex(/^[A-Z0-9]{1,64}$/, 'must be a CloudFront public key id')
        .optional(),
    ),
    CLOUDFRONT_PRIVATE_KEY: optionalText,
    CLOUDFRONT_PRIVATE_KEY_FILE: optionalText,
    // The fingerprint infra/ gives the public key the stack trusts (16 hex digits): the private
    // key must be its other half, or the api refuses to start.
    CLOUDFRONT_KEY_FINGERPRINT: optionalText.pipe(
      z
        .string()
        .regex(/^[0-9A-Fa-f]{16}$/, 'must be 16 hex digits (the public key fingerprint infra/ prints)')
        .optional(),
    ),
    CLOUDFRONT_HASH_ALGORITHM: z.enum(['SHA1', 'SHA256']).default('SHA1'),
    PLAYBACK_TTL_SECONDS: integer(600, 30, 86400),
    PLAYBACK_EXPIRY_BUCKET_SECONDS: integer(60, 1, 3600),
    PLAYBACK_BIND_IP: boolean(false),
    // Proxy hops in front of the api whose X-Forwarded-For is trusted (0: the socket address).
    TRUST_PROXY: integer(0, 0, 10),
    COOKIE_DOMAIN: optionalText,
    COOKIE_SAMESITE: z.enum(['Lax', 'Strict', 'None']).default('Lax'),
    // Playback sessions a minute, per signed-in user and per client IP (0 turns a limit off).
    PLAYBACK_RATE_LIMIT_PER_USER: integer(60, 0),
    PLAYBACK_RATE_LIMIT_PER_IP: integer(300, 0),
    // Per creator and hour (0 turns a limit off; admins are not limited): videos created, retries
    // and multipart part-URL requests, webhook test deliveries.
    CREATOR_RATE_LIMIT_VIDEOS: integer(200, 0),
    CREATOR_RATE_LIMIT_REUPLOADS: integer(600, 0),
    CREATOR_RATE_LIMIT_WEBHOOK_TESTS: integer(30, 0),
    // Players one viewer may stream at once (0: no limit); each session request renews a lease.
    PLAYBACK_MAX_STREAMS: integer(0, 0, 100),
    // Beyond the limit: refuse the new player (429 too_many_streams) or evict the oldest lease.
    PLAYBACK_STREAM_POLICY: z.enum(['refuse', 'evict-oldest']).default('refuse'),
    // With a limit, cookies last this long (not PLAYBACK_TTL_SECONDS): a refused renewal stops playback soon.
    PLAYBACK_STREAM_TTL_SECONDS: integer(90, 60, 3600),
    // A delivery is a success only on a 2xx within this many seconds.
    WEBHOOK_TIMEOUT_SECONDS: integer(10, 1, 60),
    // Failed deliveries are retried (10 s, then doubling, capped at 1 h) for this long, then failed.
    WEBHOOK_RETRY_HOURS: integer(24, 1, 168),
    // An endpoint without a single success for this long is disabled.
    WEBHOOK_DISABLE_AFTER_DAYS: integer(5, 1, 90),
    // Development only: deliveries to loopback and private addresses (refused in production).
    WEBHOOK_ALLOW_PRIVATE: boolean(false),
    // 32 bytes, base64: signs view tokens (playback beacons); derived from the CloudFront
    // private key when unset.
    VIEW_TOKEN_KEY: optionalText,
    // Raw playback events are kept this many days (whole days, dropped by partition); the daily
    // rollups per video are kept.
    ANALYTICS_RETENTION_DAYS: integer(90, 1, 3650),
    // 32 bytes, base64: seals the endpoints' signing secrets in the database.
    WEBHOOK_SECRET_KEY: optionalText,
    // Keys secrets were sealed with before (comma-separated, base64): opened, and resealed under
    // WEBHOOK_SECRET_KEY by the worker's sweep, until none is left.
    WEBHOOK_SECRET_KEY_PREVIOUS: optionalText,
    // Deliveries in flight per worker; one slow endpoint holds at most a few of them.
    WEBHOOK_CONCURRENCY: integer(16, 1, 256),
    // How often the relay looks for committed events (milliseconds).
    WEBHOOK_RELAY_INTERVAL_MS: integer(100, 20, 60_000),
  })
  // Runs only when every field parsed; checks that need raw input alone live in loadConfig.
  .superRefine((env, ctx) => {
    if (env.TRANSCODE_CHUNK_SECONDS % env.HLS_SEGMENT_SECONDS !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRANSCODE_CHUNK_SECONDS'],
        message: `must be 0 or a multiple of HLS_SEGMENT_SECONDS (${env.HLS_SEGMENT_SECONDS})`,
      });
    }
    if (env.WEBHOOK_ALLOW_PRIVATE && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_ALLOW_PRIVATE'],
        message: 'is refused in production (webhooks could reach internal addresses)',
      });
    }
    if (env.UPLOAD_SINGLE_MAX_BYTES > env.UPLOAD_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['UPLOAD_SINGLE_MAX_BYTES'],
        message: 'must not exceed UPLOAD_MAX_BYTES',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;
