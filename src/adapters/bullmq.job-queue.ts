import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FlowProducer, Queue, type FlowJob, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainError } from '../domain/errors';
import type { LadderChild, LadderFlow } from '../domain/ladder-job';
import {
  audioJobId,
  chunkJobId,
  downloadJobId,
  storyboardJobId,
  deleteVersionsJobId,
  JOB_NAMES,
  JOB_OPTIONS,
  ladderJobId,
  MAINTENANCE_QUEUE,
  MAINTENANCE_SWEEPS,
  PRIORITIES,
  TRANSCODE_QUEUE,
  transcodeJobId,
  type LadderSpec,
} from '../jobs/job-contract';
import { JobQueue, type LadderJobState, type TranscodeJobState } from '../ports/job-queue';

export const REDIS_PRODUCER = Symbol('REDIS_PRODUCER');

@Injectable()
export class BullmqJobQueue extends JobQueue implements OnApplicationShutdown {
  private readonly transcode: Queue;
  private readonly maintenance: Queue;
  private readonly flows: FlowProducer;

  constructor(
    @Inject(REDIS_PRODUCER) private readonly connection: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
    this.transcode = new Queue(TRANSCODE_QUEUE, { connection });
    this.maintenance = new Queue(MAINTENANCE_QUEUE, { connection });
    this.flows = new FlowProducer({ connection });
    // A lost Redis is reported to callers by the call that fails (503 dependency_unavailable);
    // the producers' own 'error' events would otherwise print every reconnect attempt.
    this.transcode.on('error', () => undefined);
    this.maintenance.on('error', () => undefined);
    this.flows.on('error', () => undefined);
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
        { ...this.transcodeOptions(), priority: PRIORITIES.transcode, jobId: transcodeJobId(videoId) },
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
      // Every job has a priority, so a waiting one is in BullMQ's `prioritized` state.
      if (job && ['waiting', 'prioritized', 'delayed'].includes(await job.getState())) await job.remove();
    } catch (error) {
      throw unavailable(error);
    }
  }

  async scheduleVersionCleanup(
    videoId: string,
    keep: string,
    versions: readonly string[],
    delayMs: number,
  ): Promise<void> {
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

  async scheduleSweeps(everyMs: number): Promise<void> {
    try {
      // One scheduler per job name: every worker upserts the same one, so each runs once per interval.
      for (const name of MAINTENANCE_SWEEPS) {
        await this.maintenance.upsertJobScheduler(name, { every: everyMs }, { name, opts: JOB_OPTIONS.maintenance });
      }
    } catch (error) {
      throw unavailable(error);
    }
  }

  async addLadder(flow: LadderFlow): Promise<void> {
    const { ladder } = flow.publish;
    const { videoId, version } = ladder;
    // A failed child fails the parent at once (else it would wait forever, bullmq#3362); the
    // child's own handler has already failed the video and cancelled its siblings.
    const child = { ...this.transcodeOptions(), failParentOnFailure: true };
    const children: FlowJob[] = flow.children.map((c) => {
      const { name, data, jobId } = ladderChildJob(c, ladder);
      return { name, data, queueName: TRANSCODE_QUEUE, opts: { ...child, priority: c.priority, jobId } };
    });
    try {
      const state = await this.ladderJobState(videoId, version);
      if (state === 'pending' || state === 'active') return;
      // A flow that ended or can no longer end is replaced (its finished chunks' outputs are
      // still in the work prefix, and their new jobs reuse them).
      if (state !== 'absent') await (await this.transcode.getJob(ladderJobId(videoId, version)))?.remove();
      await this.flows.add({
        name: JOB_NAMES.publishLadder,
        queueName: TRANSCODE_QUEUE,
        data: flow.publish,
        opts: { ...this.transcodeOptions(), priority: flow.priority, jobId: ladderJobId(videoId, version) },
        children,
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async enqueueDownload(videoId: string, version: string): Promise<void> {
    try {
      const existing = await this.transcode.getJob(downloadJobId(videoId));
      // A finished job would swallow the add (same id); a waiting one will read the row when it runs.
      if (existing && ['completed', 'failed'].includes(await existing.getState())) await existing.remove();
      await this.transcode.add(
        JOB_NAMES.makeDownload,
        { videoId, version },
        { ...JOB_OPTIONS.download, priority: PRIORITIES.download, jobId: downloadJobId(videoId) },
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  async cancelLadder(videoId: string, version: string): Promise<void> {
    try {
      const parent = await this.transcode.getJob(ladderJobId(videoId, version));
      if (!parent) return;
      // Whole flow at once when nothing runs; else the jobs not yet started, and the running
      // ones end themselves (they watch the row), after which the parent runs and cleans up.
      await parent.remove().catch(() => parent.removeUnprocessedChildren());
    } catch (error) {
      throw unavailable(error);
    }
  }

  async ladderJobState(videoId: string, version: string): Promise<LadderJobState> {
    try {
      const parent = await this.transcode.getJob(ladderJobId(videoId, version));
      if (!parent) return 'absent';
      const state = await parent.getState();
      if (state === 'active') return 'active';
      if (state === 'completed' || state === 'failed') return 'finished';
      if (state === 'waiting-children' && !(await this.childrenCanFinish(parent))) return 'stuck';
      return 'pending';
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * The parent can still finish only if it waits on some child and every child it waits on is
   * still a job: one lost from Redis (flushed, evicted, removed by hand) would never complete.
   */
  private async childrenCanFinish(parent: Job): Promise<boolean> {
    const keys: string[] = [];
    let cursor = 0;
    do {
      const page = await parent.getDependencies({ unprocessed: { cursor, count: 200 } });
      keys.push(...(page.unprocessed ?? []));
      cursor = page.nextUnprocessedCursor ?? 0;
    } while (cursor !== 0);
    if (keys.length === 0) return false;
    // Dependencies are full keys (`bull:transcode:<job id>`); every child is in this queue.
    const prefix = `${this.transcode.qualifiedName}:`;
    const states = await Promise.all(keys.map((key) => this.transcode.getJobState(key.slice(prefix.length))));
    return states.every((state) => state !== 'unknown');
  }

  async ladderProgress(videoId: string, version: string): Promise<{ done: number; total: number } | null> {
    try {
      const parent = await this.transcode.getJob(ladderJobId(videoId, version));
      if (!parent) return null;
      const { processed = 0, unprocessed = 0, failed = 0, ignored = 0 } = await parent.getDependenciesCount();
      return { done: processed, total: processed + unprocessed + failed + ignored };
    } catch (error) {
      throw unavailable(error);
    }
  }

  private transcodeOptions() {
    return { ...JOB_OPTIONS.transcode, attempts: this.config.transcode.attempts };
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
    await this.flows.close();
    this.connection.disconnect();
  }
}

function unavailable(error: unknown): DomainError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DomainError('dependency_unavailable', `The job queue is unavailable (${reason}).`);
}

/** A planned child as BullMQ sees it: its job name, payload and id (from the video, version and chunk). */
function ladderChildJob(child: LadderChild, ladder: LadderSpec): { name: string; data: object; jobId: string } {
  const { videoId, version } = ladder;
  if (child.kind === 'chunk') {
    return {
      name: JOB_NAMES.encodeChunk,
      data: { ladder, chunk: child.chunk },
      jobId: chunkJobId(videoId, version, child.chunk.index),
    };
  }
  if (child.kind === 'storyboard') {
    return { name: JOB_NAMES.makeStoryboard, data: { ladder }, jobId: storyboardJobId(videoId, version) };
  }
  return { name: JOB_NAMES.encodeAudio, data: { ladder }, jobId: audioJobId(videoId, version) };
}
