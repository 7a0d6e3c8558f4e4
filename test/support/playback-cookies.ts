import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyViewerRequest } from '../../src/domain/cloudfront-verifier';

export const FIXTURES = join(__dirname, '../fixtures/cloudfront');
export const CDN = 'https://cdn.example.test';
export const KEY_ID = 'K2JCJMDEHXQW5F';
const trustedKeys = new Map([[KEY_ID, readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8')]]);

/** The api settings that turn playback on with the test key pair. */
export const PLAYBACK_ENV = {
  CDN_BASE_URL: CDN,
  CLOUDFRONT_KEY_PAIR_ID: KEY_ID,
  CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem'),
};

/** Whether the verifying edge lets a session's cookies fetch `path` under the video at `now` (epoch s). */
export function edgeAllowsSession(
  session: { cookies: Array<{ name: string; value: string }> },
  url: string,
  now: number,
): boolean {
  const cookieHeader = session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return verifyViewerRequest({ url, cookieHeader, clientIp: '203.0.113.7', now }, { trustedKeys }).allow;
}

/** Whether the verifying edge serves a signed URL (a poster's, a download's) at `now` (epoch s), without cookies. */
export function edgeAllowsSignedUrl(url: string, now: number): boolean {
  return verifyViewerRequest({ url, cookieHeader: '', clientIp: '203.0.113.7', now }, { trustedKeys }).allow;
}
