import { SystemClock } from './system.clock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/config';
import { CloudfrontCdnSigner } from './cloudfront.cdn-signer';

const DIR = join(__dirname, '../../test/fixtures/cloudfront');
const vectors = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8'));

function signer(hash: 'SHA1' | 'SHA256' = 'SHA1') {
  const config = loadConfig({
    S3_BUCKET: 'bucket',
    JWT_SECRET: 'x'.repeat(32),
    DATABASE_URL: 'postgres://localhost/x',
    CDN_BASE_URL: vectors.constants.BASE,
    CLOUDFRONT_KEY_PAIR_ID: vectors.keyPairId,
    CLOUDFRONT_PRIVATE_KEY_FILE: join(DIR, 'rsa-private.pem'),
    CLOUDFRONT_HASH_ALGORITHM: hash,
  });
  return new CloudfrontCdnSigner(config, new SystemClock());
}

describe('CloudfrontCdnSigner reproduces the shared RSA vectors byte for byte', () => {
  it.each(
    (vectors.cookieVectors as any[])
      .filter((v) => v.kind === 'signed-cookies/custom')
      .map((v) => [v.id, v] as [string, any]),
  )('cookies %s', (_, v: any) => {
    const signed = signer(v.hashAlgorithm).signPolicy(v.policyJson);
    for (const [name, value] of Object.entries(v.cookies)) expect(signed[name as keyof typeof signed]).toBe(value);
  });

  it.each(
    (vectors.urlVectors as any[]).filter((v) => v.kind === 'signed-url/canned').map((v) => [v.id, v] as [string, any]),
  )('canned URL %s', (_, v: any) => {
    expect(signer(v.hashAlgorithm).signUrl(v.sdkInput.url, new Date(v.sdkInput.dateLessThan))).toBe(v.signedUrl);
  });

  it.each(
    (vectors.urlVectors as any[]).filter((v) => v.kind === 'signed-url/custom').map((v) => [v.id, v] as [string, any]),
  )('custom policy of URL %s', (_, v: any) => {
    const signature = new URL(v.signedUrl).searchParams.get('Signature');
    expect(signer(v.hashAlgorithm).signPolicy(v.policyJson)['CloudFront-Signature']).toBe(signature);
  });
});
