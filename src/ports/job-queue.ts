/**
 * The producer side of the job queues. Adding is idempotent: a job id is derived from the video
 * id, so adding twice leaves one job.
 */
export type TranscodeJobState = 'pending' | 'active' | 'finished' | 'absent';

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
  abstract scheduleVersionCleanup(videoId: string, keep: string, versions: readonly string[], delayMs: number): Promise<void>;
  abstract ping(): Promise<void>;
}
