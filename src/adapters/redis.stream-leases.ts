import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { StreamLeases, type LeaseOutcome } from '../ports/stream-leases';
import { REDIS_PRODUCER } from './bullmq.job-queue';

// One sorted set per viewer: member = player id, score = its lease's end (ms). One script, so a
// check and a lease by two players at once cannot both take the last slot.
const LEASE = `
local now, untilMs, max, evict, player = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local evicted = ''
if not redis.call('ZSCORE', KEYS[1], player) then
  local count = redis.call('ZCARD', KEYS[1])
  if count >= max then
    if evict ~= '1' then return {0, ''} end
    local oldest = redis.call('ZRANGE', KEYS[1], 0, count - max)
    redis.call('ZREM', KEYS[1], unpack(oldest))
    evicted = oldest[1]
  end
end
redis.call('ZADD', KEYS[1], untilMs, player)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return {1, evicted}
`;

@Injectable()
export class RedisStreamLeases extends StreamLeases {
  constructor(@Inject(REDIS_PRODUCER) private readonly redis: Redis) {
    super();
  }

  async lease(userId: string, playerId: string, untilMs: number, max: number, evictOldest: boolean): Promise<LeaseOutcome> {
    const [granted, evicted] = (await this.redis.eval(LEASE, 1, key(userId), Date.now(), untilMs, max, evictOldest ? '1' : '0', playerId)) as [number, string];
    return granted === 1 ? { granted: true, evicted: evicted || null } : { granted: false };
  }

  async release(userId: string, playerId: string): Promise<boolean> {
    return (await this.redis.zrem(key(userId), playerId)) > 0;
  }
}

function key(userId: string): string {
  return `velvet:streams:${userId}`;
}
