import { Test } from '@nestjs/testing';
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

describe('each process builds only its own services', () => {
  it.each([
    {
      process:
        'the api: uploads, catalog, paywall, webhook endpoints and health; nothing that transcodes or consumes jobs',
      root: () => ApiModule.forRoot(testConfig()),
      own: API_SIDE,
      other: WORKER_SIDE,
    },
    {
      process: "the worker: transcoding, maintenance and webhook delivery; none of the api's use cases",
      root: () => WorkerModule.forRoot(testConfig()),
      own: WORKER_SIDE,
      other: API_SIDE,
    },
  ])('$process', async ({ root, own, other }) => {
    // Compiled, never started: no processor consumes a job.
    const compiled = await Test.createTestingModule({ imports: [root()] }).compile();
    const has = (token: unknown) => {
      try {
        compiled.get(token as never);
        return true;
      } catch {
        return false;
      }
    };
    try {
      expect(own.filter((s) => !has(s)).map((s) => s.name)).toEqual([]);
      expect(other.filter((s) => has(s)).map((s) => s.name)).toEqual([]);
    } finally {
      await compiled.close();
    }
  });
});
