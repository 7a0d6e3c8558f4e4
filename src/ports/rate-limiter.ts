export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the window resets (when refused). */
  readonly retryAfterSeconds: number;
}

/** Fixed-window counters shared by every api replica. */
export abstract class RateLimiter {
  /** Counts one hit on `key`; refuses once more than `limit` hits fall in the current window. */
  abstract hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
}
