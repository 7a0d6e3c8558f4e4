import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFingerprint } from '../domain/key-fingerprint';
import { ConfigError, loadConfig } from './config';

const base = { S3_BUCKET: 'velvet-media', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://localhost/velvet' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.http.port).toBe(3000);
    expect(config.upload).toEqual({
      maxBytes: 20 * 1024 ** 3,
      singleMaxBytes: 100 * 1024 ** 2,
      partBytes: 16 * 1024 ** 2,
      urlTtlSeconds: 900,
      abandonAfterSeconds: 86400,
    });
    expect(config.s3).toEqual({
      bucket: 'velvet-media',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
    });
    expect(Object.isFrozen(config.upload)).toBe(true);
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        UPLOAD_PART_BYTES: String(1024),
        S3_FORCE_PATH_STYLE: 'maybe',
        CORS_ORIGINS: 'not a url',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'UPLOAD_PART_BYTES',
      'S3_FORCE_PATH_STYLE',
      'S3_BUCKET',
      'JWT_SECRET',
      'CORS_ORIGINS',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('requires DATABASE_URL unless embedding is allowed (npm run dev)', () => {
    const { DATABASE_URL: _, ...rest } = base;
    expect(() => loadConfig(rest)).toThrow(/DATABASE_URL/);
    expect(loadConfig(rest, { allowEmbeddedDatabase: true }).database.url).toBeUndefined();
  });

  it('builds the database address from parts with the password apart, as ECS passes an RDS secret', () => {
    const { DATABASE_URL: _, ...rest } = base;
    const parts = {
      ...rest,
      DATABASE_HOST: 'db.abc.eu-west-1.rds.amazonaws.com',
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'velvet',
      DATABASE_USER: 'velvet',
      DATABASE_PASSWORD: 'p@ss/word:#1',
      DATABASE_SSLMODE: 'no-verify',
    };
    const url = new URL(loadConfig(parts).database.url!);
    expect(url.hostname).toBe('db.abc.eu-west-1.rds.amazonaws.com');
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe('/velvet');
    expect(decodeURIComponent(url.username)).toBe('velvet');
    expect(decodeURIComponent(url.password)).toBe('p@ss/word:#1');
    expect(url.searchParams.get('sslmode')).toBe('no-verify');
    expect(new URL(loadConfig({ ...base, DATABASE_PASSWORD: 's3cret' }).database.url!).password).toBe('s3cret');
    expect(() => loadConfig({ ...parts, DATABASE_HOST: 'db host; drop' })).toThrow(/DATABASE_HOST/);
    expect(() => loadConfig({ ...parts, DATABASE_SSLMODE: 'maybe' })).toThrow(/DATABASE_SSLMODE/);
  });

  it('refuses a CloudFront private key that is not the half of the fingerprinted public key', () => {
    const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
    const mine = pair();
    const other = pair();
    const pem = mine.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fingerprint = keyFingerprint;
    const withKey = { ...base, CLOUDFRONT_KEY_PAIR_ID: 'K2ABCDEF', CLOUDFRONT_PRIVATE_KEY: pem };
    expect(
      loadConfig({ ...withKey, CLOUDFRONT_KEY_FINGERPRINT: fingerprint(mine.publicKey) }).cloudfront.keyPairId,
    ).toBe('K2ABCDEF');
    expect(() => loadConfig({ ...withKey, CLOUDFRONT_KEY_FINGERPRINT: fingerprint(other.publicKey) })).toThrow(
      /CLOUDFRONT_PRIVATE_KEY: its public half .* is not the key CLOUDFRONT_KEY_FINGERPRINT names/,
    );
  });

  it('reads a secret from NAME_FILE (a mounted compose or Kubernetes secret), and names an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'velvet-secrets-'));
    const { JWT_SECRET: _, ...rest } = base;
    writeFileSync(join(dir, 'jwt'), `${'j'.repeat(40)}\n`);
    writeFileSync(join(dir, 'webhook'), `${randomBytes(32).toString('base64')}\n`);
    const config = loadConfig({
      ...rest,
      JWT_SECRET_FILE: join(dir, 'jwt'),
      WEBHOOK_SECRET_KEY_FILE: join(dir, 'webhook'),
    });
    expect(config.auth.secret).toBe('j'.repeat(40));
    expect(() => loadConfig({ ...base, JWT_SECRET_FILE: join(dir, 'jwt') })).toThrow(
      /JWT_SECRET_FILE: set it or JWT_SECRET, not both/,
    );
    expect(() => loadConfig({ ...rest, JWT_SECRET_FILE: join(dir, 'missing') })).toThrow(
      /JWT_SECRET_FILE: .*missing cannot be read/,
    );
    // A key of the wrong size read from a file is refused as if it were given directly.
    writeFileSync(join(dir, 'short'), 'c2hvcnQ=');
    expect(() => loadConfig({ ...base, WEBHOOK_SECRET_KEY_FILE: join(dir, 'short') })).toThrow(
      /WEBHOOK_SECRET_KEY: must be 32 bytes/,
    );
  });

  it('takes the ladder mode and its CRF, one for all or per short side, capped CRF by default', () => {
    expect(loadConfig(base).transcode).toMatchObject({ ladderMode: 'capped-crf', ladderCrf: undefined });
    expect(loadConfig({ ...base, LADDER_MODE: 'fixed', LADDER_CRF: '24' }).transcode).toMatchObject({
      ladderMode: 'fixed',
      ladderCrf: [[0, 24]],
    });
    expect(loadConfig({ ...base, LADDER_CRF: '1080:24,720:23.5,0:21' }).transcode.ladderCrf).toEqual([
      [1080, 24],
      [720, 23.5],
      [0, 21],
    ]);
    expect(() => loadConfig({ ...base, LADDER_CRF: '1080:60' })).toThrow(/LADDER_CRF/);
    expect(() => loadConfig({ ...base, LADDER_CRF: 'high' })).toThrow(/LADDER_CRF/);
    expect(() => loadConfig({ ...base, LADDER_MODE: 'vbr' })).toThrow(/LADDER_MODE/);
  });

  it('puts REDIS_PASSWORD (an auth token given apart) into REDIS_URL', () => {
    const url = new URL(
      loadConfig({ ...base, REDIS_URL: 'rediss://velvet@cache.example.com:6379', REDIS_PASSWORD: 'tok+en/1' }).redis
        .url,
    );
    expect(url.protocol).toBe('rediss:');
    expect(decodeURIComponent(url.password)).toBe('tok+en/1');
    expect(url.username).toBe('velvet');
    expect(loadConfig(base).redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('refuses short HS256 secrets and a single-upload limit above the upload limit', () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...base, UPLOAD_MAX_BYTES: '100', UPLOAD_SINGLE_MAX_BYTES: '200' })).toThrow(
      /UPLOAD_SINGLE_MAX_BYTES/,
    );
  });

  it('chunks the ladder in 30 s by default, only in multiples of the segment length, 0 for one job', () => {
    expect(loadConfig(base).transcode.chunkSeconds).toBe(30);
    expect(loadConfig({ ...base, TRANSCODE_CHUNK_SECONDS: '0' }).transcode.chunkSeconds).toBe(0);
    expect(
      loadConfig({ ...base, TRANSCODE_CHUNK_SECONDS: '12', HLS_SEGMENT_SECONDS: '4' }).transcode.chunkSeconds,
    ).toBe(12);
    expect(() => loadConfig({ ...base, TRANSCODE_CHUNK_SECONDS: '10' })).toThrow(
      /TRANSCODE_CHUNK_SECONDS.*multiple of HLS_SEGMENT_SECONDS \(6\)/s,
    );
  });

  it('accepts a JWKS URL instead of a secret', () => {
    const { JWT_SECRET: _, ...rest } = base;
    expect(
      loadConfig({ ...rest, JWT_JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json' })
        .auth.jwksUrl,
    ).toMatch(/^https:/);
  });
});

