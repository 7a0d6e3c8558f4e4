import { assertVideoId } from './ids';

export { decideEntitlement, type Entitlement, type Grant } from './entitlement';

/** The one-statement custom policy for a video's whole prefix (docs/cloudfront.md §5, §8.4). */
export function videoPolicy(input: {
  cdnBaseUrl: string;
  videoId: string;
  expiresAtEpoch: number;
  sourceIp?: string;
  notBeforeEpoch?: number;
}): string {
  const condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': input.expiresAtEpoch } };
  // A premiere: CloudFront refuses every file until then, though the cookies are already set.
  if (input.notBeforeEpoch) condition.DateGreaterThan = { 'AWS:EpochTime': input.notBeforeEpoch };
  if (input.sourceIp) condition.IpAddress = { 'AWS:SourceIp': `${input.sourceIp}/32` };
  return JSON.stringify({
    Statement: [{ Resource: `${videoResourcePrefix(input.cdnBaseUrl, input.videoId)}*`, Condition: condition }],
  });
}

/**
 * The custom policy of a signed URL for one file (the poster) that CloudFront serves only from a
 * premiere's start: a canned policy has no DateGreaterThan (docs/cloudfront.md §5).
 */
export function filePolicy(input: { url: string; expiresAtEpoch: number; notBeforeEpoch: number }): string {
  return JSON.stringify({
    Statement: [
      {
        Resource: input.url,
        Condition: {
          DateLessThan: { 'AWS:EpochTime': input.expiresAtEpoch },
          DateGreaterThan: { 'AWS:EpochTime': input.notBeforeEpoch },
        },
      },
    ],
  });
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
