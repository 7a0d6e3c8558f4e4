import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { RateLimitedError } from '../../domain/errors';
import { isAdmin, type Actor } from '../../domain/video';
import { RateLimiter } from '../../ports/rate-limiter';

/** What a creator does that costs Velvet more than a request: storage and rows, a transcode, an outbound request. */
export type CreatorAction = 'videos' | 'reuploads' | 'webhookTests';

const WINDOW_SECONDS = 3600;

/**
 * Per-creator hourly limits (CREATOR_RATE_LIMIT_*; 0 turns one off), shared by every api replica:
 * one account cannot fill the bucket with empty videos, keep the workers re-encoding, or use the
 * webhook test to send requests on its behalf. Admins are not limited. 429 `rate_limited` with
 * Retry-After when refused.
 */
@Injectable()
export class CreatorLimits {
  constructor(
    private readonly rates: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async hit(actor: Actor, action: CreatorAction): Promise<void> {
    const limit = this.config.creatorLimits[action];
    if (limit === 0 || isAdmin(actor)) return;
    const decision = await this.rates.hit(`creator:${action}:${actor.userId}`, limit, WINDOW_SECONDS);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
  }
}
