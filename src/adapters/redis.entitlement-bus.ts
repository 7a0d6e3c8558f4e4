import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { EntitlementBus, type EntitlementChange } from '../ports/entitlement-bus';
import { REDIS_PRODUCER } from './bullmq.job-queue';

const CHANNEL = 'velvet:entitlements';

/** Redis pub/sub: one subscriber connection per process, publishing on the shared producer. */
@Injectable()
export class RedisEntitlementBus extends EntitlementBus implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisEntitlementBus.name);
  private subscriber: Redis | null = null;
  private readonly handlers: Array<(change: EntitlementChange) => void> = [];
  private subscribed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_PRODUCER) private readonly publisher: Redis,
  ) {
    super();
  }

  async publish(change: EntitlementChange): Promise<void> {
    await this.publisher.publish(CHANNEL, JSON.stringify(change));
  }

  subscribe(handler: (change: EntitlementChange) => void): void {
    this.handlers.push(handler);
    if (this.subscriber) return;
    // Reconnects forever, every second at most: while down, healthy() is false.
    const subscriber = new Redis(this.config.redis.url, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 1000,
      lazyConnect: false,
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('close', () => (this.subscribed = false));
    subscriber.on('ready', () => {
      subscriber.subscribe(CHANNEL).then(
        () => {
          this.subscribed = true;
          // Whatever was published while the subscription was down went unheard.
          for (const handle of this.handlers) handle({ kind: 'everything' });
        },
        (error: Error) => this.logger.warn(`subscribe: ${error.message}`),
      );
    });
    subscriber.on('message', (_channel: string, message: string) => {
      let change: EntitlementChange;
      try {
        change = JSON.parse(message) as EntitlementChange;
      } catch {
        return;
      }
      for (const handle of this.handlers) handle(change);
    });
  }

  healthy(): boolean {
    return this.subscribed;
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
