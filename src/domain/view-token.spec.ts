import { newPrefixedId, newVideoId } from './ids';
import { readViewToken, signViewToken, type ViewClaims } from './view-token';

describe('view tokens', () => {
  const key = Buffer.alloc(32, 7);
  const claims: ViewClaims = {
    viewId: newPrefixedId('view'),
    videoId: newVideoId(),
    viewerId: 'alice',
    durationSeconds: 30,
    startedAtEpoch: 1_800_000_000,
    expiresAtEpoch: 1_800_000_600,
  };

  it('carries one view of one video by one viewer until it expires', () => {
    const token = signViewToken(claims, key);
    expect(readViewToken(token, key, 1_800_000_599)).toEqual(claims);
    expect(readViewToken(signViewToken({ ...claims, viewerId: null }, key), key, 1_800_000_000).viewerId).toBeNull();
    expect(() => readViewToken(token, key, 1_800_000_600)).toThrow(/expired/);
  });

  it('refuses a token signed with another key, altered, or not a token at all', () => {
    const token = signViewToken(claims, key);
    expect(() => readViewToken(token, Buffer.alloc(32, 8), 0)).toThrow(/not genuine/);
    const [version, body, signature] = token.split('.');
    // Another video under the same signature.
    const moved = Buffer.from(
      JSON.stringify([claims.viewId, newVideoId(), 'alice', 30, claims.startedAtEpoch, claims.expiresAtEpoch]),
    ).toString('base64url');
    expect(() => readViewToken(`${version}.${moved}.${signature}`, key, 0)).toThrow(/not genuine/);
    expect(() => readViewToken(`${version}.${body}.${signature}x`, key, 0)).toThrow(/not genuine/);
    for (const bad of [undefined, 42, '', 'v1', `v2.${body}.${signature}`, `${token}.extra`, 'x'.repeat(2000)])
      expect(() => readViewToken(bad, key, 0)).toThrow(expect.objectContaining({ code: 'invalid_view_token' }));
    // Genuine but not claims: a key holder's mistake is still refused.
    expect(() => readViewToken(signViewToken({ ...claims, viewId: 'nope' }, key), key, 0)).toThrow(/malformed/);
  });
});
