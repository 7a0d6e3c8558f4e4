import type { EntitlementFacts } from '../../domain/entitlement';
import type { Clock } from '../../ports/clock';
import type { EntitlementBus, EntitlementChange } from '../../ports/entitlement-bus';
import type { GrantStore } from '../../ports/grant-store';
import { EntitlementCache } from './entitlement-cache';
import type { HotVideos } from './hot-videos';

/** The cache over a counting store, a bus whose health the test sets, and a clock it moves. */
function setup() {
  let now = 1_000_000;
  let healthy = true;
  const heard: Array<(change: EntitlementChange) => void> = [];
  const reads: string[] = [];
  const evicted: string[] = [];
  const facts = (n: number): EntitlementFacts => ({
    videoGrant: null,
    collectionGrants: [{ collectionId: `c${n}`, expiresAt: null, download: false }],
  });
  const store = {
    facts: async (videoId: string, userId: string) => (reads.push(`${userId}/${videoId}`), facts(reads.length)),
  } as unknown as GrantStore;
  const bus = {
    healthy: () => healthy,
    subscribe: (h: (c: EntitlementChange) => void) => heard.push(h),
    publish: async () => undefined,
  } as unknown as EntitlementBus;
  const clock = { now: () => new Date(now) } as Clock;
  const hot = { evict: (id: string) => evicted.push(id) } as unknown as HotVideos;
  const cache = new EntitlementCache(store, bus, clock, hot);
  return {
    cache,
    reads,
    evicted,
    tick: (ms: number) => (now += ms),
    setHealthy: (h: boolean) => (healthy = h),
    broadcast: (c: EntitlementChange) => heard.forEach((h) => h(c)),
  };
}

describe('EntitlementCache', () => {
  it('reads PostgreSQL once while the broadcast is up, and again after a change touching the viewer or the video', async () => {
    const t = setup();
    await t.cache.get('v1', 'alice');
    await t.cache.get('v1', 'alice');
    t.tick(30_000);
    await t.cache.get('v1', 'alice');
    expect(t.reads).toEqual(['alice/v1']);
    t.broadcast({ kind: 'viewer', userId: 'bob' });
    await t.cache.get('v1', 'alice');
    expect(t.reads).toHaveLength(1);
    t.broadcast({ kind: 'viewer', userId: 'alice' });
    await t.cache.get('v1', 'alice');
    t.broadcast({ kind: 'video', videoId: 'v1' });
    await t.cache.get('v1', 'alice');
    expect(t.reads).toEqual(['alice/v1', 'alice/v1', 'alice/v1']);
    expect(t.evicted).toEqual(['v1']);
  });

  it('trusts nothing older than 5 s while the broadcast is down, and forgets everything when it is back', async () => {
    const t = setup();
    await t.cache.get('v1', 'alice');
    t.setHealthy(false);
    t.tick(4_000);
    await t.cache.get('v1', 'alice');
    expect(t.reads).toHaveLength(1);
    t.tick(1_500);
    await t.cache.get('v1', 'alice');
    expect(t.reads).toHaveLength(2);
    t.setHealthy(true);
    t.broadcast({ kind: 'everything' });
    await t.cache.get('v1', 'alice');
    expect(t.reads).toHaveLength(3);
  });
});