describe('loadConfig for the api in production', () => {
  const production = {
    ...base,
    NODE_ENV: 'production',
    CDN_BASE_URL: 'http://cdn.example.com',
    COOKIE_DOMAIN: 'app.example.com',
    WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  };

  it('lists the playback problems with every other one', () => {
    let error: unknown;
    try {
      loadConfig({ ...production, PORT: 'eighty' }, { requirePlayback: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'PORT',
      'JWT_ISSUER',
      'JWT_AUDIENCE',
      'CDN_BASE_URL',
      'COOKIE_DOMAIN',
      'CLOUDFRONT_KEY_PAIR_ID',
      'CLOUDFRONT_PRIVATE_KEY',
    ]);
  });

  it('requires an issuer and an audience, and keys over https, for tokens from a shared identity provider', () => {
    const { JWT_SECRET: _, ...noSecret } = production;
    let error: unknown;
    try {
      loadConfig({ ...noSecret, JWT_JWKS_URL: 'http://idp.example.com/jwks.json' }, { requirePlayback: true });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/JWT_ISSUER: required in production/);
    expect(problems).toMatch(/JWT_AUDIENCE: required in production/);
    expect(problems).toMatch(/JWT_JWKS_URL: must be https in production/);
    const issued = { JWT_ISSUER: 'https://idp.example.com', JWT_AUDIENCE: 'velvet' };
    expect(() =>
      loadConfig(
        { ...noSecret, ...issued, JWT_JWKS_URL: 'https://idp.example.com/jwks.json' },
        { requirePlayback: true },
      ),
    ).toThrow(/CDN_BASE_URL/);
    expect(() =>
      loadConfig(
        { ...noSecret, ...issued, JWT_JWKS_URL: 'https://idp.example.com/jwks.json' },
        { requirePlayback: true },
      ),
    ).not.toThrow(/JWT_/);
  });

  it('reads roles and entitlements from the configured claims, and all access only when switched on', () => {
    expect(loadConfig(base).auth).toMatchObject({
      rolesClaim: 'roles',
      entitlementsClaim: 'entitlements',
      allAccess: false,
    });
    expect(loadConfig({ ...base, JWT_ROLES_CLAIM: 'cognito:groups', JWT_ALL_ACCESS: 'true' }).auth).toMatchObject({
      rolesClaim: 'cognito:groups',
      allAccess: true,
    });
    expect(() => loadConfig({ ...base, JWT_ROLES_CLAIM: 'a b' })).toThrow(/JWT_ROLES_CLAIM/);
  });

  it('leaves the worker and development alone; the worker needs no token secret', () => {
    expect(() => loadConfig(production)).not.toThrow();
    const { JWT_SECRET: _, ...noSecret } = production;
    expect(() => loadConfig(noSecret)).toThrow(/JWT_SECRET/);
    expect(loadConfig(noSecret, { verifiesNoTokens: true }).auth.secret).toBeUndefined();
    expect(() => loadConfig({ ...production, NODE_ENV: 'development' }, { requirePlayback: true })).not.toThrow();
  });
});

describe('loadConfig for webhooks', () => {
  it('refuses private webhook addresses in production, and a malformed sealing key', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_SECRET_KEY: 'c2hvcnQ=' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      'WEBHOOK_ALLOW_PRIVATE: is refused in production (webhooks could reach internal addresses)',
    ]);
    expect(() => loadConfig({ ...base, WEBHOOK_SECRET_KEY: 'c2hvcnQ=' })).toThrow(
      /WEBHOOK_SECRET_KEY: must be 32 bytes/,
    );
  });

  it('requires WEBHOOK_SECRET_KEY in production, never derives it from JWT_SECRET, and reads older keys', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRET_KEY: required in production/);
    // Outside production a fixed development key, whatever the token secret.
    const a = loadConfig(base).webhooks.secretKey;
    expect(a).toHaveLength(32);
    expect(loadConfig({ ...base, JWT_SECRET: 'y'.repeat(32) }).webhooks.secretKey.equals(a)).toBe(true);
    const key = Buffer.alloc(32, 1).toString('base64');
    const old = [Buffer.alloc(32, 2), Buffer.alloc(32, 3)];
    const config = loadConfig({
      ...base,
      NODE_ENV: 'production',
      WEBHOOK_SECRET_KEY: key,
      WEBHOOK_SECRET_KEY_PREVIOUS: old.map((k) => k.toString('base64')).join(','),
    });
    expect(config.webhooks.secretKey.toString('base64')).toBe(key);
    expect(config.webhooks.previousSecretKeys).toEqual(old);
    expect(() => loadConfig({ ...base, WEBHOOK_SECRET_KEY_PREVIOUS: 'c2hvcnQ=' })).toThrow(
      /WEBHOOK_SECRET_KEY_PREVIOUS: must be 32 bytes/,
    );
  });
});
