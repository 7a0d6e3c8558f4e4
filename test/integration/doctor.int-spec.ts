import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { S3ObjectStorage } from '../../src/adapters/s3/s3.object-storage';
import { newVideoId } from '../../src/domain/ids';
import { runDoctor, type DoctorReport } from '../../src/doctor/doctor';
import { loadDoctorConfig } from '../../src/doctor/doctor.config';
import { createEdgeServer } from '../../src/edge/edge.server';
import { testEnv } from '../support/harness';

const FIXTURES = join(__dirname, '../fixtures/cloudfront');
const KEY_ID = 'K2JCJMDEHXQW5F';
const APP = 'http://localhost:5173';

/**
 * `npm run doctor` against the local stack: the verifying edge as the CDN, the S3 server as S3.
 * The AWS API checks are skipped here (S3_ENDPOINT is set); they are tested on mocked responses.
 */
describe('npm run doctor against a live stack', () => {
  const videoId = newVideoId();
  const servers: Server[] = [];
  const env = testEnv();
  const storage = new S3ObjectStorage(
    createS3Clients({
      bucket: env.S3_BUCKET!,
      region: env.S3_REGION!,
      endpoint: env.S3_ENDPOINT,
      forcePathStyle: true,
    }),
    env.S3_BUCKET!,
  );

  async function listen(server: Server): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function edge(trustedKeys: Map<string, string>): Promise<string> {
    return listen(createEdgeServer({ trustedKeys, corsOrigins: [APP], storage }));
  }

  const doctorEnv = (cdn: string) => ({
    ...env,
    CDN_BASE_URL: cdn,
    CLOUDFRONT_KEY_PAIR_ID: KEY_ID,
    CLOUDFRONT_PRIVATE_KEY_FILE: join(FIXTURES, 'rsa-private.pem'),
    CORS_ORIGINS: APP,
  });
  const doctor = (cdn: string, extra: Record<string, string> = {}): Promise<DoctorReport> =>
    runDoctor({ config: loadDoctorConfig({ ...doctorEnv(cdn), ...extra }), videoId, reader: { skip: 'local stack' } });
  const byName = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.name, c]));

  beforeAll(async () => {
    await storage.putObject(`videos/${videoId}/poster.jpg`, Buffer.from('poster bytes'), {
      contentType: 'image/jpeg',
      cacheControl: 'max-age=60',
    });
    await storage.putObject(`uploads/${videoId}/source`, Buffer.from('source bytes'), {
      contentType: 'video/mp4',
      cacheControl: 'no-store',
    });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await storage.deletePrefix(`videos/${videoId}/`);
    await storage.deletePrefix(`uploads/${videoId}/`);
  });

  it("passes every probe through the verifying edge trusting Velvet's key", async () => {
    const cdn = await edge(new Map([[KEY_ID, readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8')]]));
    const report = await doctor(cdn);
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(Object.keys(byName(report))).toEqual([
      'cookie-domain',
      'cdn-https',
      'unsigned-refused',
      'signed-served',
      'signed-query-served',
      'unknown-key-refused',
      'other-video-refused',
      'other-video-query-refused',
      'expired-refused',
      'uploads-not-served',
      'downloads-cookies-refused',
      'downloads-signed-url-served',
      'bucket-private',
      'cors',
      'http-refused',
      'ipv6',
    ]);
    expect(byName(report)['unsigned-refused']!.detail).toMatch(/403 MissingKey/);
    expect(byName(report)['unknown-key-refused']!.detail).toMatch(/403 InvalidKey/);
    expect(byName(report)['expired-refused']!.detail).toMatch(/403 AccessDenied/);
    expect(byName(report)['other-video-query-refused']!.detail).toMatch(/403 AccessDenied/);
    expect(byName(report)['downloads-cookies-refused']!.detail).toMatch(/403 MissingKey/);
    expect(byName(report)['downloads-signed-url-served']!.detail).toMatch(/404 NoSuchKey from the origin/);
    expect(report.skipped).toEqual(['AWS API checks: local stack']);
  });

  it('signs every probe with SHA-256 when the key is set to (Hash-Algorithm on the signed URLs too)', async () => {
    const cdn = await edge(new Map([[KEY_ID, readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8')]]));
    const report = await doctor(cdn, { CLOUDFRONT_HASH_ALGORITHM: 'SHA256' });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(byName(report)['downloads-signed-url-served']!.detail).toMatch(/404 NoSuchKey from the origin/);
  });

  it('fails with the restrict-viewer-access message against a CDN that ignores signatures', async () => {
    // A plain file server in front of the same objects: what a behavior without a key group is.
    const open = await listen(
      createServer((req, res) => {
        void (async () => {
          const object = await storage.openObject(
            decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1)),
            {},
          );
          if (!object) return void res.writeHead(404).end();
          res.writeHead(object.status, object.headers);
          await pipeline(object.body!, res);
        })().catch(() => res.destroy());
      }),
    );
    const report = await doctor(open);
    expect(report.ok).toBe(false);
    const checks = byName(report);
    for (const name of [
      'unsigned-refused',
      'unknown-key-refused',
      'expired-refused',
      'uploads-not-served',
      'downloads-cookies-refused',
    ])
      expect(checks[name]!.status).toBe('fail');
    expect(checks['unsigned-refused']!.fix).toMatch(
      /^restrict viewer access: the behavior serving videos\/\* must trust Velvet's key group/,
    );
    expect(checks['signed-served']!.status).toBe('pass');
    expect(checks['other-video-query-refused']!.status).toBe('fail');
  });

  it("fails with the key message against an edge whose trusted key is not Velvet's", async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const checks = byName(await doctor(await edge(new Map([['KSOMEONEELSE', stranger]]))));
    expect(checks['signed-served']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/403 InvalidKey: key id K2JCJMDEHXQW5F is in no key group the behavior trusts/),
    });
    expect(checks['signed-served']!.fix).toMatch(/^CloudFront must trust Velvet's key K2JCJMDEHXQW5F/);
    // Same id, another key: the signature cannot verify.
    const sameId = byName(await doctor(await edge(new Map([[KEY_ID, stranger]]))));
    expect(sameId['signed-served']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/403 AccessDenied: the signature under key K2JCJMDEHXQW5F did not verify/),
    });
  });

  it('runs as a CLI: --json, exit 0 when all pass, 1 on a failure, 2 without a video', async () => {
    const cdn = await edge(new Map([[KEY_ID, readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8')]]));
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
          'node',
          ['-r', join(__dirname, '../../scripts/ts-register.js'), join(__dirname, '../../src/doctor/main.ts'), ...args],
          {
            env: { PATH: process.env.PATH, ...doctorEnv(cdn), ...extra },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const ok = await cli(['--video', videoId, '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThan(10);
    expect(report.skipped).toEqual([expect.stringMatching(/S3_ENDPOINT is set/)]);

    const bad = await cli(['--video', videoId], { COOKIE_DOMAIN: 'example.com' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}cookie-domain: 127\.0\.0\.1 is neither example\.com nor under it/m);
    expect(bad.stdout).toMatch(/^ {6}fix: set COOKIE_DOMAIN/m);
    expect(bad.stdout).toMatch(/^PASS {2}signed-served/m);

    const usage = await cli([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--video is required/);
  });
});
