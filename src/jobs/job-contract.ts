import { assertVideoId } from '../domain/ids';

export const TRANSCODE_QUEUE = 'transcode';
export const MAINTENANCE_QUEUE = 'maintenance';

export const JOB_NAMES = {
  transcode: 'transcode',
  expireAbandonedUploads: 'expire-abandoned-uploads',
  reconcileStuckVideos: 'reconcile-stuck-videos',
  deleteHlsVersions: 'delete-hls-versions',
} as const;

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
  if (!Array.isArray(versions) || versions.length === 0 || versions.length > 100 || !versions.every((v) => typeof v === 'string' && VERSION.test(v))) {
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
  maintenance: {
    attempts: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  },
} as const;
