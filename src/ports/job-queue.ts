/**
 * The producer side of the job queues. Adding is idempotent: a job id is derived from the video
 * id, so adding twice leaves one job.
 */
export abstract class JobQueue {
  abstract enqueueTranscode(videoId: string): Promise<void>;
  /** Drops a transcode job that has not started; a running or absent one is left alone. */
  abstract cancelTranscode(videoId: string): Promise<void>;
  abstract ping(): Promise<void>;
}
