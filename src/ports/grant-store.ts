import type { Grant } from '../domain/playback';

/** The paywall's grants. `put` is an upsert: granting again replaces the expiry. */
export abstract class GrantStore {
  abstract put(videoId: string, userId: string, expiresAt: Date | null): Promise<Grant>;
  abstract find(videoId: string, userId: string): Promise<Grant | null>;
  abstract list(videoId: string): Promise<Grant[]>;
  /** True when there was a grant to remove. */
  abstract remove(videoId: string, userId: string): Promise<boolean>;
}
