import { Inject, Injectable, Logger } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { isDomainError } from '../../domain/errors';
import { nextAttemptAt, shouldDisable } from '../../domain/webhook-schedule';
import { checkWebhookUrl } from '../../domain/webhook-url';
import { WebhookQueue } from '../../ports/webhook-queue';
import { WebhookSender, type SendResult } from '../../ports/webhook-sender';
import { WebhookStore, type SealedSecrets } from '../../ports/webhook-store';
import type { WebhookDeliveryPayload } from '../../jobs/job-contract';
import { JobPutBack, type JobContext } from '../../jobs/job-context';
import { Metrics } from '../../ports/metrics';
import { openWithAny } from './secret-box';

export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed' | 'skipped' | 'deferred';

// Tries in flight to one endpoint in this process while it has not proved fast: a slow or dead
// receiver holds at most this many of the worker's delivery slots, and everyone else's
// deliveries keep flowing. An endpoint answering 2xx within FAST_MS may use every slot.
const MAX_IN_FLIGHT_UNPROVEN = 4;
const FAST_MS = 1000;
// How long a deferred try waits in the queue before it asks for a slot again.
const DEFER_MS = 250;

/** One try of one delivery: sign, POST, record, and schedule the next try or give up. */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly inFlight = new Map<string, number>();
  private readonly fast = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: WebhookStore,
    private readonly sender: WebhookSender,
    private readonly queue: WebhookQueue,
    private readonly metrics: Metrics,
  ) {}

  /** The `deliver-webhook` job: a try whose endpoint is busy here waits a moment in the queue, not in a slot. */
  async deliverJob({ deliveryId, attempt }: WebhookDeliveryPayload, ctx: JobContext): Promise<DeliveryOutcome> {
    const outcome = await this.deliver(deliveryId, attempt);
    this.metrics.deliveryTried(outcome);
    if (outcome !== 'deferred') return outcome;
    await ctx.postpone(DEFER_MS);
    throw new JobPutBack(`delivery ${deliveryId}: its endpoint is busy here`);
  }

  async deliver(deliveryId: string, attempt: number): Promise<DeliveryOutcome> {
    const delivery = await this.store.findDelivery(deliveryId);
    // Already tried this far (a duplicate job), or finished: nothing to do, twice is safe.
    if (!delivery || delivery.status !== 'pending' || delivery.attempt !== attempt - 1) return 'skipped';
    const found = await this.store.endpointWithSecrets(delivery.endpointId);
    if (!found) return 'skipped';
    const { endpoint, sealed: secrets } = found;
    const tag = `delivery ${delivery.id} (${delivery.type} to ${endpoint.id}) try ${attempt}`;
    if (endpoint.disabledAt) {
      await this.store.recordAttempt(delivery.id, {
        attempt,
        status: 'failed',
        responseStatus: null,
        durationMs: 0,
        error: 'endpoint disabled',
        nextAttemptAt: null,
      });
      return 'failed';
    }

    const busy = this.inFlight.get(endpoint.id) ?? 0;
    if (busy >= (this.fast.has(endpoint.id) ? this.config.webhooks.concurrency : MAX_IN_FLIGHT_UNPROVEN))
      return 'deferred';
    this.inFlight.set(endpoint.id, busy + 1);
    let result: SendResult;
    try {
      result = await this.post(endpoint.url, delivery.eventId, JSON.stringify(delivery.body), secrets);
    } finally {
      const left = (this.inFlight.get(endpoint.id) ?? 1) - 1;
      if (left > 0) this.inFlight.set(endpoint.id, left);
      else this.inFlight.delete(endpoint.id);
    }
    const now = new Date();
    const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
    if (succeeded && result.durationMs < FAST_MS) this.fast.add(endpoint.id);
    else this.fast.delete(endpoint.id);
    if (succeeded) {
      await this.store.recordAttempt(delivery.id, {
        attempt,
        status: 'succeeded',
        responseStatus: result.status,
        durationMs: result.durationMs,
        error: null,
        nextAttemptAt: null,
      });
      if (endpoint.failingSince) await this.store.markEndpointHealth(endpoint.id, true);
      return 'succeeded';
    }
    const next = nextAttemptAt({
      attempts: attempt,
      firstAttemptAt: delivery.createdAt,
      now,
      retryHours: this.config.webhooks.retryHours,
    });
    const recorded = await this.store.recordAttempt(delivery.id, {
      attempt,
      status: next ? 'pending' : 'failed',
      responseStatus: result.status,
      durationMs: result.durationMs,
      error: result.error,
      nextAttemptAt: next,
    });
    const health = await this.store.markEndpointHealth(endpoint.id, false);
    if (
      health &&
      !health.disabledAt &&
      shouldDisable(health.failingSince, now, this.config.webhooks.disableAfterDays)
    ) {
      await this.store.disableEndpoint(endpoint.id);
      this.logger.warn(`webhook ${endpoint.id} disabled: failing since ${health.failingSince!.toISOString()}`);
    }
    if (!recorded) return 'skipped';
    if (!next) {
      this.logger.warn(`${tag}: failed for good (${result.error})`);
      return 'failed';
    }
    await this.queue.enqueue(delivery.id, attempt + 1, next.getTime() - now.getTime());
    this.logger.log(`${tag}: ${result.error}; next try at ${next.toISOString()}`);
    return 'retrying';
  }

  private async post(url: string, eventId: string, body: string, sealed: SealedSecrets): Promise<SendResult> {
    try {
      // The URL is checked again at each delivery: the rules (https, public) may have tightened.
      checkWebhookUrl(url, {
        httpsOnly: this.config.webhooks.httpsOnly,
        allowPrivate: this.config.webhooks.allowPrivate,
      });
    } catch (error) {
      return { status: null, durationMs: 0, error: `refused: ${isDomainError(error) ? error.message : String(error)}` };
    }
    const keys = [this.config.webhooks.secretKey, ...this.config.webhooks.previousSecretKeys];
    const secrets = [openWithAny(keys, sealed.current).secret];
    // During a rotation's overlap both secrets sign: the receiver may still hold either.
    if (sealed.previous && sealed.previousUntil && sealed.previousUntil > new Date())
      secrets.push(openWithAny(keys, sealed.previous).secret);
    const timestamp = new Date();
    const signature = secrets.map((secret) => new Webhook(secret).sign(eventId, timestamp, body)).join(' ');
    return this.sender.post(
      url,
      {
        'content-type': 'application/json',
        'user-agent': 'Velvet-Webhooks/1',
        'webhook-id': eventId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      this.config.webhooks.timeoutSeconds * 1000,
    );
  }
}
