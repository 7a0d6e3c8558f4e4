import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where `npm run dev` keeps its generated secrets: `.data/keys` (never committed). */
export const DEV_KEYS_DIR = '.data/keys';

/** The development JWT secret's file; `npm run token` reads the same file. */
export const devSecretFile = (keysDir = DEV_KEYS_DIR) => join(keysDir, 'jwt-secret');

/** A random development secret, made once per checkout, so no secret is ever committed. */
export function devJwtSecret(file = devSecretFile()): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The development CloudFront key pair, made once per checkout (the edge trusts its public half). */
export const DEV_KEY_PAIR_ID = 'KVELVETDEV0001';

export function devCloudfrontKeys(keysDir = DEV_KEYS_DIR): { privateKeyFile: string; publicKeyFile: string } {
  const privateKeyFile = join(keysDir, 'cloudfront-private.pem');
  const publicKeyFile = join(keysDir, 'cloudfront-public.pem');
  if (!existsSync(privateKeyFile) || !existsSync(publicKeyFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { privateKeyFile, publicKeyFile };
}
