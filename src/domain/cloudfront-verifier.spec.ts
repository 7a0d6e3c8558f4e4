import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cfb64Encode } from './cloudfront-encoding';
import { matchesResource } from './cloudfront-wildcard';
import { verifyViewerRequest, type VerifierConfig } from './cloudfront-verifier';

const DIR = join(__dirname, '../../test/fixtures/cloudfront');
const vectors = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8'));
const NOW = vectors.constants.EVAL_AT as number;
const config: VerifierConfig = {
  trustedKeys: new Map([[vectors.keyPairId, readFileSync(join(DIR, 'rsa-public.pem'), 'utf8')]]),
};
const verify = (url: string, extra: { cookieHeader?: string; clientIp?: string; now?: number } = {}, cfg = config) =>
  verifyViewerRequest(
    { url, clientIp: extra.clientIp ?? '203.0.113.9', now: extra.now ?? NOW, cookieHeader: extra.cookieHeader },
    cfg,
  );

describe('the independent CloudFront verifier (docs/cloudfront.md §16) against the shared vectors', () => {
  it.each((vectors.urlVectors as any[]).map((v) => [v.id, v] as [string, any]))('signed URL %s', (_, v: any) => {
    const expected = v.expectAt;
    if (expected.clientIpAllowed) {
      expect(verify(v.signedUrl, { clientIp: expected.clientIpAllowed })).toMatchObject({ allow: true });
      expect(verify(v.signedUrl, { clientIp: expected.clientIpDenied })).toMatchObject({
        allow: false,
        code: 'AccessDenied',
      });
    } else {
      expect(verify(v.signedUrl, { clientIp: expected.clientIp }).allow).toBe(expected.result === 'allow');
    }
  });

  it.each((vectors.cookieVectors as any[]).map((v) => [v.id, v] as [string, any]))('signed cookies %s', (_, v: any) => {
    for (const r of v.requests) {
      const verdict = verify(r.url, {
        cookieHeader: v.cookieHeader,
        clientIp: r.clientIp ?? '203.0.113.9',
        now: r.evaluatedAtEpoch,
      });
      expect({ url: r.url, ip: r.clientIp, allow: verdict.allow }).toEqual({
        url: r.url,
        ip: r.clientIp,
        allow: r.result === 'allow',
      });
      if (r.errorCode) expect(verdict).toMatchObject({ code: r.errorCode });
    }
  });

  it.each((vectors.negativeUrlVectors as any[]).map((v) => [v.id, v] as [string, any]))('negative %s', (_, v: any) => {
    expect(verify(v.url)).toMatchObject({ allow: false, ...(v.expect.errorCode ? { code: v.expect.errorCode } : {}) });
  });

  it('verifies the ECDSA P-256 (DER) vector with an EC key in the key group', () => {
    const ec: VerifierConfig = {
      trustedKeys: new Map([[vectors.keyPairId, readFileSync(join(DIR, 'ec-public.pem'), 'utf8')]]),
    };
    const cookies = `CloudFront-Policy=${cfb64Encode(vectors.ecdsa.policyJson)}; CloudFront-Signature=${vectors.ecdsa.signatureCfBase64}; CloudFront-Key-Pair-Id=${vectors.keyPairId}`;
    expect(verify('https://cdn.example.test/videos/v1/index.m3u8', { cookieHeader: cookies }, ec)).toMatchObject({
      allow: true,
    });
    expect(verify('https://cdn.example.test/videos/v2/index.m3u8', { cookieHeader: cookies }, ec)).toMatchObject({
      allow: false,
    });
  });

  it('removes only the CloudFront parameters from what goes upstream, keeping order', () => {
    const v = vectors.urlVectors.find((x: any) => x.id === 'url-canned-user-query');
    const verdict = verify(v.signedUrl);
    expect(verdict).toMatchObject({ allow: true });
    expect((verdict as { upstreamQuery: string }).upstreamQuery).toBe(
      v.requestUrlWithoutCloudFrontParams.split('?')[1],
    );
  });

  it('ignores cookies when the URL carries CloudFront parameters, and suffixed cookie names', () => {
    const v = vectors.cookieVectors.find((x: any) => x.id === 'cookies-custom-wildcard');
    expect(
      verify('https://cdn.example.test/videos/v1/index.m3u8?Expires=1', { cookieHeader: v.cookieHeader }),
    ).toMatchObject({ code: 'MissingKey' });
    const suffixed = v.cookieHeader.replace('CloudFront-Key-Pair-Id=', 'CloudFront-Key-Pair-Id-K2JCJMDEHXQW5F=');
    expect(verify('https://cdn.example.test/videos/v1/index.m3u8', { cookieHeader: suffixed })).toMatchObject({
      code: 'MissingKey',
    });
  });

  it('rejects at DateLessThan and accepts one second before', () => {
    const v = vectors.cookieVectors.find((x: any) => x.id === 'cookies-custom-wildcard');
    const dlt = vectors.constants.DLT;
    expect(
      verify('https://cdn.example.test/videos/v1/a.ts', { cookieHeader: v.cookieHeader, now: dlt - 1 }).allow,
    ).toBe(true);
    expect(verify('https://cdn.example.test/videos/v1/a.ts', { cookieHeader: v.cookieHeader, now: dlt }).allow).toBe(
      false,
    );
  });
});

describe('matchesResource', () => {
  it.each([
    ['https://cdn.example.test/videos/v1/*', 'https://cdn.example.test/videos/v1/720p/seg.ts', true],
    ['https://cdn.example.test/videos/v1/*', 'https://cdn.example.test/videos/v1/x.ts?token=1', true],
    ['https://cdn.example.test/videos/v1/*', 'https://cdn.example.test/videos/v10/x.ts', false],
    ['https://cdn.example.test/videos/v1/*', 'http://cdn.example.test/videos/v1/x.ts', false],
    ['https://cdn.example.test/videos/v1/*', 'https://other.test/videos/v1/x.ts', false],
    ['https://*.cdn.example.test/*', 'https://evil.test/.cdn.example.test/x', false],
    ['https://*.cdn.example.test/*', 'https://a.cdn.example.test/x', true],
    ['https://cdn.example.test*', 'https://cdn.example.test/any/path?q=1', true],
    ['*example.test', 'http://cdn.example.test/', true],
    ['https://cdn.example.test/seg?.ts', 'https://cdn.example.test/seg1.ts', true],
    ['https://cdn.example.test/seg?.ts', 'https://cdn.example.test/seg10.ts', false],
    ['https://cdn.example.test/p\\?x=1', 'https://cdn.example.test/p?x=1', true],
    ['https://cdn.example.test/p', 'https://cdn.example.test/p?x=1', false],
    ['*', 'https://anything.test/at/all', true],
  ])('%s vs %s → %s', (resource, url, expected) => {
    expect(matchesResource(resource, url)).toBe(expected);
  });
});
