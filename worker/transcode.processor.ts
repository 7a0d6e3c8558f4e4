import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config';
import {
  JOB_NAMES,
  parseAudioPayload,
  parseChunkPayload,
  parseDownloadPayload,
  parsePublishPayload,
  parseStoryboardPayload,
  parseTranscodePayload,
  TRANSCODE_QUEUE,
} from '../src/jobs/job-contract';
import { TranscodingJobs } from '../src/services/transcoding/transcoding-jobs.service';
import { handle, QueueProcessor, type JobHandler, type QueueSettings } from './queue-processor';

/** Consumes `transcode`: a video's first job and the jobs of a chunked ladder's flow, and MP4 downloads. */
@Injectable()
export class TranscodeProcessor extends QueueProcessor {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: TranscodingJobs,
  ) {
    super();
  }

  protected settings(): QueueSettings {
    const { concurrency, lockSeconds, shutdownGraceSeconds } = this.config.transcode;
    return {
      queue: TRANSCODE_QUEUE,
      redisUrl: this.config.redis.url,
      concurrency,
      // A job whose worker died is retried once it stalls; after that the maintenance sweep re-queues it.
      stalls: { lockSeconds, maxStalledCount: 2 },
      shutdownGraceSeconds,
      protectsTask: true,
    };
  }

  /** A worker that cannot transcode must not take jobs: boot fails. */
  protected override async beforeStart(): Promise<void> {
    this.logger.log(`ffmpeg ready: ${await this.jobs.checkTools()}`);
  }

  protected handlerFor(name: string): JobHandler {
    switch (name) {
      case JOB_NAMES.encodeChunk:
        return handle(parseChunkPayload, (p, ctx) => this.jobs.encodeChunk(p, ctx));
      case JOB_NAMES.encodeAudio:
        return handle(parseAudioPayload, (p, ctx) => this.jobs.encodeAudio(p, ctx));
      case JOB_NAMES.makeStoryboard:
        return handle(parseStoryboardPayload, (p, ctx) => this.jobs.makeStoryboard(p, ctx));
      case JOB_NAMES.makeDownload:
        return handle(parseDownloadPayload, (p, ctx) => this.jobs.makeDownload(p, ctx));
      case JOB_NAMES.publishLadder:
        return handle(parsePublishPayload, (p, ctx) => this.jobs.publishLadder(p, ctx));
      default:
        return handle(parseTranscodePayload, (p, ctx) => this.jobs.transcode(p, ctx));
    }
  }
}
