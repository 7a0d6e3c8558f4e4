import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { describeError } from '../../domain/errors';
import { WebhookRelayService } from './webhook-relay.service';

// Lost tries are looked for (and old rows pruned) this often.
const SWEEP_EVERY_MS = 30_000;

/**
 * Runs the relay in the worker: outbox → deliveries every WEBHOOK_RELAY_INTERVAL_MS, at once
 * again after a pass that found work, and the sweep every 30 s.
 */
@Injectable()
export class WebhookRelayLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookRelayLoop.name);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastSweep = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly relay: WebhookRelayService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
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
      this.logger.warn(`relay: ${describeError(error)}`);
      return false;
    }
  }

  /** A pass under way finishes before the database closes under it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pending;
  }
}
