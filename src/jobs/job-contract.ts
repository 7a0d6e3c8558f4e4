import { z } from 'zod';
import type { ChunkPayload, LadderSpec, PublishPayload } from '../domain/ladder-job';
import { assertVideoId, isPrefixedId } from '../domain/ids';

export const TRANSCODE_QUEUE = 'transcode';
export const MAINTENANCE_QUEUE = 'maintenance';
/** Webhook deliveries: their own queue, so a slow receiver never waits behind transcodes or the reverse. */
export const WEBHOOK_QUEUE = 'webhooks';

export const JOB_NAMES = {
  transcode: 'transcode',
  expireAbandonedUploads: 'expire-abandoned-uploads',
  reconcileStuckVideos: 'reconcile-stuck-videos',
  deleteHlsVersions: 'delete-hls-versions',
  sweepOrphanedWork: 'sweep-orphaned-work',
  dropExpiredPlaybackEvents: 'drop-expired-playback-events',
  encodeChunk: 'encode-chunk',
  encodeAudio: 'encode-audio',
  publishLadder: 'publish-ladder',
  makeStoryboard: 'make-storyboard',
  makeDownload: 'make-download',
  deliverWebhook: 'deliver-webhook',
} as const;

/** The maintenance jobs that run on a schedule (MAINTENANCE_INTERVAL_SECONDS). */
export const MAINTENANCE_SWEEPS = [
  JOB_NAMES.expireAbandonedUploads,
  JOB_NAMES.reconcileStuckVideos,
  JOB_NAMES.sweepOrphanedWork,
  JOB_NAMES.dropExpiredPlaybackEvents,
] as const;

/**
 * A job failing on a dependency outage (the database restarting, storage answering 503) waits it
 * out in steps of `delayMs`, for at most `maxWaits` steps (10 minutes), without spending attempts:
 * otherwise a few seconds of outage would burn every queued job's attempts within the outage.
 */
export const OUTAGE_WAIT = { delayMs: 5000, maxWaits: 120 } as const;

/** One try of one delivery: the job id names both, so enqueueing a try twice makes one job. */
export interface WebhookDeliveryPayload {
  readonly deliveryId: string;
  readonly attempt: number;
}

export function webhookJobId(deliveryId: string, attempt: number): string {
  return `${deliveryId}-${attempt}`;
}

export function parseWebhookDeliveryPayload(data: unknown): WebhookDeliveryPayload {
  const { deliveryId, attempt } = (data ?? {}) as { deliveryId?: unknown; attempt?: unknown };
  if (!isPrefixedId('dlv', deliveryId)) throw new Error('deliveryId must be a delivery id');
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1 || attempt > 10_000)
    throw new Error('attempt must be a positive whole number');
  return { deliveryId, attempt };
}

export interface TranscodePayload {
  readonly videoId: string;
}

/** One transcode job per video: the BullMQ job id is the video id itself. */
export function transcodeJobId(videoId: string): string {
  return assertVideoId(videoId);
}

export function parseTranscodePayload(data: unknown): TranscodePayload {
  const videoId = (data as { videoId?: unknown } | null)?.videoId;
  return { videoId: assertVideoId(videoId) };
}

/** Versions of one video to delete once no session can still be playing them. */
export interface DeleteVersionsPayload {
  readonly videoId: string;
  readonly versions: readonly string[];
}

const VERSION = /^[0-9a-z]{1,32}$/;

export function parseDeleteVersionsPayload(data: unknown): DeleteVersionsPayload {
  const { videoId, versions } = (data ?? {}) as { videoId?: unknown; versions?: unknown };
  if (
    !Array.isArray(versions) ||
    versions.length === 0 ||
    versions.length > 100 ||
    !versions.every((v) => typeof v === 'string' && VERSION.test(v))
  ) {
    throw new Error('versions must be 1 to 100 HLS version names');
  }
  return { videoId: assertVideoId(videoId), versions };
}

/** One cleanup per (video, version kept): scheduling it twice leaves one job. */
export function deleteVersionsJobId(videoId: string, keep: string): string {
  return `delete-versions-${assertVideoId(videoId)}-${keep}`;
}

