/**
 * What a job's handler is given by the worker running it: who the job is (for log lines), how it
 * reports progress, the signal that stops it, and how it goes back to the queue without spending
 * an attempt. Built by worker/queue-processor.ts; used by every service a job calls.
 */
export interface JobContext {
  readonly jobId: string;
  /** 1 on the first run. */
  readonly attempt: number;
  /** How many attempts the job has in all: the failure of the last one is final. */
  readonly attempts: number;
  /** Aborted at shutdown once the grace period is over (reason: WorkerStopping): ffmpeg is killed, nothing is published. */
  readonly signal: AbortSignal;
  /** The job's progress, 0–100, as the queue shows it. */
  readonly onProgress: (percent: number) => void;
  /**
   * Puts the job back to wait out a dependency outage, without spending an attempt. False when it
   * has waited as long as it may or the queue cannot take it back: the attempt is then spent.
   * After true, the handler throws JobPutBack.
   */
  readonly waitOutOutage: (reason: string) => Promise<boolean>;
  /** Puts the job back for `delayMs` without spending an attempt; the handler then throws JobPutBack. */
  readonly postpone: (delayMs: number) => Promise<void>;
}

/** The abort reason at shutdown: the job goes back to the queue, not to failed. */
export class WorkerStopping extends Error {}

/** Thrown by a handler whose job went back to the queue (waitOutOutage, postpone): the worker leaves it there. */
export class JobPutBack extends Error {}

/** Retrying cannot help (a malformed payload, a source that is not media): the job fails for good. */
export class JobRefused extends Error {}

/** The job was stopped by the worker shutting down (not by its own failure). */
export function stoppedByShutdown(ctx: Pick<JobContext, 'signal'>): boolean {
  return ctx.signal.aborted && ctx.signal.reason instanceof WorkerStopping;
}
