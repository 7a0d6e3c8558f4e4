/**
 * docs/cloudfront.md §17, case by case, with the clock injected (epoch 1800000000). Cases marked
 * [unv] there pin this verifier's declared choices, not CloudFront's behaviour.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cfb64Encode } from './cloudfront-encoding';
import { cannedPolicy, verifyViewerRequest, type VerifierConfig } from './cloudfront-verifier';

const DIR = join(__dirname, '../../test/fixtures/cloudfront');
const vectors = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8'));
const KEY = vectors.keyPairId as string;
const NOW = vectors.constants.EVAL_AT as number;
const DLT = vectors.constants.DLT as number;
const BASE = 'https://cdn.example.test';
const rsaPrivate = readFileSync(join(DIR, 'rsa-private.pem'), 'utf8');
const ecPrivate = readFileSync(join(DIR, 'ec-private.pem'), 'utf8');
const rsaConfig: VerifierConfig = { trustedKeys: new Map([[KEY, readFileSync(join(DIR, 'rsa-public.pem'), 'utf8')]]) };
const ecConfig: VerifierConfig = { trustedKeys: new Map([[KEY, readFileSync(join(DIR, 'ec-public.pem'), 'utf8')]]) };

type Hash = 'SHA1' | 'SHA256';
const signature = (bytes: string, hash: Hash = 'SHA1', key = rsaPrivate, encoding: 'der' | 'ieee-p1363' = 'der') =>
  cfb64Encode(createSign(hash).update(bytes).sign({ key, dsaEncoding: encoding }));
const policyOf = (
  resource: string | undefined,
  condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': DLT } },
) =>
  JSON.stringify({ Statement: [{ ...(resource === undefined ? {} : { Resource: resource }), Condition: condition }] });
const withQuery = (url: string, query: string) => `${url}${url.includes('?') ? '&' : '?'}${query}`;
const cannedUrl = (url: string, expires: number | string = DLT) =>
  withQuery(url, `Expires=${expires}&Signature=${signature(cannedPolicy(url, expires))}&Key-Pair-Id=${KEY}`);
const customUrl = (url: string, policy: string, hash: Hash = 'SHA1') =>
  withQuery(url, `Policy=${cfb64Encode(policy)}&Signature=${signature(policy, hash)}&Key-Pair-Id=${KEY}`);
const cookieSet = (policy: string, sig = signature(policy)) =>
  `CloudFront-Policy=${cfb64Encode(policy)}; CloudFront-Signature=${sig}; CloudFront-Key-Pair-Id=${KEY}`;

const verify = (
  url: string,
  extra: { cookieHeader?: string; clientIp?: string; now?: number } = {},
  config = rsaConfig,
) =>
  verifyViewerRequest(
    { url, clientIp: extra.clientIp ?? '203.0.113.9', now: extra.now ?? NOW, cookieHeader: extra.cookieHeader },
    config,
  );
const outcome = (verdict: ReturnType<typeof verify>) => (verdict.allow ? 'allow' : verdict.code);

describe('docs/cloudfront.md §17: the cases the verifying edge must pass', () => {
  it('17.1 canned URLs: plain, with their own query string, with an encoded space and bracket', () => {
    expect(outcome(verify(cannedUrl(`${BASE}/videos/v1/index.m3u8`)))).toBe('allow');
    expect(outcome(verify(cannedUrl(`${BASE}/videos/v1/index.m3u8?lang=en&x=1`)))).toBe('allow');
    expect(outcome(verify(cannedUrl(`${BASE}/videos/v1/My%20File%5B1%5D.mp4`)))).toBe('allow');
  });

  it('17.2 canned URLs tampered: signature, Expires, appended parameter, other path, http', () => {
    const url = cannedUrl(`${BASE}/videos/v1/index.m3u8`);
    const sig = /Signature=([^&]+)/.exec(url)![1]!;
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(outcome(verify(url.replace(sig, flipped)))).toBe('AccessDenied');
    expect(outcome(verify(url.replace(`Expires=${DLT}`, `Expires=${DLT + 1}`)))).toBe('AccessDenied');
    expect(outcome(verify(`${url}&foo=bar`))).toBe('AccessDenied');
    expect(outcome(verify(url.replace('/v1/', '/v2/')))).toBe('AccessDenied');
    expect(outcome(verify(url.replace('https:', 'http:')))).toBe('AccessDenied');
  });

  it('17.3 MissingKey, InvalidKey, MalformedSignature, MalformedPolicy', () => {
    const url = cannedUrl(`${BASE}/videos/v1/index.m3u8`);
    expect(outcome(verify(url.replace(`&Key-Pair-Id=${KEY}`, '')))).toBe('MissingKey');
    expect(outcome(verify(url.replace(KEY, 'KUNKNOWN00000')))).toBe('InvalidKey');
    expect(outcome(verify(url.replace(/Signature=[^&]+/, 'Signature=@@@@')))).toBe('MalformedSignature');
    expect(
      outcome(
        verify(
          `${BASE}/videos/v1/index.m3u8?Policy=${cfb64Encode('{}')}&Signature=${signature('{}')}&Key-Pair-Id=${KEY}`,
        ),
      ),
    ).toBe('MalformedPolicy');
  });

  it('17.4 parameters in any order are accepted; duplicates: the first occurrence wins [unv]', () => {
    const plain = `${BASE}/videos/v1/index.m3u8?a=1`;
    const sig = signature(cannedPolicy(plain, DLT));
    expect(outcome(verify(`${BASE}/videos/v1/index.m3u8?Signature=${sig}&Key-Pair-Id=${KEY}&a=1&Expires=${DLT}`))).toBe(
      'allow',
    );
    expect(outcome(verify(`${BASE}/videos/v1/index.m3u8?Key-Pair-Id=${KEY}&Expires=${DLT}&Signature=${sig}&a=1`))).toBe(
      'allow',
    );
    expect(outcome(verify(`${plain}&Expires=${DLT}&Expires=${DLT + 100}&Signature=${sig}&Key-Pair-Id=${KEY}`))).toBe(
      'allow',
    );
    expect(outcome(verify(`${plain}&Expires=${DLT + 100}&Expires=${DLT}&Signature=${sig}&Key-Pair-Id=${KEY}`))).toBe(
      'AccessDenied',
    );
  });

  it('17.5 a custom wildcard opens its prefix and nothing beside it', () => {
    const policy = policyOf(`${BASE}/videos/v1/*`);
    for (const path of ['/videos/v1/index.m3u8', '/videos/v1/720p/seg.ts', '/videos/v1/x.ts?token=1']) {
      expect(outcome(verify(customUrl(`${BASE}${path}`, policy)))).toBe('allow');
    }
    for (const url of [
      `${BASE}/videos/v2/a.ts`,
      `${BASE}/videos/v10/a.ts`,
      'https://other.example.test/videos/v1/a.ts',
      'http://cdn.example.test/videos/v1/a.ts',
    ]) {
      expect(outcome(verify(customUrl(url, policy)))).toBe('AccessDenied');
    }
    expect(
      outcome(verify(customUrl('https://evil.test/.cdn.example.test/x', policyOf('https://*.cdn.example.test/*')))),
    ).toBe('AccessDenied');
  });

  it('17.6 "*" opens anything; an omitted Resource too, with a warning; "https://*" refuses http', () => {
    expect(outcome(verify(customUrl('http://any.test/x?y=1', policyOf('*'))))).toBe('allow');
    const warnings: string[] = [];
    const watched = { ...rsaConfig, warn: (m: string) => warnings.push(m) };
    expect(outcome(verify(customUrl(`${BASE}/anything`, policyOf(undefined)), {}, watched))).toBe('allow');
    expect(warnings).toEqual([expect.stringContaining('without Resource')]);
    expect(outcome(verify(customUrl(`${BASE}/x`, policyOf('https://*'))))).toBe('allow');
    expect(outcome(verify(customUrl('http://cdn.example.test/x', policyOf('https://*'))))).toBe('AccessDenied');
  });

  it('17.7 a trailing * in the domain matches any path and query; no protocol matches both', () => {
    expect(outcome(verify(customUrl(`${BASE}/a/b.ts?q=1`, policyOf(`${BASE}*`))))).toBe('allow');
    expect(outcome(verify(customUrl('http://cdn.example.test/', policyOf('*example.test'))))).toBe('allow');
    expect(outcome(verify(customUrl('https://cdn.example.test/', policyOf('*example.test'))))).toBe('allow');
  });

  it('17.8 ? matches one character; \\? is the query separator', () => {
    const policy = policyOf(`${BASE}/videos/v1/seg?.ts`);
    expect(outcome(verify(customUrl(`${BASE}/videos/v1/seg1.ts`, policy)))).toBe('allow');
    expect(outcome(verify(customUrl(`${BASE}/videos/v1/seg10.ts`, policy)))).toBe('AccessDenied');
    expect(outcome(verify(customUrl(`${BASE}/p?x=1`, policyOf(`${BASE}/p\\?x=1`))))).toBe('allow');
  });

  it('17.9 DateLessThan, DateGreaterThan, the expired vectors, and a 13-digit Expires [unv]', () => {
    const url = customUrl(`${BASE}/a`, policyOf(`${BASE}/a`, { DateLessThan: { 'AWS:EpochTime': NOW + 10 } }));
    expect(outcome(verify(url, { now: NOW + 9 }))).toBe('allow');
    expect(outcome(verify(url, { now: NOW + 10 }))).toBe('AccessDenied');
    const dgt = customUrl(
      `${BASE}/a`,
      policyOf(`${BASE}/a`, { DateLessThan: { 'AWS:EpochTime': DLT }, DateGreaterThan: { 'AWS:EpochTime': NOW } }),
    );
    expect(outcome(verify(dgt, { now: NOW }))).toBe('AccessDenied');
    expect(outcome(verify(dgt, { now: NOW + 1 }))).toBe('allow');
    for (const id of ['url-canned-expired', 'url-custom-dgt-future']) {
      expect(outcome(verify(vectors.urlVectors.find((v: { id: string }) => v.id === id).signedUrl))).toBe(
        'AccessDenied',
      );
    }
    const millis = cannedUrl(`${BASE}/a`, DLT * 1000);
    expect(outcome(verify(millis))).toBe('MalformedPolicy');
    expect(outcome(verify(millis, {}, { ...rsaConfig, rejectLargeExpires: false }))).toBe('allow');
  });

  it('17.10 IpAddress: CIDR, IPv4-mapped sockets, IPv6, /0, and a bare address [unv: malformed]', () => {
    const at = (ip: string) =>
      customUrl(
        `${BASE}/a`,
        policyOf(`${BASE}/a`, { DateLessThan: { 'AWS:EpochTime': DLT }, IpAddress: { 'AWS:SourceIp': ip } }),
      );
    expect(outcome(verify(at('192.0.2.0/24'), { clientIp: '192.0.2.77' }))).toBe('allow');
    expect(outcome(verify(at('192.0.2.0/24'), { clientIp: '198.51.100.1' }))).toBe('AccessDenied');
    expect(outcome(verify(at('127.0.0.1/32'), { clientIp: '::ffff:127.0.0.1' }))).toBe('allow');
    expect(outcome(verify(at('127.0.0.1/32'), { clientIp: '::1' }))).toBe('AccessDenied');
    expect(outcome(verify(at('0.0.0.0/0'), { clientIp: '8.8.4.4' }))).toBe('allow');
    expect(outcome(verify(at('0.0.0.0/0'), { clientIp: '2001:db8::1' }))).toBe('AccessDenied');
    expect(outcome(verify(at('192.0.2.77'), { clientIp: '192.0.2.77' }))).toBe('MalformedPolicy');
  });

  it('17.11 SHA-256: the vectors, a SHA-1 signature labelled SHA256, and MD5 [unv: 403]', () => {
    expect(
      outcome(verify(vectors.urlVectors.find((v: { id: string }) => v.id === 'url-canned-sha256').signedUrl)),
    ).toBe('allow');
    const cookies = vectors.cookieVectors.find((v: { id: string }) => v.id === 'cookies-custom-wildcard-sha256');
    expect(outcome(verify(`${BASE}/videos/v1/index.m3u8`, { cookieHeader: cookies.cookieHeader }))).toBe('allow');
    const policy = policyOf(`${BASE}/a`);
    expect(outcome(verify(`${customUrl(`${BASE}/a`, policy, 'SHA256')}&Hash-Algorithm=SHA256`))).toBe('allow');
    expect(outcome(verify(`${customUrl(`${BASE}/a`, policy, 'SHA1')}&Hash-Algorithm=SHA256`))).toBe('AccessDenied');
    expect(outcome(verify(`${customUrl(`${BASE}/a`, policy, 'SHA1')}&Hash-Algorithm=MD5`))).toBe('AccessDenied');
  });

  it('17.12 ECDSA P-256: a DER signature verifies, a raw r‖s one does not [unv]', () => {
    const policy = policyOf(`${BASE}/videos/v1/*`);
    const url = `${BASE}/videos/v1/index.m3u8`;
    const der = cookieSet(policy, signature(policy, 'SHA1', ecPrivate, 'der'));
    const raw = cookieSet(policy, signature(policy, 'SHA1', ecPrivate, 'ieee-p1363'));
    expect(outcome(verify(url, { cookieHeader: der }, ecConfig))).toBe('allow');
    expect(outcome(verify(url, { cookieHeader: raw }, ecConfig))).toBe('AccessDenied');
  });

  it('17.13 cookies: wildcard custom yes, canned wildcard no, URL parameters win, missing or suffixed key id', () => {
    const custom = cookieSet(policyOf(`${BASE}/videos/v1/*`));
    expect(outcome(verify(`${BASE}/videos/v1/360p/seg_00001.m4s`, { cookieHeader: custom }))).toBe('allow');
    const pitfall = vectors.cookieVectors.find((v: { id: string }) => v.id === 'cookies-canned-wildcard-PITFALL');
    expect(outcome(verify(`${BASE}/videos/v1/index.m3u8`, { cookieHeader: pitfall.cookieHeader }))).toBe(
      'AccessDenied',
    );
    for (const param of ['Expires=1', 'Policy=x', 'Signature=x', `Key-Pair-Id=${KEY}`]) {
      expect(outcome(verify(`${BASE}/videos/v1/index.m3u8?${param}`, { cookieHeader: custom }))).not.toBe('allow');
    }
    expect(
      outcome(
        verify(`${BASE}/videos/v1/index.m3u8`, { cookieHeader: custom.replace(/; CloudFront-Key-Pair-Id=.*/, '') }),
      ),
    ).toBe('MissingKey');
    const suffixed = custom.replace('CloudFront-Key-Pair-Id=', `CloudFront-Key-Pair-Id-${KEY}=`);
    expect(outcome(verify(`${BASE}/videos/v1/index.m3u8`, { cookieHeader: suffixed }))).toBe('MissingKey');
    // A lone Hash-Algorithm parameter does not switch to URL mode (§7.3, a declared choice).
    expect(outcome(verify(`${BASE}/videos/v1/index.m3u8?Hash-Algorithm=SHA1`, { cookieHeader: custom }))).toBe('allow');
  });

  it('17.14 two cookie sets in one header: the first occurrence of each name is used [unv]', () => {
    const mine = cookieSet(policyOf(`${BASE}/videos/v1/*`));
    const other = cookieSet(policyOf(`${BASE}/videos/v2/*`));
    expect(outcome(verify(`${BASE}/videos/v1/a.ts`, { cookieHeader: `${mine}; ${other}` }))).toBe('allow');
    expect(outcome(verify(`${BASE}/videos/v1/a.ts`, { cookieHeader: `${other}; ${mine}` }))).toBe('AccessDenied');
  });

  it('17.15 a policy is verified over its exact bytes, whitespace and CRLF included', () => {
    const spaced = `{\r\n  "Statement": [ {\r\n    "Resource": "${BASE}/videos/v1/*",\r\n    "Condition": { "DateLessThan": { "AWS:EpochTime": ${DLT} } }\r\n  } ]\r\n}`;
    const url = `${BASE}/videos/v1/a.ts`;
    expect(outcome(verify(url, { cookieHeader: cookieSet(spaced) }))).toBe('allow');
    const compact = JSON.stringify(JSON.parse(spaced));
    expect(outcome(verify(url, { cookieHeader: cookieSet(compact, signature(spaced)) }))).toBe('AccessDenied');
  });

  it('17.16 malformed grammar: Statement as an object [unv], two statements, a quoted epoch, no DateLessThan', () => {
    const statement = { Resource: `${BASE}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': DLT } } };
    const malformed = [
      JSON.stringify({ Statement: statement }),
      JSON.stringify({ Statement: [statement, statement] }),
      JSON.stringify({ Statement: [{ ...statement, Condition: { DateLessThan: { 'AWS:EpochTime': String(DLT) } } }] }),
      JSON.stringify({ Statement: [{ ...statement, Condition: { DateGreaterThan: { 'AWS:EpochTime': 1 } } }] }),
    ];
    for (const policy of malformed) expect(outcome(verify(customUrl(`${BASE}/a`, policy)))).toBe('MalformedPolicy');
  });

  it('17.17 upstream: CloudFront parameters removed, user parameters kept in order', () => {
    const url = customUrl(`${BASE}/videos/v1/a.ts?z=1&a=2`, policyOf(`${BASE}/videos/v1/*`));
    const verdict = verify(`${url}&Hash-Algorithm=SHA1&m=3`);
    expect(verdict).toEqual({ allow: true, upstreamQuery: 'z=1&a=2&m=3' });
  });
});
