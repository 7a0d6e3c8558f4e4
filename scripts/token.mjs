#!/usr/bin/env node
// Prints a development bearer token: npm run token -- --sub alice --roles creator[,admin] [--ttl 3600]
// Signed HS256 with JWT_SECRET (environment or .env), else with the secret `npm run dev` generated.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'dev-user' },
    roles: { type: 'string', default: 'creator' },
    ttl: { type: 'string', default: '3600' },
  },
});

if (existsSync('.env')) process.loadEnvFile('.env');
const secret = process.env.JWT_SECRET || devSecret('.data/keys/jwt-secret');
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive number of seconds');

let jwt = new SignJWT({
  roles: values.roles
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean),
})
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.sub)
  .setIssuedAt()
  .setExpirationTime(Math.floor(Date.now() / 1000) + ttl);
// The defaults docker-compose.yml gives the api; an api that checks neither ignores them.
jwt = jwt.setIssuer(process.env.JWT_ISSUER || 'velvet-local').setAudience(process.env.JWT_AUDIENCE || 'velvet');
console.log(await jwt.sign(new TextEncoder().encode(secret)));

// Same file and format as dev/dev-secret.ts, so tokens match the running dev server.
function devSecret(file) {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const made = randomBytes(32).toString('base64url');
  mkdirSync('.data/keys', { recursive: true, mode: 0o700 });
  writeFileSync(file, `${made}\n`, { mode: 0o600 });
  return made;
}
