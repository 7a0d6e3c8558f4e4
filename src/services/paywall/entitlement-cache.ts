import { Injectable } from '@nestjs/common';
import type { EntitlementFacts } from '../../domain/entitlement';
import { ExpiringCache } from '../../domain/expiring-cache';
import { Clock } from '../../ports/clock';
import { EntitlementBus, type EntitlementChange } from '../../ports/entitlement-bus';
import { GrantStore } from '../../ports/grant-store';
import { HotVideos } from './hot-videos';

// With the broadcast up, an entry lives until a change drops it, renewed at least this often.
const KEEP_MS = 60_000;
// With the broadcast down, no entry is trusted past this: a revocation elsewhere applies within it.
const KEEP_BLIND_MS = 5_000;
const LIMIT = 100_000;

/**
 * The entitlement facts (a viewer's grants on a video, and their collection grants covering it)
 * as the paywall last read them from PostgreSQL, which stays the system of record. Bounded;
 * every change anywhere drops the entries it touches (Redis pub/sub).
 */
@Injectable()
export class EntitlementCache {
  private readonly facts = new ExpiringCache<string, { facts: EntitlementFacts; at: number }>(LIMIT);
  private readonly byViewer = new Map<string, Set<string>>();
  private readonly byVideo = new Map<string, Set<string>>();
  private listening = false;

  constructor(
    private readonly grants: GrantStore,
    private readonly bus: EntitlementBus,
    private readonly clock: Clock,
    private readonly hot: HotVideos,
  ) {}

  async get(videoId: string, userId: string): Promise<EntitlementFacts> {
    // Subscribed on first use: a process that never serves sessions (the worker) holds no
    // subscriber connection, and nothing is cached before it listens.
    if (!this.listening) {
      this.listening = true;
      this.bus.subscribe((change) => this.forget(change));
    }
    const key = `${userId}\u0000${videoId}`;
    const now = this.clock.now().getTime();
    const hit = this.facts.get(key, now);
    if (hit && (this.bus.healthy() || now - hit.at < KEEP_BLIND_MS)) return hit.facts;
    const facts = await this.grants.facts(videoId, userId);
    // The indexes outlive lapsed entries; past the bound they start over (entries stay correct).
    if (this.byViewer.size > LIMIT || this.byVideo.size > LIMIT) this.forget({ kind: 'everything' });
    this.facts.set(key, { facts, at: now }, now + (this.bus.healthy() ? KEEP_MS : KEEP_BLIND_MS));
    index(this.byViewer, userId, key);
    index(this.byVideo, videoId, key);
    return facts;
  }

  /** Drops what a change touches, here; the broadcast does the same everywhere else. */
  forget(change: EntitlementChange): void {
    if (change.kind === 'viewer') this.drop(this.byViewer, change.userId);
    else if (change.kind === 'video') {
      this.drop(this.byVideo, change.videoId);
      this.hot.evict(change.videoId);
    } else {
      // Which videos a collection held is not kept here: a membership change drops everything,
      // as does a broadcast coming back after an outage.
      for (const key of [...this.byViewer.values()].flatMap((s) => [...s])) this.facts.delete(key);
      this.byViewer.clear();
      this.byVideo.clear();
    }
  }

  private drop(index: Map<string, Set<string>>, id: string): void {
    for (const key of index.get(id) ?? []) this.facts.delete(key);
    index.delete(id);
  }
}

function index(map: Map<string, Set<string>>, id: string, key: string): void {
  let keys = map.get(id);
  if (!keys) map.set(id, (keys = new Set()));
  keys.add(key);
}
