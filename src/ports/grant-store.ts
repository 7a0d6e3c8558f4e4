import type { EntitlementFacts, Grant } from '../domain/entitlement';

export interface GrantTerms {
  readonly expiresAt: Date | null;
  /** A rental: this many seconds from the first session, which must start by `startBy`. */
  readonly rental: { readonly seconds: number; readonly startBy: Date | null } | null;
  /** Includes saving the MP4 (refused for a rental). */
  readonly download: boolean;
}

/** The paywall's grants. `put` is an upsert: granting again replaces the terms (and restarts nothing). */
export abstract class GrantStore {
  abstract put(videoId: string, userId: string, terms: GrantTerms): Promise<Grant>;
  abstract find(videoId: string, userId: string): Promise<Grant | null>;
  abstract list(videoId: string): Promise<Grant[]>;
  /** True when there was a grant to remove. */
  abstract remove(videoId: string, userId: string): Promise<boolean>;
  /** Everything that could let this user watch this video: the video grant and covering collection grants. */
  abstract facts(videoId: string, userId: string): Promise<EntitlementFacts>;
  /** Starts a rental's clock at `now` unless it has started (first device wins); the grant as it stands after. */
  abstract startRental(videoId: string, userId: string, now: Date): Promise<Grant | null>;
}
