import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiter, type RateDecision } from '../ports/rate-limiter';
import { REDIS_PRODUCER } from './bullmq.job-queue';

@Injectable()
export class RedisRateLimiter extends RateLimiter {
  private readonly logger = new Logger(RedisRateLimiter.name);

  constructor(@Inject(REDIS_PRODUCER) private readonly redis: Redis) {
    super();
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const redisKey = `velvet:rate:${key}:${window}`;
    try {
      const results =
        (await this.redis.multi().incr(redisKey).expire(redisKey, windowSeconds, 'NX').ttl(redisKey).exec()) ?? [];
      const count = Number(results[0]?.[1]);
      const ttl = Number(results[2]?.[1]);
      return { allowed: count <= limit, retryAfterSeconds: Math.max(1, ttl) };
    } catch (error) {
      // Fail open: a Redis outage must not stop every viewer from playing; the CDN still verifies.
      this.logger.warn(`rate limiter unavailable, allowing: ${error instanceof Error ? error.message : String(error)}`);
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}
