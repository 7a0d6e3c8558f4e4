import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { OUTAGE_WAIT } from '../src/jobs/job-contract';
import { JobPutBack, JobRefused, stoppedByShutdown, WorkerStopping, type JobContext } from '../src/jobs/job-context';
import { JobMetrics } from '../src/services/operations/job-metrics';
import { TaskProtectionService } from '../src/services/operations/task-protection.service';

/** How one job name is run: its payload parsed, then one service call. */
export interface JobHandler {
  readonly parse: (data: unknown) => unknown;
  readonly run: (payload: never, ctx: JobContext) => Promise<unknown>;
}

export function handle<P>(
  parse: (data: unknown) => P,
  run: (payload: P, ctx: JobContext) => Promise<unknown>,
): JobHandler {
  return { parse, run };
}

/** For jobs without a payload. */
export const noPayload = (): undefined => undefined;

export interface QueueSettings {
  readonly queue: string;
  readonly redisUrl: string;
  readonly concurrency: number;
  /** Lock and stall detection; BullMQ's defaults when absent. */
  readonly stalls?: { readonly lockSeconds: number; readonly maxStalledCount: number };
  /** Running jobs are aborted (WorkerStopping) this long after shutdown begins; without it, shutdown waits for them. */
  readonly shutdownGraceSeconds?: number;
  /** Its jobs are long (encodes): the task is protected from scale-in while one runs. */
  readonly protectsTask?: boolean;
}

/**
 * The one shape of every processor: a plain BullMQ Worker (its concurrency and locks come from
 * configuration, and its shutdown may need a grace period followed by an abort, which
 * @nestjs/bullmq's decorator cannot express) turning each job into one handler call, and the
 * handler's answers into BullMQ's: JobPutBack → the job stays where it was put back,
 * JobRefused or a malformed payload → UnrecoverableError, stopped by shutdown → back to the
 * queue without spending an attempt.
 */
export abstract class QueueProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  // A property, so the processors' own constructors stay about their own services.
  @Inject(JobMetrics) private readonly jobMetrics!: JobMetrics;
  @Inject(TaskProtectionService) private readonly taskProtection!: TaskProtectionService;
  private worker: Worker | undefined;
  private readonly running = new Set<AbortController>();

  protected abstract settings(): QueueSettings;
  /** The handler of a job name; null: not a job of this queue (logged, completed without effect). */
  protected abstract handlerFor(name: string): JobHandler | null;

  /** Runs before the worker takes its first job: a check that must pass, schedules to set. */
  protected async beforeStart(): Promise<void> {}

  async onApplicationBootstrap(): Promise<void> {
    await this.beforeStart();
    const { queue, redisUrl, concurrency, stalls } = this.settings();
    this.worker = new Worker(queue, (job, token) => this.process(job, token), {
      connection: { url: redisUrl },
      // Recorded on each job it takes (processedBy): which machine and process ran it.
      name: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      concurrency,
      ...(stalls && {
        lockDuration: stalls.lockSeconds * 1000,
        // Look for jobs whose worker died as often as a lock can expire.
        stalledInterval: stalls.lockSeconds * 1000,
        maxStalledCount: stalls.maxStalledCount,
      }),
    });
    this.worker.on('error', (error) => this.logger.error(`worker: ${error.message}`));
  }

  async process(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlerFor(job.name);
    if (!handler) {
      this.logger.warn(`job ${job.id}: unknown job ${job.name}, ignored`);
      return null;
    }
    const startedAt = performance.now();
    const finished = (outcome: Parameters<JobMetrics['finished']>[2]) =>
      this.jobMetrics.finished(job.queueName, job.name, outcome, startedAt);
    let payload: unknown;
    try {
      payload = this.parse(job, handler);
    } catch (error) {
      finished('refused');
      throw error;
    }
    const abort = new AbortController();
    this.running.add(abort);
    const release = this.settings().protectsTask ? this.taskProtection.hold() : () => undefined;
    // Every way back to the queue without spending an attempt: a postponed try, an outage wait, a shutdown.
    const putBack = async (delayMs: number) => {
      await job.moveToDelayed(Date.now() + delayMs, token);
    };
    const ctx: JobContext = {
      jobId: String(job.id),
      attempt: job.attemptsMade + 1,
      attempts: job.opts.attempts ?? 1,
      signal: abort.signal,
      onProgress: (percent) => void job.updateProgress(percent).catch(() => undefined),
      waitOutOutage: (reason) => this.waitOutOutage(job, token, putBack, reason),
      postpone: putBack,
    };
    try {
      const result = await handler.run(payload as never, ctx);
      finished('completed');
      return result;
    } catch (error) {
      if (error instanceof JobPutBack) {
        finished('put_back');
        throw new DelayedError();
      }
      if (stoppedByShutdown(ctx) && token) {
        // Back to the queue without spending an attempt; another worker picks it up.
        await putBack(1000);
        this.logger.warn(`[job ${job.id} attempt ${ctx.attempt}] stopped by shutdown; re-queued`);
        finished('stopped');
        throw new DelayedError();
      }
      finished(error instanceof JobRefused ? 'refused' : 'failed');
      if (error instanceof JobRefused) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      this.running.delete(abort);
      release();
    }
  }

  /** A malformed payload is logged and fails the job for good: retrying cannot mend it. */
  private parse(job: Job, handler: JobHandler): unknown {
    try {
      return handler.parse(job.data);
    } catch (error) {
      const message = `job ${job.id}: ${job.name}: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn(message);
      throw new UnrecoverableError(message);
    }
  }

  /** Counts the waits in the job's own data, so they survive a worker's death (OUTAGE_WAIT). */
  private async waitOutOutage(
    job: Job,
    token: string | undefined,
    putBack: (delayMs: number) => Promise<void>,
    reason: string,
  ): Promise<boolean> {
    if (!token) return false;
    const waits = Number((job.data as { outageWaits?: unknown }).outageWaits ?? 0);
    if (!Number.isInteger(waits) || waits >= OUTAGE_WAIT.maxWaits) return false;
    try {
      await job.updateData({ ...(job.data as object), outageWaits: waits + 1 });
      await putBack(OUTAGE_WAIT.delayMs);
    } catch {
      // The queue itself is down: the attempt is spent the usual way, with its backoff.
      return false;
    }
    this.logger.warn(
      `[job ${job.id}] waiting out an outage (${reason}); again in ${OUTAGE_WAIT.delayMs / 1000} s, no attempt spent`,
    );
    return true;
  }

  /**
   * Takes no new job, lets the running ones finish within the grace period, then aborts them
   * (ffmpeg is killed). Runs before any onApplicationShutdown hook, so the database and storage
   * clients a finishing job needs are still open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const grace = this.settings().shutdownGraceSeconds;
    const timer =
      grace === undefined
        ? undefined
        : setTimeout(() => {
            for (const abort of this.running) abort.abort(new WorkerStopping('worker shutting down'));
          }, grace * 1000);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(timer);
    }
  }
}
