import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../domain/errors';
import type { Redis } from 'ioredis';
import { StreamLeases, type LeaseOutcome } from '../ports/stream-leases';
import { REDIS_PRODUCER } from './bullmq.job-queue';

// Two sorted sets per viewer, member = player id: KEYS[1] scored by the lease's end (ms), for
// lapsing; KEYS[2] by the last renewal (ms), for "the oldest". One script, so a check and a
// lease by two players at once cannot both take the last slot.
const LEASE = `
local now, untilMs, max, evict, player = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #lapsed > 0 then
  redis.call('ZREM', KEYS[1], unpack(lapsed))
  redis.call('ZREM', KEYS[2], unpack(lapsed))
end
local evicted = ''
if not redis.call('ZSCORE', KEYS[1], player) then
  local count = redis.call('ZCARD', KEYS[1])
  if count >= max then
    if evict ~= '1' then return {0, ''} end
    local oldest = redis.call('ZRANGE', KEYS[2], 0, count - max)
    redis.call('ZREM', KEYS[1], unpack(oldest))
    redis.call('ZREM', KEYS[2], unpack(oldest))
    evicted = oldest[1]
  end
end
redis.call('ZADD', KEYS[1], untilMs, player)
redis.call('ZADD', KEYS[2], now, player)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
redis.call('PEXPIREAT', KEYS[2], last[2])
return {1, evicted}
`;

@Injectable()
export class RedisStreamLeases extends StreamLeases {
  private readonly logger = new Logger(RedisStreamLeases.name);

  constructor(@Inject(REDIS_PRODUCER) private readonly redis: Redis) {
    super();
  }

  async lease(
    userId: string,
    playerId: string,
    untilMs: number,
    max: number,
    evictOldest: boolean,
  ): Promise<LeaseOutcome> {
    let answer: [number, string];
    try {
      answer = (await this.redis.eval(
        LEASE,
        2,
        `${key(userId)}:leases`,
        `${key(userId)}:renewed`,
        Date.now(),
        untilMs,
        max,
        evictOldest ? '1' : '0',
        playerId,
      )) as [number, string];
    } catch (error) {
      // Fail open, as the rate limiter does: a Redis outage must not stop every viewer; the
      // limit is back with Redis, and the short cookies bound what the outage let through.
      this.logger.warn(
        `stream leases unavailable, allowing: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { granted: true, evicted: null };
    }
    const [granted, evicted] = answer;
    return granted === 1 ? { granted: true, evicted: evicted || null } : { granted: false };
  }

  async release(userId: string, playerId: string): Promise<boolean> {
    try {
      const [removed] =
        (await this.redis
          .multi()
          .zrem(`${key(userId)}:leases`, playerId)
          .zrem(`${key(userId)}:renewed`, playerId)
          .exec()) ?? [];
      return Number(removed?.[1]) > 0;
    } catch (error) {
      throw new DomainError(
        'dependency_unavailable',
        `Stream leases are unavailable (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
  }
}

/** One hash tag per viewer, so both sets live on one Redis Cluster slot. */
function key(userId: string): string {
  return `velvet:streams:{${userId}}`;
}
