import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AdaptersModule } from '../../src/adapters/adapters.module';
import { createApiApp } from '../../src/api.app';
import { ConfigModule } from '../../src/config/config.module';
import { MaintenanceModule } from '../../src/services/operations/maintenance.module';
import { loadConfig, type AppConfig } from '../../src/config/config';
import { TEST_BUCKET, TEST_JWT_SECRET, TEST_REDIS_URL, testDatabaseUrl } from './test-env';

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const endpoint = process.env.VELVET_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('the local S3 server is not running (jest globalSetup)');
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: TEST_REDIS_URL,
    S3_BUCKET: TEST_BUCKET,
    S3_REGION: 'us-east-1',
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    JWT_SECRET: TEST_JWT_SECRET,
    // Suites written for one job per video keep it; the chunked suites turn chunking on.
    TRANSCODE_CHUNK_SECONDS: '0',
    // Webhook receivers in tests listen on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Suites reuse a few user names all run long; the limits' own suite turns them on.
    CREATOR_RATE_LIMIT_VIDEOS: '0',
    CREATOR_RATE_LIMIT_REUPLOADS: '0',
    CREATOR_RATE_LIMIT_WEBHOOK_TESTS: '0',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig(testEnv(overrides));
}

export interface RunningApi {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  readonly url: string;
  close(): Promise<void>;
}

/** The real api on a free port, over real PostgreSQL, Redis and the local S3 server. */
export async function startApi(overrides: Record<string, string> = {}): Promise<RunningApi> {
  const config = testConfig(overrides);
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, config, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export async function token(
  sub: string,
  roles: string[] = ['creator'],
  options: { secret?: string; expiresIn?: string | number; claims?: Record<string, unknown> } = {},
): Promise<string> {
  return new SignJWT({ roles, ...options.claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** JSON over HTTP against the api, with a bearer token. */
export function client(baseUrl: string, bearer?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: callers assert on `text` instead.
    }
    return { status: response.status, headers: response.headers, json, text };
  };
}

export type Api = ReturnType<typeof client>;

/** Sends a file through a presigned POST, as a browser form would. */
export async function postForm(
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  contentType: string,
  overrideFields: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...overrideFields })) form.append(name, value);
  form.append('file', new Blob([bytes], { type: contentType }), 'upload.bin');
  return fetch(upload.url, { method: 'POST', body: form });
}

/** The worker's maintenance sweeps with the real bindings, and no processor consuming any queue. */
export function startSweeps(overrides: Record<string, string> = {}): Promise<INestApplicationContext> {
  const config = testConfig(overrides);
  class SweepsOnly {}
  return NestFactory.createApplicationContext(
    { module: SweepsOnly, imports: [ConfigModule.forRoot(config), AdaptersModule.forRoot(config), MaintenanceModule] },
    { logger: false },
  );
}
