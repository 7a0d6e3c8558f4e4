import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { FfmpegMediaToolkit } from '../../src/adapters/ffmpeg.media-toolkit';
import { decideFailure } from '../../src/domain/job-failure';
import { MediaError } from '../../src/domain/media-info';
import { hlsVersionPrefix } from '../../src/domain/storage-keys';
import { JobQueue } from '../../src/ports/job-queue';
import { ObjectStorage } from '../../src/ports/object-storage';
import { VideoStore } from '../../src/ports/video-store';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { client, postForm, startApi, startSweeps, testConfig, token, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

describe('worker safety nets', () => {
  it('refuses to start without a usable ffmpeg, in one readable line', async () => {
    const toolkit = new FfmpegMediaToolkit(testConfig({ FFMPEG_PATH: '/nonexistent/ffmpeg' }));
    await expect(toolkit.verify()).rejects.toThrow(/^ffmpeg is not usable: \/nonexistent\/ffmpeg cannot be run/);
    await expect(new FfmpegMediaToolkit(testConfig()).verify()).resolves.toMatch(/^ffmpeg version/);
  });

  describe('ffmpeg and ffprobe, confined', () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'velvet-confined-'));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('gives ffmpeg no environment, no network and no file but its own folders (bubblewrap)', async () => {
      // A secret in the worker's environment, a file beside the job's folders, and a server on loopback.
      process.env.VELVET_TEST_SECRET = 'hunter2';
      const secretDir = mkdtempSync(join(work, 'secret-'));
      writeFileSync(join(secretDir, 'secret.txt'), 'hunter2');
      let requests = 0;
      const server = createServer((_req, res) => {
        requests++;
        res.end('x');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      // Stands in for a decoder an upload took over: it tries what such code would.
      const tools = mkdtempSync(join(work, 'tools-'));
      const evil = join(tools, 'ffmpeg');
      writeFileSync(
        evil,
        [
          '#!/bin/sh',
          'env > env.txt',
          `cat ${join(secretDir, 'secret.txt')} > read.txt 2>&1`,
          `/usr/bin/ffmpeg -v error -i http://127.0.0.1:${port}/ -f null - > net.txt 2>&1`,
          'echo done > done.txt',
          '',
        ].join('\n'),
      );
      chmodSync(evil, 0o755);
      const input = join(mkdtempSync(join(work, 'in-')), 'source.mp4');
      writeFileSync(input, 'not really media');
      const out = mkdtempSync(join(work, 'out-'));
      try {
        const toolkit = new FfmpegMediaToolkit(testConfig({ FFMPEG_PATH: evil, FFMPEG_SANDBOX: 'bwrap' }));
        await toolkit.run(['-f', 'mp4', '-i', `file:${input}`, 'out.mp4'], { cwd: out, timeoutMs: 30_000 });
        expect(readFileSync(join(out, 'done.txt'), 'utf8')).toBe('done\n');
        const env = readFileSync(join(out, 'env.txt'), 'utf8');
        expect(env).not.toContain('hunter2');
        expect(env).not.toMatch(/JWT_SECRET|DATABASE_URL|REDIS_URL|AWS_/);
        expect(readFileSync(join(out, 'read.txt'), 'utf8')).toMatch(/No such file/);
        expect(readFileSync(join(out, 'net.txt'), 'utf8')).toMatch(/Connection refused|Network is unreachable/);
        expect(requests).toBe(0);
      } finally {
        delete process.env.VELVET_TEST_SECRET;
        server.close();
      }
    });

    it('ends a decode that needs more memory than its limit, or more time than its budget, with a typed media error', async () => {
      const hd = join(work, 'hd.mp4');
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=1920x1080:d=1:r=25',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        hd,
      ]);
      const decode = ['-v', 'error', '-f', 'mp4', '-i', `file:${hd}`, '-f', 'null', '-'];
      const small = new FfmpegMediaToolkit(testConfig({ FFMPEG_MEMORY_LIMIT_MB: '300' }));
      await expect(small.run(decode, { cwd: work, timeoutMs: 60_000 })).rejects.toMatchObject({
        name: 'MediaError',
        code: 'decode_out_of_memory',
      });
      const roomy = new FfmpegMediaToolkit(testConfig());
      await expect(roomy.run(decode, { cwd: work, timeoutMs: 60_000 })).resolves.toBeUndefined();
      // Encoding a second of 1080p at the slowest preset takes far longer than 300 ms.
      const slow = [
        '-v',
        'error',
        '-f',
        'mp4',
        '-i',
        `file:${hd}`,
        '-c:v',
        'libx264',
        '-preset',
        'veryslow',
        '-f',
        'null',
        '-',
      ];
      await expect(roomy.run(slow, { cwd: work, timeoutMs: 300 })).rejects.toMatchObject({
        name: 'MediaError',
        code: 'decode_too_slow',
      });
      // Both are final: the video fails with the code instead of being retried.
      expect(decideFailure(new MediaError('decode_too_slow', 'x'), 1, 3)).toMatchObject({
        final: true,
        videoFailure: { code: 'decode_too_slow' },
      });
    });
  });

  describe('the reconcile sweep', () => {
    let api: RunningApi;
    let ctx: INestApplicationContext;
    let db: Client;
    const overrides = { RECONCILE_AFTER_SECONDS: '30' };

    beforeAll(async () => {
      api = await startApi(overrides);
      // The sweep's service with the real bindings, without starting any processor.
      ctx = await startSweeps(overrides);
      db = new Client({ connectionString: testDatabaseUrl() });
      await db.connect();
    });
    afterAll(async () => {
      await db.end();
      await ctx.close();
      await api.close();
    });

    it('re-queues a video stuck in queued whose job was lost, and leaves live ones alone', async () => {
      const user = client(api.url, await token('sweeper'));
      const make = async () => {
        const { video, upload } = (
          await user('POST', '/v1/videos', { title: 's', contentType: 'video/mp4', sizeBytes: 10 })
        ).json;
        await postForm(upload, randomBytes(10), 'video/mp4');
        expect((await user('POST', `/v1/videos/${video.id}/upload/complete`, {})).status).toBe(202);
        return video.id as string;
      };
      const lost = await make();
      const live = await make();
      const jobs = ctx.get(JobQueue);
      await jobs.cancelTranscode(lost);
      expect(await jobs.transcodeJobState(lost)).toBe('absent');
      await db.query(`UPDATE videos SET updated_at = now() - interval '1 minute' WHERE id = ANY($1)`, [[lost, live]]);

      const sweep = ctx.get(MaintenanceService);
      expect(await sweep.reconcileStuckVideos()).toBe(1);
      expect(await jobs.transcodeJobState(lost)).toBe('pending');
      expect(await jobs.transcodeJobState(live)).toBe('pending');
      // Nothing is stuck any more: a second sweep changes nothing.
      expect(await sweep.reconcileStuckVideos()).toBe(0);
    });

    it('deletes a replaced version whose delayed delete Redis lost, from the row PostgreSQL kept', async () => {
      const user = client(api.url, await token('retirer'));
      const { video } = (await user('POST', '/v1/videos', { title: 'r', contentType: 'video/mp4', sizeBytes: 10 }))
        .json;
      await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v2', ready_at = now() WHERE id = $1`, [
        video.id,
      ]);
      const storage = ctx.get(ObjectStorage);
      const put = (key: string) =>
        storage.putObject(key, 'x', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'no-cache' });
      await put(`${hlsVersionPrefix(video.id, 'v1')}master.m3u8`);
      await put(`${hlsVersionPrefix(video.id, 'v2')}master.m3u8`);
      const store = ctx.get(VideoStore);
      // Recorded as the publication does, due already; no maintenance job exists for it.
      await store.retireVersions(video.id, ['v1'], new Date(Date.now() - 1000));
      await ctx.get(MaintenanceService).sweepOrphanedWork();
      expect((await storage.listObjects(`videos/${video.id}/`)).map((o) => o.key)).toEqual([
        `${hlsVersionPrefix(video.id, 'v2')}master.m3u8`,
      ]);
      expect(await store.dueRetiredVersions(new Date(), 100)).not.toContainEqual(
        expect.objectContaining({ videoId: video.id }),
      );
    });
  });
});
