import { Test, type TestingModule } from '@nestjs/testing';
import { ApiModule } from '../../src/api.module';
import { CaptionsService } from '../../src/services/catalog/captions.service';
import { VideosService } from '../../src/services/catalog/videos.service';
import { HealthService } from '../../src/services/operations/health.service';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { PlaybackService } from '../../src/services/paywall/playback.service';
import { TranscodeService } from '../../src/services/transcoding/transcode.service';
import { TranscodingJobs } from '../../src/services/transcoding/transcoding-jobs.service';
import { UploadsService } from '../../src/services/uploads/uploads.service';
import { WebhookDeliveryService } from '../../src/services/webhooks/webhook-delivery.service';
import { WebhookRelayLoop } from '../../src/services/webhooks/webhook-relay.loop';
import { WebhooksService } from '../../src/services/webhooks/webhooks.service';
import { TranscodeProcessor } from '../../worker/transcode.processor';
import { WorkerModule } from '../../worker/worker.module';
import { testConfig } from '../support/harness';

const API_SIDE = [UploadsService, VideosService, CaptionsService, PlaybackService, WebhooksService, HealthService];
const WORKER_SIDE = [
  TranscodingJobs,
  TranscodeService,
  MaintenanceService,
  WebhookDeliveryService,
  WebhookRelayLoop,
  TranscodeProcessor,
];

/** Which providers a process's composition root builds (compiled, never started: nothing consumes a job). */
async function built(module: unknown): Promise<{ has: (token: unknown) => boolean; close: () => Promise<void> }> {
  const compiled: TestingModule = await Test.createTestingModule({ imports: [module as never] }).compile();
  const has = (token: unknown) => {
    try {
      compiled.get(token as never);
      return true;
    } catch {
      return false;
    }
  };
  return { has, close: () => compiled.close() };
}

describe('each process builds only its own services', () => {
  it('the api: uploads, catalog, paywall, webhook endpoints and health; nothing that transcodes or consumes jobs', async () => {
    const api = await built(ApiModule.forRoot(testConfig()));
    try {
      expect(API_SIDE.filter((s) => !api.has(s)).map((s) => s.name)).toEqual([]);
      expect(WORKER_SIDE.filter((s) => api.has(s)).map((s) => s.name)).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("the worker: transcoding, maintenance and webhook delivery; none of the api's use cases", async () => {
    const worker = await built(WorkerModule.forRoot(testConfig()));
    try {
      expect(WORKER_SIDE.filter((s) => !worker.has(s)).map((s) => s.name)).toEqual([]);
      expect(API_SIDE.filter((s) => worker.has(s)).map((s) => s.name)).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
