/**
 * The verifying edge's decision fed random cookies, policies, signatures and URLs: it never
 * throws, and it never allows a request without a valid signature by a trusted key. Fixed seed
 * in CI (FUZZ_SEED, else 20261203), random locally; fast-check prints the seed of a failure.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { cfb64Decode, cfb64Encode } from './cloudfront-encoding';
import { verifyViewerRequest, type VerifierConfig } from './cloudfront-verifier';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20261203 : Date.now() % 2 ** 31;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const DIR = join(__dirname, '../../test/fixtures/cloudfront');
const KEY_ID = 'K2JCJMDEHXQW5F';
const TRUSTED_PRIVATE = readFileSync(join(DIR, 'rsa-private.pem'), 'utf8');
const config: VerifierConfig = { trustedKeys: new Map([[KEY_ID, readFileSync(join(DIR, 'rsa-public.pem'), 'utf8')]]) };
const STRANGER = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const NOW = 1_800_000_000;
const CDN = 'https://cdn.example.test';

const sign = (policy: string, key: Parameters<ReturnType<typeof createSign>['sign']>[0] = TRUSTED_PRIVATE) =>
  cfb64Encode(createSign('RSA-SHA1').update(policy).sign(key));
const cookies = (policy: string, signature: string, keyId = KEY_ID) =>
  `CloudFront-Policy=${cfb64Encode(policy)}; CloudFront-Signature=${signature}; CloudFront-Key-Pair-Id=${keyId}`;

const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('*', '?', '%', '..', '=', ';', '&', '~', '_', '-', 'CloudFront-Policy', 'Key-Pair-Id', KEY_ID),
);
const path = fc
  .array(fc.oneof(fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/), text), { minLength: 1, maxLength: 5 })
  .map((parts) => `/${parts.join('/')}`);
const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm', 'x'), text),
      text,
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const url = fc
  .tuple(fc.constantFrom(CDN, 'https://CDN.example.test', 'http://cdn.example.test', 'https://other.test'), path, query)
  .map(([origin, p, q]) => `${origin}${p}${q ? `?${q}` : ''}`);
const ip = fc.oneof(fc.ipV4(), fc.ipV6(), text);
const now = fc.oneof(fc.constant(NOW), fc.integer({ min: 0, max: 2 ** 33 }));
const cookieHeader = fc.oneof(
  fc.constant(undefined),
  text,
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'CloudFront-Policy',
          'CloudFront-Signature',
          'CloudFront-Key-Pair-Id',
          'CloudFront-Expires',
          'CloudFront-Hash-Algorithm',
          'x',
        ),
        text,
      ),
      { maxLength: 6 },
    )
    .map((c) => c.map(([k, v]) => `${k}=${v}`).join('; ')),
);
// Policies as CloudFront reads them, and junk near them: any Resource (wildcards included), any conditions.
const policy = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        Resource: fc.oneof(
          {
            weight: 3,
            arbitrary: fc.constantFrom(
              `${CDN}/*`,
              '*',
              `${CDN}/videos/abc/*`,
              `${CDN}/videos/abd/*`,
              `${CDN}/videos/abc/seg_0000?.m4s`,
            ),
          },
          url,
          text,
        ),
        DateLessThan: fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), text),
        DateGreaterThan: fc.option(fc.integer({ min: 0, max: 2 ** 33 }), { nil: undefined, freq: 2 }),
        IpAddress: fc.option(
          fc.oneof(
            fc.ipV4().map((a) => `${a}/32`),
            fc.constant('0.0.0.0/0'),
            text,
          ),
          { nil: undefined, freq: 2 },
        ),
      })
      .map((p) =>
        JSON.stringify({
          Statement: [
            {
              Resource: p.Resource,
              Condition: {
                DateLessThan: { 'AWS:EpochTime': p.DateLessThan },
                ...(p.DateGreaterThan !== undefined ? { DateGreaterThan: { 'AWS:EpochTime': p.DateGreaterThan } } : {}),
                ...(p.IpAddress !== undefined ? { IpAddress: { 'AWS:SourceIp': p.IpAddress } } : {}),
              },
            },
          ],
        }),
      ),
  },
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  text,
);

const decide = (request: { url: string; cookieHeader?: string; clientIp: string; now: number }) =>
  verifyViewerRequest(request, config);

describe(`the edge's verifier on random input (seed ${SEED})`, () => {
  it('never throws and never allows random cookies and URLs', () => {
    fc.assert(
      fc.property(url, cookieHeader, ip, now, (u, c, clientIp, at) => {
        expect(decide({ url: u, cookieHeader: c, clientIp, now: at }).allow).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never allows a policy signed by a key outside the key group, under any key id', () => {
    fc.assert(
      fc.property(policy, url, ip, fc.constantFrom(KEY_ID, 'KOTHER'), (p, u, clientIp, keyId) => {
        const verdict = decide({ url: u, cookieHeader: cookies(p, sign(p, STRANGER), keyId), clientIp, now: NOW });
        expect(verdict.allow).toBe(false);
      }),
      { seed: SEED, numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it('refuses a trusted signature once one character of it or of its policy changes (unless the bytes are the same)', () => {
    const granted = JSON.stringify({
      Statement: [{ Resource: `${CDN}/videos/abc/*`, Condition: { DateLessThan: { 'AWS:EpochTime': NOW + 600 } } }],
    });
    const signature = sign(granted);
    const encodedPolicy = cfb64Encode(granted);
    const request = (p: string, s: string) =>
      decide({
        url: `${CDN}/videos/abc/index.m3u8`,
        cookieHeader: `CloudFront-Policy=${p}; CloudFront-Signature=${s}; CloudFront-Key-Pair-Id=${KEY_ID}`,
        clientIp: '203.0.113.9',
        now: NOW,
      });
    expect(request(encodedPolicy, signature).allow).toBe(true);
    const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~'.split(''));
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), alphabet, (inPolicy, at, ch) => {
        const original = inPolicy ? encodedPolicy : signature;
        const i = at % original.length;
        const mutated = `${original.slice(0, i)}${ch}${original.slice(i + 1)}`;
        const same = cfb64Decode(mutated)?.equals(cfb64Decode(original)!) ?? false;
        const verdict = inPolicy ? request(mutated, signature) : request(encodedPolicy, mutated);
        expect(verdict.allow).toBe(same);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('with a trusted signature on a random policy, allows only within its Resource and dates', () => {
    let allowed = 0;
    fc.assert(
      fc.property(policy, ip, now, (p, clientIp, at) => {
        const target = `${CDN}/videos/abc/seg_00001.m4s`;
        const verdict = decide({ url: target, cookieHeader: cookies(p, sign(p)), clientIp, now: at });
        if (!verdict.allow) return;
        allowed++;
        // Allowed: the policy must be one CloudFront reads, naming this URL (or a wildcard over it), live now.
        const statement = (
          JSON.parse(p) as {
            Statement: Array<{ Resource?: string; Condition: Record<string, { 'AWS:EpochTime'?: number }> }>;
          }
        ).Statement[0]!;
        expect(
          statement.Resource === undefined ||
            statement.Resource === target ||
            (typeof statement.Resource === 'string' && /[*?]/.test(statement.Resource)),
        ).toBe(true);
        expect(at).toBeLessThan(statement.Condition.DateLessThan!['AWS:EpochTime']!);
        if (statement.Condition.DateGreaterThan)
          expect(at).toBeGreaterThan(statement.Condition.DateGreaterThan['AWS:EpochTime']!);
      }),
      { seed: SEED, numRuns: Math.ceil(RUNS / 5) },
    );
    // Not vacuous: some random policies did grant the URL.
    expect(allowed).toBeGreaterThan(0);
  });
});
