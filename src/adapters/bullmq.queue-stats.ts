import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MAINTENANCE_QUEUE, TRANSCODE_QUEUE, WEBHOOK_QUEUE } from '../jobs/job-contract';
import { QueueStats, type QueueCount } from '../ports/queue-stats';
import { REDIS_PRODUCER } from './bullmq.job-queue';

const STATES = ['wait', 'prioritized', 'delayed', 'active', 'waiting-children', 'failed', 'completed'] as const;

/**
 * Counts from BullMQ's own getters: a few O(1)/O(log n) commands per queue, per scrape, on the
 * producers' shared connection (no connection of its own).
 */
@Injectable()
export class BullmqQueueStats extends QueueStats implements OnApplicationShutdown {
  private readonly queues: Queue[];

  constructor(@Inject(REDIS_PRODUCER) connection: Redis) {
    super();
    this.queues = [TRANSCODE_QUEUE, MAINTENANCE_QUEUE, WEBHOOK_QUEUE].map((name) => {
      const queue = new Queue(name, { connection });
      // A lost Redis is the scrape's failure (503, logged); the event would print every reconnect.
      queue.on('error', () => undefined);
      return queue;
    });
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
