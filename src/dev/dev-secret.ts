import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where `npm run dev` keeps its generated JWT secret; `npm run token` reads the same file. */
export const DEV_SECRET_FILE = '.data/dev-jwt-secret';

/** A random development secret, made once per checkout, so no secret is ever committed. */
export function devJwtSecret(file = DEV_SECRET_FILE): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The development CloudFront key pair, made once per checkout (the edge trusts its public half). */
export const DEV_KEY_PAIR_ID = 'KVELVETDEV0001';

export function devCloudfrontKeys(dir = '.data'): { privateKeyFile: string; publicKeyFile: string } {
  const privateKeyFile = `${dir}/cloudfront-private.pem`;
  const publicKeyFile = `${dir}/cloudfront-public.pem`;
  if (!existsSync(privateKeyFile) || !existsSync(publicKeyFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(dir, { recursive: true });
    writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { privateKeyFile, publicKeyFile };
}
