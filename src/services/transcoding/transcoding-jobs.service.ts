import { Injectable, Logger } from '@nestjs/common';
import { describeError } from '../../domain/errors';
import { decideFailure, isOutage } from '../../domain/job-failure';
import type {
  ChunkPayload,
  DownloadPayload,
  LadderSpec,
  PublishPayload,
  TranscodePayload,
} from '../../jobs/job-contract';
import { JobPutBack, JobRefused, stoppedByShutdown, type JobContext } from '../../jobs/job-context';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ChunkEncoderService, type PartOutcome } from './chunk-encoder.service';
import { DownloadMakerService, type DownloadOutcome } from './download-maker.service';
import { LadderPublisherService } from './ladder-publisher.service';
import { ProgressTracker } from './progress-tracker';
import { TranscodeService, type TranscodeOutcome } from './transcode.service';
import { VideoFailures } from './video-failures.service';

/**
 * The transcode queue's jobs, one method each: the work, its progress, and the failure policy
 * (decideFailure) applied to the video. The worker's processor only parses and calls.
 */
@Injectable()
export class TranscodingJobs {
  private readonly logger = new Logger(TranscodingJobs.name);

  constructor(
    private readonly transcoder: TranscodeService,
    private readonly chunks: ChunkEncoderService,
    private readonly publisher: LadderPublisherService,
    private readonly downloads: DownloadMakerService,
    private readonly failures: VideoFailures,
    private readonly progress: ProgressTracker,
    private readonly media: MediaToolkit,
  ) {}

  /** ffmpeg and the encoders the jobs need (its version line), or an error saying what is missing. */
  checkTools(): Promise<string> {
    return this.media.verify();
  }

  /** A video's first job: probe, poster, preview, and the whole ladder of a short video. */
  transcode({ videoId }: TranscodePayload, ctx: JobContext): Promise<TranscodeOutcome> {
    return this.run(videoId, ctx, (tracked) => this.transcoder.transcode(videoId, tracked));
  }

  encodeChunk({ ladder, chunk }: ChunkPayload, ctx: JobContext): Promise<PartOutcome> {
    return this.runPart(ladder, ctx, (tracked) => this.chunks.encodeChunk(ladder, chunk, tracked));
  }

  encodeAudio({ ladder }: { ladder: LadderSpec }, ctx: JobContext): Promise<PartOutcome> {
    return this.runPart(ladder, ctx, (tracked) => this.chunks.encodeAudio(ladder, tracked));
  }

  makeStoryboard({ ladder }: { ladder: LadderSpec }, ctx: JobContext): Promise<PartOutcome> {
    return this.runPart(ladder, ctx, (tracked) => this.chunks.makeStoryboard(ladder, tracked));
  }

  publishLadder(payload: PublishPayload, ctx: JobContext): Promise<TranscodeOutcome> {
    return this.run(payload.ladder.videoId, ctx, (tracked) => this.publisher.publish(payload, tracked));
  }

  /** Not under the failure policy: a download that cannot be made leaves the video ready, never failed. */
  async makeDownload({ videoId }: DownloadPayload, ctx: JobContext): Promise<DownloadOutcome> {
    try {
      return await this.downloads.make(videoId, ctx);
    } catch (error) {
      if (!ctx.signal.aborted) this.logger.warn(`${tag(ctx, videoId)} download not made: ${describeError(error)}`);
      throw error;
    }
  }

  /** A child of a chunked ladder: run like any transcode job, then the video's progress counts it. */
  private runPart(
    ladder: LadderSpec,
    ctx: JobContext,
    work: (tracked: JobContext) => Promise<PartOutcome>,
  ): Promise<PartOutcome> {
    return this.run(ladder.videoId, ctx, async (tracked) => {
      const outcome = await work(tracked);
      if (outcome !== 'skipped') await this.progress.partDone(ladder);
      return outcome;
    });
  }

  /**
   * One attempt under the failure policy: stopped by shutdown, it goes back untouched; a
   * dependency outage is waited out without spending an attempt; otherwise decideFailure says
   * whether the video fails and whether retrying can help.
   */
  private async run<T>(videoId: string, ctx: JobContext, work: (tracked: JobContext) => Promise<T>): Promise<T> {
    try {
      return await work(this.progress.track(videoId, ctx));
    } catch (error) {
      if (stoppedByShutdown(ctx)) throw error;
      const reason = describeError(error);
      if (isOutage(error) && (await ctx.waitOutOutage(reason))) throw new JobPutBack(reason);
      const decision = decideFailure(error, ctx.attempt, ctx.attempts);
      if (decision.videoFailure) {
        await this.failures.fail(videoId, decision.videoFailure.code, decision.videoFailure.message);
      }
      this.logger[decision.level](`${tag(ctx, videoId)} ${decision.log}`);
      throw decision.final ? new JobRefused(reason) : error;
    }
  }
}

function tag(ctx: JobContext, videoId: string): string {
  return `[job ${ctx.jobId} video ${videoId} attempt ${ctx.attempt}]`;
}
