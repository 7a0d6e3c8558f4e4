import { assertVideoId } from '../domain/ids';

export const TRANSCODE_QUEUE = 'transcode';
export const MAINTENANCE_QUEUE = 'maintenance';

export const JOB_NAMES = {
  transcode: 'transcode',
  expireAbandonedUploads: 'expire-abandoned-uploads',
  reconcileStuckVideos: 'reconcile-stuck-videos',
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
  maintenance: {
    attempts: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  },
} as const;
