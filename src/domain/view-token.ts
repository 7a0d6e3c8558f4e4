import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors';
import { isPrefixedId, isVideoId } from './ids';

/**
 * A view token: what the playback session answer gives a player so its beacons need no header
 * (navigator.sendBeacon cannot send one). It names one view of one video by one viewer (null:
 * anonymous) and expires with the session; HMAC-SHA256 under a key of its own, so a viewer can
 * neither forge one nor move it to another video or view.
 */
export interface ViewClaims {
  readonly viewId: string;
  readonly videoId: string;
  readonly viewerId: string | null;
  /** The video's length when the session was issued: what beacons' stretches are clamped to. */
  readonly durationSeconds: number;
  /** When the view began (its token first issued), epoch seconds: renewals keep it. */
  readonly startedAtEpoch: number;
  readonly expiresAtEpoch: number;
}

const VERSION = 'v1';
// Well above a token's length (ids, a user id of at most 200 characters, two numbers, a MAC).
const MAX_TOKEN_LENGTH = 1024;

export function signViewToken(claims: ViewClaims, key: Buffer): string {
  const body = Buffer.from(
    JSON.stringify([
      claims.viewId,
      claims.videoId,
      claims.viewerId,
      claims.durationSeconds,
      claims.startedAtEpoch,
      claims.expiresAtEpoch,
    ]),
  ).toString('base64url');
  return `${VERSION}.${body}.${mac(key, body)}`;
}

/** The claims of a genuine, unexpired token; `invalid_view_token` otherwise, saying which. */
export function readViewToken(token: unknown, key: Buffer, nowEpoch: number): ViewClaims {
  const refuse = (why: string) => new DomainError('invalid_view_token', `The view token ${why}.`);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw refuse('is malformed');
  const [version, body, signature, ...rest] = token.split('.');
  if (version !== VERSION || !body || !signature || rest.length > 0) throw refuse('is malformed');
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse('is not genuine');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw refuse('is malformed');
  }
  const claims = asClaims(fields);
  if (!claims) throw refuse('is malformed');
  if (claims.expiresAtEpoch <= nowEpoch) throw refuse('has expired');
  return claims;
}

function asClaims(fields: unknown): ViewClaims | null {
  if (!Array.isArray(fields) || fields.length !== 6) return null;
  const [viewId, videoId, viewerId, durationSeconds, startedAtEpoch, expiresAtEpoch] = fields as unknown[];
  if (!isPrefixedId('view', viewId) || !isVideoId(videoId)) return null;
  if (viewerId !== null && (typeof viewerId !== 'string' || viewerId.length === 0 || viewerId.length > 200))
    return null;
  if (!Number.isSafeInteger(startedAtEpoch) || !Number.isSafeInteger(expiresAtEpoch)) return null;
  if (typeof durationSeconds !== 'number' || !(durationSeconds >= 0 && durationSeconds <= 86_400)) return null;
  return {
    viewId,
    videoId,
    viewerId,
    durationSeconds,
    startedAtEpoch: startedAtEpoch as number,
    expiresAtEpoch: expiresAtEpoch as number,
  };
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(`${VERSION}.${body}`).digest('base64url');
}
