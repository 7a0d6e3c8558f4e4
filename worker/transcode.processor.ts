import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config';
import { StitchError } from '../src/domain/ladder-stitch';
import { DomainError } from '../src/domain/errors';
import { MediaError } from '../src/domain/media-info';
import { phaseProgress } from '../src/domain/transcode-plan';
import {
  JOB_NAMES,
  parseAudioPayload,
  parseChunkPayload,
  parseDownloadPayload,
  parsePublishPayload,
  parseStoryboardPayload,
  parseTranscodePayload,
  TRANSCODE_QUEUE,
  type LadderSpec,
} from '../src/jobs/job-contract';
import { ChunkEncoderService, type PartOutcome } from '../src/services/transcoding/chunk-encoder.service';
import { DownloadMakerService } from '../src/services/transcoding/download-maker.service';
import { LadderPublisherService } from '../src/services/transcoding/ladder-publisher.service';
import { TranscodeService, type TranscodeContext } from '../src/services/transcoding/transcode.service';
import { JobQueue } from '../src/ports/job-queue';
import { MediaToolkit } from '../src/ports/media-toolkit';
import { VideoStore } from '../src/ports/video-store';

// An outage is waited out in steps of this long, for at most MAX_OUTAGE_WAITS steps (10 minutes).
const OUTAGE_DELAY_MS = 5000;
const MAX_OUTAGE_WAITS = 120;

/** Thrown into a running transcode when the worker stops: the job goes back, not to failed. */
class ShutdownAbort extends Error {}

/**
 * Consumes `transcode`: a video's first job (probe, poster, preview, and the whole ladder of a
 * short video) and the jobs of a chunked ladder's flow (chunks, audio, publish). A plain BullMQ
 * Worker rather than @nestjs/bullmq's @Processor, because its concurrency and lock duration come
 * from configuration and its shutdown needs a grace period followed by killing ffmpeg, neither of
 * which the decorator can express.
 */
