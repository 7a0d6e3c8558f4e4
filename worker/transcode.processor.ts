import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config';
import { MediaError } from '../src/domain/media-info';
import { parseTranscodePayload, TRANSCODE_QUEUE } from '../src/jobs/job-contract';
import { TranscodeService } from '../src/services/transcode.service';
import { MediaToolkit } from '../src/ports/media-toolkit';
import { VideoStore } from '../src/ports/video-store';

/** Thrown into a running transcode when the worker stops: the job goes back, not to failed. */
class ShutdownAbort extends Error {}

/**
 * Consumes `transcode`. A plain BullMQ Worker rather than @nestjs/bullmq's @Processor, because
 * its concurrency and lock duration come from configuration and its shutdown needs a grace period
 * followed by killing ffmpeg, neither of which the decorator can express.
 */
@Injectable()
export class TranscodeProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TranscodeProcessor.name);
  private worker: Worker | undefined;
  private readonly running = new Set<AbortController>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transcoder: TranscodeService,
    private readonly store: VideoStore,
    private readonly media: MediaToolkit,
  ) {}

  /** Checks ffmpeg first: a worker that cannot transcode must not take jobs (boot fails). */
  async onApplicationBootstrap(): Promise<void> {
    this.logger.log(`ffmpeg ready: ${await this.media.verify()}`);
    const { concurrency, lockSeconds } = this.config.transcode;
    this.worker = new Worker(TRANSCODE_QUEUE, (job, token) => this.process(job, token), {
      connection: { url: this.config.redis.url },
      concurrency,
      lockDuration: lockSeconds * 1000,
      // Look for jobs whose worker died as often as a lock can expire.
      stalledInterval: lockSeconds * 1000,
      // A job whose worker died is retried once it stalls; after that the maintenance sweep re-queues it.
      maxStalledCount: 2,
    });
    this.worker.on('error', (error) => this.logger.error(`worker: ${error.message}`));
  }

  async process(job: Job, token?: string): Promise<string> {
    const { videoId } = parseTranscodePayload(job.data);
    const attempt = job.attemptsMade + 1;
    const tag = `[job ${job.id} video ${videoId} attempt ${attempt}]`;
    const abort = new AbortController();
    this.running.add(abort);
    let lastProgress = -1;
    try {
      return await this.transcoder.transcode(videoId, {
        jobId: String(job.id),
        attempt,
        signal: abort.signal,
        onProgress: (percent) => {
          const rounded = Math.floor(percent);
          if (rounded === lastProgress) return;
          lastProgress = rounded;
          void job.updateProgress(rounded).catch(() => undefined);
          void this.store.setProgress(videoId, rounded).catch(() => undefined);
        },
      });
    } catch (error) {
      if (abort.signal.aborted && abort.signal.reason instanceof ShutdownAbort && token) {
        // Back to the queue without spending an attempt; another worker picks it up.
        await job.moveToDelayed(Date.now() + 1000, token);
        this.logger.warn(`${tag} stopped by shutdown; re-queued`);
        throw new DelayedError();
      }
      if (error instanceof MediaError) {
        await this.transcoder.fail(videoId, error.code, error.message);
        this.logger.warn(`${tag} failed permanently: ${error.code}: ${error.message}`);
        throw new UnrecoverableError(error.message);
      }
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= (job.opts.attempts ?? 1)) {
        await this.transcoder.fail(videoId, 'transcode_failed', `Transcoding failed after ${attempt} attempts.`);
        this.logger.error(`${tag} failed for good: ${message}`);
      } else {
        this.logger.warn(`${tag} failed, will retry: ${message}`);
      }
      throw error;
    } finally {
      this.running.delete(abort);
    }
  }

  /**
   * Takes no new job, lets the running one finish within the grace period, then kills ffmpeg.
   * Runs before any onApplicationShutdown hook, so the database and storage clients a finishing
   * job needs are still open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const grace = setTimeout(() => {
      for (const abort of this.running) abort.abort(new ShutdownAbort('worker shutting down'));
    }, this.config.transcode.shutdownGraceSeconds * 1000);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(grace);
    }
  }
}
