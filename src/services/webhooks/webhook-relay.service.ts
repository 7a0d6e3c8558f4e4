import { Injectable, Logger } from '@nestjs/common';
import { endpointWants } from '../../domain/video-events';
import { WebhookQueue } from '../../ports/webhook-queue';
import { WebhookStore } from '../../ports/webhook-store';

// A pending delivery due this long ago without a try has lost its job (a crash between the
// relay's commit and its enqueue, or Redis losing it): the sweep enqueues it again.
const LOST_AFTER_MS = 60_000;
// Relayed events are kept a week (for inspection); finished deliveries a month (the deliveries list).
const KEEP_EVENTS_MS = 7 * 86_400_000;
const KEEP_DELIVERIES_MS = 30 * 86_400_000;

/** Moves committed outbox events into deliveries and their first tries. */
@Injectable()
export class WebhookRelayService {
  private readonly logger = new Logger(WebhookRelayService.name);

  constructor(
    private readonly store: WebhookStore,
    private readonly queue: WebhookQueue,
  ) {}

  /** One pass: up to `limit` events; returns how many deliveries it started. */
  async relayOnce(limit = 100): Promise<number> {
    const deliveries = await this.store.relayEvents(limit, endpointWants);
    // After the commit: a crash before these enqueues leaves pending rows the sweep picks up.
    await this.queue.enqueueFirstTries(deliveries);
    return deliveries.length;
  }

  /** Re-enqueues pending deliveries whose try is long overdue; an existing job makes it a no-op. */
  async sweepOnce(now = new Date()): Promise<number> {
    const lost = await this.store.dueDeliveries(new Date(now.getTime() - LOST_AFTER_MS), 500);
    for (const d of lost) await this.queue.enqueue(d.id, d.attempt + 1, 0);
    if (lost.length > 0) this.logger.warn(`re-enqueued ${lost.length} overdue webhook deliveries`);
    await this.store.prune(new Date(now.getTime() - KEEP_EVENTS_MS), new Date(now.getTime() - KEEP_DELIVERIES_MS));
    return lost.length;
  }
}
