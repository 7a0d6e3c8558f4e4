import { randomBytes } from 'node:crypto';
import { DomainError } from './errors';

// Crockford base32, lowercase: no i, l, o, u, so ids are unambiguous when read aloud and never
// contain `*`, `?`, `/`, `%` or `.`, which would widen a CloudFront wildcard policy.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 128 random bits as 26 base32 characters (130 bits: the first character only holds 3). */
export const VIDEO_ID_PATTERN = /^[0-7][0-9a-hjkmnp-tv-z]{25}$/;

export function newVideoId(random: (size: number) => Buffer = randomBytes): string {
  let value = BigInt(`0x${random(16).toString('hex')}`);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

export function isVideoId(value: unknown): value is string {
  return typeof value === 'string' && VIDEO_ID_PATTERN.test(value);
}

export function assertVideoId(value: unknown): string {
  if (!isVideoId(value)) throw new DomainError('invalid_id', 'The video id is malformed.');
  return value;
}

/** Ids of other resources: a short prefix naming the kind, then 128 random bits as a video id. */
export type IdPrefix = 'evt' | 'wh' | 'dlv' | 'msg' | 'col' | 'view';

export function newPrefixedId(prefix: IdPrefix, random: (size: number) => Buffer = randomBytes): string {
  return `${prefix}_${newVideoId(random)}`;
}

export function isPrefixedId(prefix: IdPrefix, value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${prefix}_`) && isVideoId(value.slice(prefix.length + 1));
}
