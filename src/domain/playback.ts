import { assertVideoId } from './ids';
import { canAct, type Actor, type Video } from './video';

/** A grant from the paywall: this user may watch this video, until `expiresAt` if set. */
export interface Grant {
  readonly videoId: string;
  readonly userId: string;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
}

export type Entitlement =
  | { readonly allowed: true; /** The grant's expiry, which caps the cookies'. */ readonly until: Date | null }
  | { readonly allowed: false; readonly reason: 'hidden' | 'unauthenticated' | 'not_entitled' };

/**
 * The paywall. public: anyone, token or not. private: owner and admins; to anyone else the video
 * does not exist. paid: owner, admins, an unexpired grant, or the token's `entitlements` claim
 * holding the video id or "*" (all access).
 */
export function decideEntitlement(
  video: Pick<Video, 'id' | 'access' | 'ownerId'>,
  viewer: (Actor & { readonly entitlements?: readonly string[] }) | null,
  grant: Grant | null,
  now: Date,
): Entitlement {
  if (video.access === 'public') return { allowed: true, until: null };
  if (viewer && canAct(viewer, video)) return { allowed: true, until: null };
  if (video.access === 'private') return { allowed: false, reason: 'hidden' };
  if (!viewer) return { allowed: false, reason: 'unauthenticated' };
  if (viewer.entitlements?.some((e) => e === video.id || e === '*')) return { allowed: true, until: null };
  if (grant && (grant.expiresAt === null || grant.expiresAt > now)) return { allowed: true, until: grant.expiresAt };
  return { allowed: false, reason: 'not_entitled' };
}

/** The one-statement custom policy for a video's whole prefix (CLOUDFRONT.md §5, §8.4). */
export function videoPolicy(input: { cdnBaseUrl: string; videoId: string; expiresAtEpoch: number; sourceIp?: string }): string {
  const condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': input.expiresAtEpoch } };
  if (input.sourceIp) condition.IpAddress = { 'AWS:SourceIp': `${input.sourceIp}/32` };
  return JSON.stringify({ Statement: [{ Resource: `${videoResourcePrefix(input.cdnBaseUrl, input.videoId)}*`, Condition: condition }] });
}

/** `{CDN}/videos/{id}/`; the id is validated so no `*`, `?` or `/` can widen the wildcard. */
export function videoResourcePrefix(cdnBaseUrl: string, videoId: string): string {
  return `${cdnBaseUrl.replace(/\/+$/, '')}/videos/${assertVideoId(videoId)}/`;
}

/**
 * The cookies' expiry: now + TTL rounded up to the bucket (so concurrent viewers share one
 * signature), never past the grant's expiry (then exact, to the second).
 */
export function sessionExpiry(now: Date, ttlSeconds: number, bucketSeconds: number, cap: Date | null): number {
  const wanted = Math.ceil((Math.floor(now.getTime() / 1000) + ttlSeconds) / bucketSeconds) * bucketSeconds;
  return cap ? Math.min(wanted, Math.floor(cap.getTime() / 1000)) : wanted;
}

/** When a player should ask again: a fifth of the TTL (at least 30 s) before expiry, never in the past. */
export function refreshAt(now: Date, expiresAtEpoch: number, ttlSeconds: number): number {
  const lead = Math.max(30, Math.floor(ttlSeconds / 5));
  return Math.max(Math.floor(now.getTime() / 1000), expiresAtEpoch - lead);
}

/**
 * The longest a session's cookies can last: the TTL plus the rounding of its expiry up to the
 * bucket. A published version must outlive every session that was given it.
 */
export function longestSessionSeconds(ttlSeconds: number, bucketSeconds: number): number {
  return ttlSeconds + bucketSeconds;
}
