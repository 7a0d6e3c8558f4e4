import { describeError, DomainError } from './errors';
import { StitchError } from './ladder-stitch';
import { MediaError } from './media-info';

/** What the video shows when a job fails it: a stable code and a message for the creator. */
export interface VideoFailure {
  readonly code: string;
  readonly message: string;
}

/** What a failed attempt of a video's job means. */
export interface FailureDecision {
  /** The video fails with this (null: it stays processing and the job is retried). */
  readonly videoFailure: VideoFailure | null;
  /** Retrying cannot help: the job fails for good now, whatever attempts are left. */
  readonly final: boolean;
  /** For the operator's log: `error` when Velvet, not the upload, is at fault. */
  readonly level: 'warn' | 'error';
  readonly log: string;
}

/** A dependency (the database, storage, Redis) is down for a moment: no fault of the upload. */
export function isOutage(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'dependency_unavailable';
}

/**
 * The failure policy of a video's jobs: a source that is not usable media fails the video at
 * once; chunks that do not stitch fail it at once too (Velvet's fault: the operator gets the
 * detail, the creator a retry); anything else is retried until the last attempt, which fails it.
 */
export function decideFailure(error: unknown, attempt: number, attempts: number): FailureDecision {
  if (error instanceof MediaError) {
    return {
      videoFailure: { code: error.code, message: error.message },
      final: true,
      level: 'warn',
      log: `failed permanently: ${error.code}: ${error.message}`,
    };
  }
  if (error instanceof StitchError) {
    return {
      videoFailure: {
        code: 'transcode_failed',
        message: 'The encoded chunks could not be joined; re-queue the video to try again.',
      },
      final: true,
      level: 'error',
      log: `chunks do not stitch, nothing published: ${error.message}`,
    };
  }
  if (attempt >= attempts) {
    return {
      videoFailure: { code: 'transcode_failed', message: `Transcoding failed after ${attempt} attempts.` },
      final: false,
      level: 'error',
      log: `failed for good: ${describeError(error)}`,
    };
  }
  return { videoFailure: null, final: false, level: 'warn', log: `failed, will retry: ${describeError(error)}` };
}