@Injectable()
export class TranscodeProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TranscodeProcessor.name);
  private worker: Worker | undefined;
  private readonly running = new Set<AbortController>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transcoder: TranscodeService,
    private readonly chunks: ChunkEncoderService,
    private readonly publisher: LadderPublisherService,
    private readonly downloads: DownloadMakerService,
    private readonly store: VideoStore,
    private readonly jobs: JobQueue,
    private readonly media: MediaToolkit,
  ) {}

  /** Checks ffmpeg first: a worker that cannot transcode must not take jobs (boot fails). */
  async onApplicationBootstrap(): Promise<void> {
    this.logger.log(`ffmpeg ready: ${await this.media.verify()}`);
    const { concurrency, lockSeconds } = this.config.transcode;
    this.worker = new Worker(TRANSCODE_QUEUE, (job, token) => this.process(job, token), {
      connection: { url: this.config.redis.url },
      // Recorded on each job it takes (processedBy): which machine and process encoded a chunk.
      name: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
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
    switch (job.name) {
      case JOB_NAMES.encodeChunk: {
        const { ladder, chunk } = this.payload(job, parseChunkPayload);
        return this.runPart(job, token, ladder, (ctx) => this.chunks.encodeChunk(ladder, chunk, ctx));
      }
      case JOB_NAMES.encodeAudio: {
        const { ladder } = this.payload(job, parseAudioPayload);
        return this.runPart(job, token, ladder, (ctx) => this.chunks.encodeAudio(ladder, ctx));
      }
      case JOB_NAMES.makeStoryboard: {
        const { ladder } = this.payload(job, parseStoryboardPayload);
        return this.runPart(job, token, ladder, (ctx) => this.chunks.makeStoryboard(ladder, ctx));
      }
      case JOB_NAMES.makeDownload: {
        const { videoId } = this.payload(job, parseDownloadPayload);
        // Not through run(): a download that cannot be made leaves the video ready, never failed.
        return this.withContext(job, token, videoId, (ctx) =>
          this.downloads.make(videoId, ctx).catch((error: unknown) => {
            if (!ctx.signal.aborted)
              this.logger.warn(
                `[job ${job.id} video ${videoId} attempt ${ctx.attempt}] download not made: ${describeError(error)}`,
              );
            throw error;
          }),
        );
      }
      case JOB_NAMES.publishLadder: {
        const payload = this.payload(job, parsePublishPayload);
        return this.run(job, token, payload.ladder.videoId, (ctx) => this.publisher.publish(payload, ctx));
      }
      default: {
        const { videoId } = this.payload(job, parseTranscodePayload);
        return this.run(job, token, videoId, (ctx) => this.transcoder.transcode(videoId, ctx));
      }
    }
  }

  /** A child of a chunked ladder: run like any transcode job, then the video's progress counts it. */
  private runPart(
    job: Job,
    token: string | undefined,
    ladder: LadderSpec,
    work: (ctx: TranscodeContext) => Promise<PartOutcome>,
  ): Promise<string> {
    return this.run(job, token, ladder.videoId, async (ctx) => {
      const outcome = await work(ctx);
      if (outcome !== 'skipped') await this.recordProgress(ladder);
      return outcome;
    });
  }

  /** One job's attempt, with its failure policy: permanent problems fail the video at once. */
  private run(
    job: Job,
    token: string | undefined,
    videoId: string,
    work: (ctx: TranscodeContext) => Promise<string>,
  ): Promise<string> {
    return this.withContext(job, token, videoId, async (ctx) => {
      try {
        return await work(ctx);
      } catch (error) {
        // Stopped by shutdown: back to the queue (withContext), the video untouched.
        if (ctx.signal.aborted && ctx.signal.reason instanceof ShutdownAbort && token) throw error;
        if (token && (await this.waitOutOutage(job, token, videoId, error))) throw new DelayedError();
        throw await this.failVideo(job, videoId, error);
      }
    });
  }

  /**
   * Runs a job with its context (abort at shutdown, progress); a job stopped by shutdown goes back
   * to the queue without spending an attempt.
   */
  private async withContext(
    job: Job,
    token: string | undefined,
    videoId: string,
    work: (ctx: TranscodeContext) => Promise<string>,
  ): Promise<string> {
    const attempt = job.attemptsMade + 1;
    const abort = new AbortController();
    this.running.add(abort);
    let lastProgress = -1;
    try {
      return await work({
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
        this.logger.warn(`[job ${job.id} video ${videoId} attempt ${attempt}] stopped by shutdown; re-queued`);
        throw new DelayedError();
      }
      throw error;
    } finally {
      this.running.delete(abort);
    }
  }

  /**
   * A dependency down (the database restarting, storage answering 503) is no fault of the upload:
   * the job waits OUTAGE_DELAY_MS and tries again without spending an attempt, up to
   * MAX_OUTAGE_WAITS times (then attempts are spent as for any other error). Without this, a
   * few seconds of outage burn every queued job's attempts within the outage.
   */
  private async waitOutOutage(job: Job, token: string, videoId: string, error: unknown): Promise<boolean> {
    if (!(error instanceof DomainError) || error.code !== 'dependency_unavailable') return false;
    const waits = Number((job.data as { outageWaits?: unknown }).outageWaits ?? 0);
    if (!Number.isInteger(waits) || waits >= MAX_OUTAGE_WAITS) return false;
    try {
      await job.updateData({ ...(job.data as object), outageWaits: waits + 1 });
      await job.moveToDelayed(Date.now() + OUTAGE_DELAY_MS, token);
    } catch {
      // The queue itself is down: the attempt is spent the usual way, with its backoff.
      return false;
    }
    this.logger.warn(
      `[job ${job.id} video ${videoId}] waiting out an outage (${error.message}); again in ${OUTAGE_DELAY_MS / 1000} s, no attempt spent`,
    );
    return true;
  }

  /** The error a failed attempt ends with; permanent problems, and the last attempt, fail the video. */
  private async failVideo(job: Job, videoId: string, error: unknown): Promise<unknown> {
    const attempt = job.attemptsMade + 1;
    const tag = `[job ${job.id} video ${videoId} attempt ${attempt}]`;
    if (error instanceof MediaError) {
      await this.transcoder.fail(videoId, error.code, error.message);
      this.logger.warn(`${tag} failed permanently: ${error.code}: ${error.message}`);
      return new UnrecoverableError(error.message);
    }
    if (error instanceof StitchError) {
      // Velvet's own fault, not the upload's: the operator needs the detail, the creator a retry.
      await this.transcoder.fail(
        videoId,
        'transcode_failed',
        'The encoded chunks could not be joined; re-queue the video to try again.',
      );
      this.logger.error(`${tag} chunks do not stitch, nothing published: ${error.message}`);
      return new UnrecoverableError(error.message);
    }
    if (attempt >= (job.opts.attempts ?? 1)) {
      await this.transcoder.fail(videoId, 'transcode_failed', `Transcoding failed after ${attempt} attempts.`);
      this.logger.error(`${tag} failed for good: ${describeError(error)}`);
    } else {
      this.logger.warn(`${tag} failed, will retry: ${describeError(error)}`);
    }
    return error;
  }

  /** Progress counts finished parts (this one included: it is not yet marked finished). */
  private async recordProgress(ladder: LadderSpec): Promise<void> {
    const counts = await this.jobs.ladderProgress(ladder.videoId, ladder.version).catch(() => null);
    if (!counts || counts.total === 0) return;
    const percent = phaseProgress(ladder.progress, Math.min(1, (counts.done + 1) / counts.total));
    await this.store.setProgress(ladder.videoId, Math.floor(percent)).catch(() => undefined);
  }

  /** A malformed payload is logged and fails the job for good: retrying cannot mend it. */
  private payload<T>(job: Job, parse: (data: unknown) => T): T {
    try {
      return parse(job.data);
    } catch (error) {
      const message = `job ${job.id}: ${job.name}: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn(message);
      throw new UnrecoverableError(message);
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

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
