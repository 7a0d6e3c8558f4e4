import { Injectable } from '@nestjs/common';
import { phaseProgress } from '../../domain/transcode-plan';
import type { LadderSpec } from '../../jobs/job-contract';
import type { JobContext } from '../../jobs/job-context';
import { JobQueue } from '../../ports/job-queue';
import { VideoStore } from '../../ports/video-store';

/** A video's progress (0–100) as its row shows it, fed by the jobs working on it. */
@Injectable()
export class ProgressTracker {
  constructor(
    private readonly store: VideoStore,
    private readonly jobs: JobQueue,
  ) {}

  /**
   * The job's context with its progress written to the video's row as well as to the queue, in
   * whole percents and only when the figure changes; a failed write is no failure of the job.
   */
  track(videoId: string, ctx: JobContext): JobContext {
    let last = -1;
    return {
      ...ctx,
      onProgress: (percent) => {
        const rounded = Math.floor(percent);
        if (rounded === last) return;
        last = rounded;
        ctx.onProgress(rounded);
        void this.store.setProgress(videoId, rounded).catch(() => undefined);
      },
    };
  }

  /** A chunked ladder's progress counts its finished parts (the one just done included: it is not yet marked finished). */
  async partDone(ladder: LadderSpec): Promise<void> {
    const counts = await this.jobs.ladderProgress(ladder.videoId, ladder.version).catch(() => null);
    if (!counts || counts.total === 0) return;
    const percent = phaseProgress(ladder.progress, Math.min(1, (counts.done + 1) / counts.total));
    await this.store.setProgress(ladder.videoId, Math.floor(percent)).catch(() => undefined);
  }
}
