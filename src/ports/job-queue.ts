/**
 * The producer side of the job queues. Adding is idempotent: a job id is derived from the video
 * id, so adding twice leaves one job.
 */
import type { LadderFlow } from '../domain/ladder-job';

export type TranscodeJobState = 'pending' | 'active' | 'finished' | 'absent';

/** `stuck`: the publish job waits on children none of which is left to run, or one of which was lost. */
export type LadderJobState = TranscodeJobState | 'stuck';

export abstract class JobQueue {
  /**
   * Adds the video's transcode job. A finished (completed or failed) job of the same id is
   * replaced, so a retry or a re-queue is not swallowed by BullMQ's id de-duplication; a pending
   * or running one is left as it is.
   */
  abstract enqueueTranscode(videoId: string): Promise<void>;
  /** Whether the video's job is waiting (or delayed), running, finished or gone. */
  abstract transcodeJobState(videoId: string): Promise<TranscodeJobState>;
  /** Drops a transcode job that has not started; a running or absent one is left alone. */
  abstract cancelTranscode(videoId: string): Promise<void>;
  /**
   * Deletes the listed HLS versions of a video after `delayMs` (never the row's current ones),
   * by a delayed job on the maintenance queue; `keep` names the version that replaced them.
   */
  abstract scheduleVersionCleanup(
    videoId: string,
    keep: string,
    versions: readonly string[],
    delayMs: number,
  ): Promise<void>;
  /** Runs each maintenance sweep every `everyMs` (idempotent: every worker may ask at boot). */
  abstract scheduleSweeps(everyMs: number): Promise<void>;
  /**
   * Adds a chunked ladder's planned flow (planLadderFlow): the publish job, waiting on its
   * children. Ids derive from the video, the version and the chunk: adding it again adds nothing.
   */
  abstract addLadder(flow: LadderFlow): Promise<void>;
  /**
   * Adds the job making a downloadable video's MP4 from its published `version` (one per video:
   * a finished one is replaced, a waiting one kept, since it reads the row when it runs).
   */
  abstract enqueueDownload(videoId: string, version: string): Promise<void>;
  /** Removes the ladder's jobs that have not started; running ones stop when they see the video gone. */
  abstract cancelLadder(videoId: string, version: string): Promise<void>;
  abstract ladderJobState(videoId: string, version: string): Promise<LadderJobState>;
  /** Finished encode jobs of the ladder (chunks and audio) and how many it has; null without a flow. */
  abstract ladderProgress(videoId: string, version: string): Promise<{ done: number; total: number } | null>;
  abstract ping(): Promise<void>;
}
