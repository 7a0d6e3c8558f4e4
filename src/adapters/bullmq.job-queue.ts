import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainError } from '../domain/errors';
import { deleteVersionsJobId, JOB_NAMES, JOB_OPTIONS, MAINTENANCE_QUEUE, TRANSCODE_QUEUE, transcodeJobId } from '../jobs/job-contract';
import { JobQueue, type TranscodeJobState } from '../ports/job-queue';

export const REDIS_PRODUCER = Symbol('REDIS_PRODUCER');

@Injectable()
export class BullmqJobQueue extends JobQueue implements OnApplicationShutdown {
  private readonly transcode: Queue;
  private readonly maintenance: Queue;

  constructor(
    @Inject(REDIS_PRODUCER) private readonly connection: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
    this.transcode = new Queue(TRANSCODE_QUEUE, { connection });
    this.maintenance = new Queue(MAINTENANCE_QUEUE, { connection });
  }

  async enqueueTranscode(videoId: string): Promise<void> {
    try {
      if ((await this.transcodeJobState(videoId)) === 'finished') {
        await (await this.transcode.getJob(transcodeJobId(videoId)))?.remove();
      }
      // A fixed job id makes the add idempotent: BullMQ ignores a second add with the same id.
      await this.transcode.add(
        JOB_NAMES.transcode,
        { videoId },
        { ...JOB_OPTIONS.transcode, attempts: this.config.transcode.attempts, jobId: transcodeJobId(videoId) },
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  async transcodeJobState(videoId: string): Promise<TranscodeJobState> {
    try {
      const state = await this.transcode.getJobState(transcodeJobId(videoId));
      if (state === 'active') return 'active';
      if (state === 'completed' || state === 'failed') return 'finished';
      if (state === 'unknown') return 'absent';
      return 'pending';
    } catch (error) {
      throw unavailable(error);
    }
  }

  async cancelTranscode(videoId: string): Promise<void> {
    try {
      const job = await this.transcode.getJob(transcodeJobId(videoId));
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove();
    } catch (error) {
      throw unavailable(error);
    }
  }

  async scheduleVersionCleanup(videoId: string, keep: string, versions: readonly string[], delayMs: number): Promise<void> {
    try {
      await this.maintenance.add(
        JOB_NAMES.deleteHlsVersions,
        { videoId, versions },
        { ...JOB_OPTIONS.deleteVersions, delay: delayMs, jobId: deleteVersionsJobId(videoId, keep) },
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.connection.ping();
    } catch (error) {
      throw unavailable(error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transcode.close();
    await this.maintenance.close();
    this.connection.disconnect();
  }
}

function unavailable(error: unknown): DomainError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DomainError('dependency_unavailable', `The job queue is unavailable (${reason}).`);
}
