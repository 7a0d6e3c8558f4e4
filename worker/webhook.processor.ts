import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config';
import { JOB_NAMES, parseWebhookDeliveryPayload, WEBHOOK_QUEUE } from '../src/jobs/job-contract';
import { WebhookDeliveryService } from '../src/services/webhooks/webhook-delivery.service';
import { handle, QueueProcessor, type JobHandler, type QueueSettings } from './queue-processor';

/**
 * Consumes `webhooks` with its own concurrency, so one slow receiver holds a few slots at most
 * and never a transcode's.
 */
@Injectable()
export class WebhookProcessor extends QueueProcessor {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryService,
  ) {
    super();
  }

  protected settings(): QueueSettings {
    return { queue: WEBHOOK_QUEUE, redisUrl: this.config.redis.url, concurrency: this.config.webhooks.concurrency };
  }

  protected handlerFor(name: string): JobHandler | null {
    if (name !== JOB_NAMES.deliverWebhook) return null;
    return handle(parseWebhookDeliveryPayload, (p, ctx) => this.deliveries.deliverJob(p, ctx));
  }
}
