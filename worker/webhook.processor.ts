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
import { parseWebhookDeliveryPayload, WEBHOOK_QUEUE } from '../src/jobs/job-contract';
import { WebhookDeliveryService } from '../src/services/webhooks/webhook-delivery.service';
import { WebhookRelayService } from '../src/services/webhooks/webhook-relay.service';

const SWEEP_EVERY_MS = 30_000;
const DEFER_MS = 250;

/**
 * Webhooks in the worker: the relay (outbox → deliveries) on a short timer, and the deliveries
 * on their own queue with their own concurrency, so one slow receiver holds a few slots at most
 * and never a transcode's.
 */
@Injectable()
export class WebhookProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookProcessor.name);
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastSweep = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryService,
    private readonly relay: WebhookRelayService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker(WEBHOOK_QUEUE, (job, token) => this.process(job, token), {
      connection: { url: this.config.redis.url },
      concurrency: this.config.webhooks.concurrency,
    });
    this.worker.on('error', (error) => this.logger.error(`worker: ${error.message}`));
    this.schedule(0);
  }

  async process(job: Job, token?: string): Promise<string> {
    let payload;
    try {
      payload = parseWebhookDeliveryPayload(job.data);
    } catch (error) {
      throw new UnrecoverableError(`job ${job.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const outcome = await this.deliveries.deliver(payload.deliveryId, payload.attempt);
    if (outcome === 'deferred' && token) {
      // Its endpoint is busy with other tries here: this one waits a moment, in the queue, not in a slot.
      await job.moveToDelayed(Date.now() + DEFER_MS, token);
      throw new DelayedError();
    }
    return outcome;
  }

  /** One relay pass, then the next; a pass that found work runs again at once. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pending = this.pass().then((busy) => this.schedule(busy ? 0 : this.config.webhooks.relayIntervalMs));
    }, delayMs);
  }

  private async pass(): Promise<boolean> {
    try {
      const relayed = await this.relay.relayOnce();
      if (Date.now() - this.lastSweep >= SWEEP_EVERY_MS) {
        this.lastSweep = Date.now();
        await this.relay.sweepOnce();
      }
      return relayed > 0;
    } catch (error) {
      // PostgreSQL or Redis away for a moment: the events wait in the outbox, nothing is lost.
      this.logger.warn(`relay: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A pass under way finishes before the database closes under it.
    await this.pending;
    await this.worker?.close();
  }
}
