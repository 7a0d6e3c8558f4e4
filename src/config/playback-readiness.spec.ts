import { cookieReaches, ipBindingWarning, playbackProblems, playbackWarnings } from './playback-readiness';

const ready = {
  cdnBaseUrl: 'https://cdn.example.com',
  keyPairId: 'K2JCJMDEHXQW5F',
  hasPrivateKey: true,
  cookieDomain: 'example.com',
};

describe('playbackProblems (the api refuses to start on any)', () => {
  it('passes a CDN on https under the cookie domain with a key', () => {
    expect(playbackProblems(ready)).toEqual([]);
    expect(playbackProblems({ ...ready, cookieDomain: 'cdn.example.com' })).toEqual([]);
    expect(playbackProblems({ ...ready, cookieDomain: undefined })).toEqual([]);
  });

  it('refuses a CDN that is not https, or missing', () => {
    expect(playbackProblems({ ...ready, cdnBaseUrl: 'http://cdn.example.com' })).toEqual([
      "CDN_BASE_URL: must be https in production (http://cdn.example.com given): the signed policy's Resource and the Secure cookies need it",
    ]);
    expect(playbackProblems({ ...ready, cdnBaseUrl: undefined })).toEqual([
      expect.stringMatching(/^CDN_BASE_URL: required in production/),
    ]);
  });

  it('lets a loopback CDN on http through: browsers treat localhost as a secure context', () => {
    expect(playbackProblems({ ...ready, cdnBaseUrl: 'http://localhost:3001', cookieDomain: undefined })).toEqual([]);
  });

  it('refuses a cookie domain the CDN host is not under', () => {
    for (const cookieDomain of ['app.example.com', 'other.com', 'ample.com']) {
      expect(playbackProblems({ ...ready, cookieDomain })).toEqual([
        expect.stringMatching(
          new RegExp(
            `^COOKIE_DOMAIN: the CDN host cdn\\.example\\.com is neither ${cookieDomain.replace(/\./g, '\\.')} nor under it, so browsers would never send the cookies to the CDN`,
          ),
        ),
      ]);
    }
    expect(playbackProblems({ ...ready, cdnBaseUrl: 'https://d111111abcdef8.cloudfront.net' })).toHaveLength(1);
  });

  it('refuses a missing key id and a missing key, listing both with the rest', () => {
    expect(
      playbackProblems({
        cdnBaseUrl: 'http://cdn.example.com',
        keyPairId: undefined,
        hasPrivateKey: false,
        cookieDomain: 'example.org',
      }).map((p) => p.split(':')[0]),
    ).toEqual(['CDN_BASE_URL', 'COOKIE_DOMAIN', 'CLOUDFRONT_KEY_PAIR_ID', 'CLOUDFRONT_PRIVATE_KEY']);
  });
});

describe('boot warnings', () => {
  it('warns that host-only cookies need the CDN on the api host', () => {
    expect(playbackWarnings('https://cdn.example.com', undefined)).toEqual([
      expect.stringMatching(
        /COOKIE_DOMAIN is not set: the signed cookies are host-only, so the CDN \(cdn\.example\.com\) must be served on the api's own host/,
      ),
    ]);
    expect(playbackWarnings('https://cdn.example.com', 'example.com')).toEqual([]);
  });

  it('warns when cookies are IP-bound and the CDN has AAAA records', () => {
    expect(ipBindingWarning('cdn.example.com', ['2600:9000::1'])).toMatch(
      /PLAYBACK_BIND_IP is on but cdn\.example\.com has AAAA records/,
    );
    expect(ipBindingWarning('cdn.example.com', [])).toBeNull();
  });

  it('matches cookie domains as browsers do (RFC 6265 §5.1.3)', () => {
    expect(cookieReaches('.Example.com', 'cdn.example.com')).toBe(true);
    expect(cookieReaches('example.com', 'example.com')).toBe(true);
    expect(cookieReaches('example.com', 'badexample.com')).toBe(false);
  });
});
