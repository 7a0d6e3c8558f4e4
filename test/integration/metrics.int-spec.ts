/**
 * `/metrics` (Prometheus) on the api and on the worker, over the real services: the queues'
 * depths with prioritized jobs, sessions by outcome, job runs and webhook tries by outcome, and
 * process metrics; never on the public api port unless configured.
 */
import { newVideoId } from '../../src/domain/ids';
import { JobQueue } from '../../src/ports/job-queue';
import { VideoStore } from '../../src/ports/video-store';
import { BacklogReporter } from '../../src/services/operations/backlog-reporter';
import { MetricsEndpoint } from '../../src/services/operations/metrics-endpoint';
import { client, startApi, token, type RunningApi } from '../support/harness';
import { startStack } from '../support/pipeline';
import { startReceiver } from '../support/webhook-receiver';

/** The value of one series in an exposition, or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(endpoint: MetricsEndpoint): Promise<{ status: number; type: string | null; text: string }> {
  const { port } = endpoint.address()!;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** A video row moved to queued, as an upload's completion leaves it. */
async function queuedVideo(videos: VideoStore): Promise<string> {
  const id = newVideoId();
  await videos.insert({
    id,
    ownerId: 'metrics-test',
    title: 'metrics',
    access: 'paid',
    contentType: 'video/mp4',
    sizeBytes: 1000,
    filename: null,
    uploadStrategy: 'single',
    multipartUploadId: null,
    partSize: null,
    partCount: null,
  });
  expect(await videos.transition(id, 'awaiting_upload', 'queued')).not.toBeNull();
  return id;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('/metrics on the api', () => {
  // No worker here: a queued job stays where it waits.
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({ METRICS_PORT: '0' });
  });
  afterAll(() => api.close());

  it('shows the queues by state, prioritized jobs included, and process metrics, on its own port', async () => {
    const endpoint = api.app.get(MetricsEndpoint, { strict: false });
    const before = await scrape(endpoint);
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(before.text, 'velvet_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    for (const queue of ['transcode', 'maintenance', 'webhooks'])
      for (const state of ['wait', 'prioritized', 'delayed', 'delayed_due', 'active', 'failed'])
        expect(value(before.text, `velvet_queue_jobs{queue="${queue}",state="${state}"}`)).toBeGreaterThanOrEqual(0);

    // A transcode job (for a video no row describes: a worker skips it) waits with its priority,
    // where a plain Redis list scaler on bull:transcode:wait would never see it.
    const prioritized = (text: string) => value(text, 'velvet_queue_jobs{queue="transcode",state="prioritized"}')!;
    await api.app.get(JobQueue, { strict: false }).enqueueTranscode(newVideoId());
    const after = await scrape(endpoint);
    expect(prioritized(after.text)).toBe(prioritized(before.text) + 1);
    // The api port stays without it.
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  });

  it('reports the backlog, the oldest queued video and the failures of the hour as CloudWatch metric lines', async () => {
    const reporter = api.app.get(BacklogReporter, { strict: false });
    const videos = api.app.get(VideoStore, { strict: false });
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const before = (await reporter.report())!;
      await api.app.get(JobQueue, { strict: false }).enqueueTranscode(newVideoId());
      // One video waits in queued, one fails: both from the database, which Redis losing its jobs leaves true.
      const [waiting, failing] = await Promise.all([queuedVideo(videos), queuedVideo(videos)]);
      expect(await videos.markFailed(failing, 'corrupt_media', 'test')).not.toBeNull();
      await new Promise((r) => setTimeout(r, 1100));
      const after = (await reporter.report())!;
      expect(after.TranscodeBacklog).toBe(before.TranscodeBacklog + 1);
      expect(after.VideosFailedLastHour).toBe(before.VideosFailedLastHour + 1);
      expect(after.OldestQueuedVideoSeconds).toBeGreaterThanOrEqual(1);
      await videos.markFailed(waiting, 'corrupt_media', 'test');
    } finally {
      write.mockRestore();
    }
    const last = JSON.parse(lines.at(-1)!);
    expect(last).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Velvet', Dimensions: [['Deployment']] }] },
      Deployment: 'velvet',
    });
    expect(last.TranscodeBacklog).toBeGreaterThanOrEqual(1);
    expect(last._aws.CloudWatchMetrics[0].Metrics).toContainEqual({
      Name: 'OldestQueuedVideoSeconds',
      Unit: 'Seconds',
    });
  });

  it('counts playback sessions by outcome', async () => {
    const endpoint = api.app.get(MetricsEndpoint, { strict: false });
    const viewer = client(api.url, await token('metered-viewer', []));
    const refused = 'velvet_playback_sessions_total{outcome="playback_not_configured"}';
    const before = value((await scrape(endpoint)).text, refused) ?? 0;
    expect((await viewer('POST', `/v1/videos/${newVideoId()}/playback-sessions`)).json.code).toBe(
      'playback_not_configured',
    );
    expect(value((await scrape(endpoint)).text, refused)).toBe(before + 1);
  });

  it('serves it on the api port only when METRICS_ON_API_PORT says so', async () => {
    const exposed = await startApi({ METRICS_ON_API_PORT: 'true' });
    try {
      const res = await fetch(`${exposed.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('velvet_queue_jobs{queue="webhooks"');
    } finally {
      await exposed.close();
    }
  });
});

describe('/metrics on the worker', () => {
  it('counts job runs by queue, name and outcome, and webhook tries by outcome', async () => {
    const stack = await startStack({ METRICS_PORT: '0' }, 'metered-hooks');
    const receiver = await startReceiver();
    try {
      const worker = stack.worker.get(MetricsEndpoint);
      const hook = (await stack.user('POST', '/v1/webhooks', { url: receiver.url })).json;
      expect((await stack.user('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
      await until('the test delivery', async () => receiver.received[0]);
      const text = await until('the metrics of the try', async () => {
        const { text } = await scrape(worker);
        return (value(text, 'velvet_webhook_deliveries_total{outcome="succeeded"}') ?? 0) >= 1 ? text : undefined;
      });
      expect(
        value(text, 'velvet_job_duration_seconds_count{queue="webhooks",name="deliver-webhook",outcome="completed"}'),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await receiver.close();
      await stack.close();
    }
  });
});
