import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { MAINTENANCE_QUEUE, TRANSCODE_QUEUE, WEBHOOK_QUEUE } from '../jobs/job-contract';
import { QueueStats, type QueueCount } from '../ports/queue-stats';

const STATES = ['wait', 'prioritized', 'delayed', 'active', 'waiting-children', 'failed', 'completed'] as const;

/** Counts from BullMQ's own getters: a few O(1)/O(log n) commands per queue, per scrape. */
@Injectable()
export class BullmqQueueStats extends QueueStats implements OnApplicationShutdown {
  private readonly queues: Queue[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    const connection = { url: config.redis.url };
    this.queues = [TRANSCODE_QUEUE, MAINTENANCE_QUEUE, WEBHOOK_QUEUE].map((name) => new Queue(name, { connection }));
  }

  async counts(): Promise<QueueCount[]> {
    const all = await Promise.all(
      this.queues.map(async (queue) => {
        const [counts, due] = await Promise.all([queue.getJobCounts(...STATES), queue.getDelayedCount(Date.now() + 1)]);
        return [
          ...STATES.map((state) => ({ queue: queue.name, state, count: counts[state] ?? 0 })),
          { queue: queue.name, state: 'delayed_due', count: due },
        ];
      }),
    );
    return all.flat();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
