import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { FluentFfmpegMediaToolkit } from '../../src/adapters/fluent-ffmpeg.media-toolkit';
import { JobQueue } from '../../src/ports/job-queue';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { client, postForm, startApi, startSweeps, testConfig, token, type RunningApi } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

describe('worker safety nets', () => {
  it('refuses to start without a usable ffmpeg, in one readable line', async () => {
    const toolkit = new FluentFfmpegMediaToolkit(testConfig({ FFMPEG_PATH: '/nonexistent/ffmpeg' }));
    await expect(toolkit.verify()).rejects.toThrow(/^ffmpeg is not usable: \/nonexistent\/ffmpeg cannot be run/);
    await expect(new FluentFfmpegMediaToolkit(testConfig()).verify()).resolves.toMatch(/^ffmpeg version/);
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
  });
});