/** Per-queue job options, in one table so retry numbers are reviewed together. */
export const JOB_OPTIONS = {
  transcode: {
    // Transient failures (storage, Redis, a killed worker) are retried 10 s, then 20 s… later;
    // how many attempts is TRANSCODE_ATTEMPTS (default 3), applied by the queue adapter.
    backoff: { type: 'exponential', delay: 10_000 },
    // Keep finished jobs a while for inspection, but bounded so Redis never grows without limit.
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  deleteVersions: {
    // Storage may be briefly down when the delay runs out: a few tries, minutes apart.
    attempts: 5,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  webhook: {
    // Retries are scheduled by the delivery itself (its own window and backoff, recorded on the row).
    attempts: 1,
    // The rows hold the history; a finished job must not block the sweep re-adding a lost try.
    removeOnComplete: true,
    removeOnFail: true,
  },
  download: {
    // Storage or Redis briefly down: a few tries; the video stays ready either way.
    attempts: 4,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  maintenance: {
    attempts: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  },
} as const;

export type { ChunkPayload, LadderSpec, PublishPayload } from '../domain/ladder-job';

const version = z.string().regex(VERSION);
const count = (max: number) => z.number().int().min(0).max(max);
const rung = z.object({
  name: z.string().regex(/^[0-9a-z]{1,16}$/),
  width: count(8192).min(2),
  height: count(8192).min(2),
  frameRate: z.number().positive().max(240),
  videoBitrate: count(1e9).min(1),
  maxBitrate: count(1e9).min(1),
  bufferSize: count(1e9).min(1),
  // Absent in jobs queued before capped CRF: they encode at a fixed rate, as they were planned.
  crf: z.number().min(0).max(51).optional(),
});
const ladderSpec = z.object({
  videoId: z.string().transform((v, ctx) => {
    try {
      return assertVideoId(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a video id' });
      return z.NEVER;
    }
  }),
  version,
  // ffmpeg's demuxer names: lowercase words and commas, never options or paths.
  demuxer: z
    .string()
    .regex(/^[0-9a-z_]+(,[0-9a-z_]+)*$/)
    .max(100),
  videoStream: count(1000).optional(),
  sourceEtag: z.string().min(1).max(200).optional(),
  preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']),
  segmentSeconds: count(30).min(1),
  durationSeconds: z.number().positive().max(86_400),
  rungs: z.array(rung).min(1).max(10),
  dropMargin: z.number().min(0).max(1).optional(),
  hasAudio: z.boolean(),
  chunkCount: count(100_000).min(1),
  progress: z.tuple([count(100), count(100)]),
  storyboard: z
    .object({
      intervalSeconds: count(86_400).min(1),
      tileWidth: count(1000).min(2),
      tileHeight: count(1000).min(2),
      columns: count(100).min(1),
      rows: count(100).min(1),
    })
    .nullable()
    .default(null),
  storyboardFromChunks: z.boolean().optional(),
  fromPreview: z
    .array(z.string().regex(/^[0-9a-z]{1,16}$/))
    .max(11)
    .optional(),
});
const chunk = z.object({
  index: count(100_000),
  startSeconds: z.number().min(0).max(86_400),
  durationSeconds: z.number().positive().max(86_400),
  firstSegment: count(10_000_000),
});
const chunkPayload = z
  .object({ ladder: ladderSpec, chunk })
  .refine((p) => p.chunk.index < p.ladder.chunkCount, 'chunk index past the chunk count');
const audioPayload = z.object({ ladder: ladderSpec });
const publishPayload = z.object({
  ladder: ladderSpec,
  sourceEtag: z.string().min(1).max(200),
  width: count(100_000).nullable(),
  height: count(100_000).nullable(),
});

function parsed<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (!result.success)
    throw new Error(`malformed ${what} payload: ${z.prettifyError(result.error).replaceAll('\n', '; ')}`);
  return result.data;
}

export const parseChunkPayload = (data: unknown): ChunkPayload => parsed(chunkPayload, data, 'encode-chunk');
export const parseAudioPayload = (data: unknown): { ladder: LadderSpec } => parsed(audioPayload, data, 'encode-audio');
export const parsePublishPayload = (data: unknown): PublishPayload => parsed(publishPayload, data, 'publish-ladder');
export const parseStoryboardPayload = (data: unknown): { ladder: LadderSpec } =>
  parsed(audioPayload, data, 'make-storyboard');

// Ids from the video, the version and the chunk: adding a flow twice adds nothing.
export const ladderJobId = (videoId: string, v: string): string =>
  `ladder-${assertVideoId(videoId)}-${version.parse(v)}`;
export const chunkJobId = (videoId: string, v: string, index: number): string =>
  `chunk-${assertVideoId(videoId)}-${version.parse(v)}-${index}`;
export const audioJobId = (videoId: string, v: string): string => `audio-${assertVideoId(videoId)}-${version.parse(v)}`;
export const storyboardJobId = (videoId: string, v: string): string =>
  `storyboard-${assertVideoId(videoId)}-${version.parse(v)}`;

/** The MP4 of one published version of a video. */
export interface DownloadPayload {
  readonly videoId: string;
  readonly version: string;
}

export const parseDownloadPayload = (data: unknown): DownloadPayload =>
  parsed(z.object({ videoId: ladderSpec.shape.videoId, version }), data, 'make-download');
// One per video: the handler makes what the row asks for when it runs (version, title), so a
// second request while one waits is the same job.
export const downloadJobId = (videoId: string): string => `download-${assertVideoId(videoId)}`;

export { PRIORITIES } from '../domain/ladder-job';
