export type LeaseOutcome = { readonly granted: true; readonly evicted: string | null } | { readonly granted: false };

/**
 * A viewer's concurrent streams: each player holds a lease until its session's expiry, renewed
 * by every session request (the heartbeat). Atomic per viewer, shared by every api instance.
 */
export abstract class StreamLeases {
  /** Leases (or renews) `playerId`'s slot until `untilMs`; beyond `max` players, refuses or evicts the oldest. */
  abstract lease(
    userId: string,
    playerId: string,
    untilMs: number,
    max: number,
    evictOldest: boolean,
  ): Promise<LeaseOutcome>;
  /** Frees a player's slot (the player closed); true when it held one. */
  abstract release(userId: string, playerId: string): Promise<boolean>;
}
