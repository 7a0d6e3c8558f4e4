import { randomBytes } from 'node:crypto';
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
