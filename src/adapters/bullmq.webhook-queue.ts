import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_NAMES, JOB_OPTIONS, WEBHOOK_QUEUE, webhookJobId } from '../jobs/job-contract';
import { WebhookQueue } from '../ports/webhook-queue';
import { REDIS_PRODUCER } from './bullmq.job-queue';

@Injectable()
export class BullmqWebhookQueue extends WebhookQueue implements OnApplicationShutdown {
  private readonly queue: Queue;

  constructor(@Inject(REDIS_PRODUCER) connection: Redis) {
    super();
    this.queue = new Queue(WEBHOOK_QUEUE, { connection });
    // A lost connection is reported by the add() that fails (and the sweep retries it); the
    // queue's own 'error' event would otherwise print every reconnect attempt.
    this.queue.on('error', () => undefined);
  }

  async enqueue(deliveryId: string, attempt: number, delayMs: number): Promise<void> {
    await this.queue.add(
      JOB_NAMES.deliverWebhook,
      { deliveryId, attempt },
      { ...JOB_OPTIONS.webhook, jobId: webhookJobId(deliveryId, attempt), delay: Math.max(0, delayMs) },
    );
  }

  async enqueueFirstTries(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.queue.addBulk(
      deliveryIds.map((deliveryId) => ({
        name: JOB_NAMES.deliverWebhook,
        data: { deliveryId, attempt: 1 },
        opts: { ...JOB_OPTIONS.webhook, jobId: webhookJobId(deliveryId, 1) },
      })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
