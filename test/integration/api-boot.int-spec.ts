import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from '../support/harness';

const RSA_PRIVATE_KEY = join(__dirname, '../fixtures/cloudfront/rsa-private.pem');

/** The api as `npm run start:api` runs it, told to start in production with these settings. */
async function boot(overrides: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    'node',
    ['-r', join(__dirname, '../../scripts/ts-register.js'), join(__dirname, '../../src/main.ts')],
    {
      // PORT 0 and no listening expected: every case here is refused before the server binds.
      env: {
        PATH: process.env.PATH,
        ...testEnv({ NODE_ENV: 'production', PORT: '0', WEBHOOK_ALLOW_PRIVATE: 'false', ...overrides }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

describe('the api at boot in production', () => {
  it('refuses a CDN on plain http, a cookie domain the CDN is not under, and no signing key, listing all', async () => {
    const { code, output } = await boot({ CDN_BASE_URL: 'http://cdn.example.com', COOKIE_DOMAIN: 'app.example.com' });
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration');
    expect(output).toMatch(/CDN_BASE_URL: must be https in production/);
    expect(output).toMatch(/COOKIE_DOMAIN: the CDN host cdn\.example\.com is neither app\.example\.com nor under it/);
    expect(output).toMatch(/CLOUDFRONT_KEY_PAIR_ID: required in production/);
    expect(output).toMatch(/CLOUDFRONT_PRIVATE_KEY: required in production/);
    // Tokens from a shared identity provider, and the worker's own sealing key.
    expect(output).toMatch(/JWT_ISSUER: required in production/);
    expect(output).toMatch(/JWT_AUDIENCE: required in production/);
    expect(output).toMatch(/WEBHOOK_SECRET_KEY: required in production/);
  });

  it('refuses keys fetched over http', async () => {
    const { code, output } = await boot({ JWT_SECRET: '', JWT_JWKS_URL: 'http://idp.example.com/jwks.json' });
    expect(code).toBe(1);
    expect(output).toMatch(/JWT_JWKS_URL: must be https in production/);
  });

  it('refuses a cloudfront.net CDN with a cookie domain, the key being fine', async () => {
    const { code, output } = await boot({
      CDN_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
      COOKIE_DOMAIN: 'example.com',
      CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      CLOUDFRONT_PRIVATE_KEY_FILE: RSA_PRIVATE_KEY,
      JWT_ISSUER: 'https://idp.example.com',
      JWT_AUDIENCE: 'velvet',
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
    });
    expect(code).toBe(1);
    const problems = output.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems).toEqual([
      expect.stringMatching(
        /COOKIE_DOMAIN: the CDN host d111111abcdef8\.cloudfront\.net is neither example\.com nor under it/,
      ),
    ]);
  });
});
