import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Client } from 'pg';
import { fixture } from '../support/fixtures';
import { client, startApi, testEnv, token, type Api } from '../support/harness';
import { startStack, uploadFile, waitForFinal, type Stack } from '../support/pipeline';
import { testDatabaseUrl } from '../support/test-env';
import { startReceiver, until, type Received, type Receiver } from '../support/webhook-receiver';

/** Real PostgreSQL, Redis, api and worker; receivers on loopback (WEBHOOK_ALLOW_PRIVATE in tests). */
describe('webhooks', () => {
  let stack: Stack;
  let db: Client;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startStack({ WEBHOOK_TIMEOUT_SECONDS: '2', WEBHOOK_RELAY_INTERVAL_MS: '50' }, 'hooked');
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await db.end();
    await stack.close();
  });

  async function receiver(answer?: Receiver['answer']): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  async function subscribe(
    user: Api,
    url: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; secret: string }> {
    const created = await user('POST', '/v1/webhooks', { url, ...extra });
    expect(created.status).toBe(201);
    return created.json;
  }

  const verified = (secret: string, r: Received) =>
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as any;

  it("delivers a video's whole life, signed, in sequence order, to its owner only", async () => {
    const mine = await receiver();
    const disabled = await receiver();
    const theirs = await receiver();
    const hook = await subscribe(stack.user, mine.url);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const off = await subscribe(stack.user, disabled.url);
    expect((await stack.user('PATCH', `/v1/webhooks/${off.id}`, { enabled: false })).json.disabledAt).not.toBeNull();
    const other = client(stack.api.url, await token('someone-else'));
    await subscribe(other, theirs.url);

    const id = await uploadFile(stack.user, fixture('standard'), 'video/mp4');
    expect((await waitForFinal(stack.user, id)).status).toBe('ready');
    expect((await stack.user('DELETE', `/v1/videos/${id}`)).status).toBe(204);

    const events = await until('the deleted event', () => {
      const all = mine.received.map((r) => verified(hook.secret, r)).filter((e) => e.data.video.id === id);
      return all.some((e) => e.type === 'video.deleted') ? all : undefined;
    });
    const unique = [...new Map(events.map((e) => [e.id, e])).values()].sort((a, b) => a.sequence - b.sequence);
    expect(unique.map((e) => e.type)).toEqual([
      'video.created',
      'video.upload.completed',
      'video.processing',
      'video.playable',
      'video.ready',
      'video.deleted',
    ]);
    expect(unique.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    const ready = unique.find((e) => e.type === 'video.ready');
    expect(ready.data.video).toMatchObject({ id, status: 'ready', playable: true });
    // The webhook-id is the event id, the same on every try of it.
    expect(mine.received.every((r) => String(r.headers['webhook-id']).startsWith('evt_'))).toBe(true);
    expect(disabled.received).toEqual([]);
    expect(theirs.received).toEqual([]);

    const deliveries = await stack.user('GET', `/v1/webhooks/${hook.id}/deliveries?status=succeeded&limit=100`);
    expect(deliveries.json.items.filter((d: any) => d.type.startsWith('video.')).length).toBeGreaterThanOrEqual(6);
    expect(deliveries.json.items[0]).toMatchObject({
      status: 'succeeded',
      responseStatus: 200,
      attempt: 1,
      nextAttemptAt: null,
    });
  });

  it('retries after a 500, a timeout and a refused connection, then succeeds', async () => {
    const flaky = await receiver((_, i) => (i === 0 ? 500 : 200));
    const slow = await receiver((_, i) => (i === 0 ? 'hang' : 200));
    const gone = await receiver();
    const goneUrl = gone.url;
    await gone.close();
    const hooks = await Promise.all([flaky.url, slow.url, goneUrl].map((url) => subscribe(stack.user, url)));
    const tests = await Promise.all(hooks.map((h) => stack.user('POST', `/v1/webhooks/${h.id}/test`)));
    for (const t of tests) expect(t.status).toBe(202);
    // The refused one comes back on the same port once its first try failed, before the retry (about 10 s).
    await until('the refused first try', async () => {
      const { json } = await stack.user('GET', `/v1/webhooks/${hooks[2]!.id}/deliveries`);
      return json.items[0]?.attempt === 1 ? json.items[0] : undefined;
    });
    const back = await startReceiver(() => 200, Number(new URL(goneUrl).port));
    receivers.push(back);
    const final = async (hookId: string, deliveryId: string) =>
      until(
        `delivery ${deliveryId}`,
        async () => {
          const { json } = await stack.user('GET', `/v1/webhooks/${hookId}/deliveries`);
          const d = json.items.find((x: any) => x.id === deliveryId);
          return d?.status === 'succeeded' ? d : undefined;
        },
        40,
      );
    const done = await Promise.all(hooks.map((h, i) => final(h.id, tests[i]!.json.id)));
    expect(done.map((d) => d.attempt)).toEqual([2, 2, 2]);
    // Every try is kept, the retried failure included: the 500, the timeout, the refused connection.
    expect(done.map((d) => d.attempts.map((a: any) => [a.attempt, a.responseStatus]))).toEqual([
      [
        [1, 500],
        [2, 200],
      ],
      [
        [1, null],
        [2, 200],
      ],
      [
        [1, null],
        [2, 200],
      ],
    ]);
    expect(done[0].attempts[0]).toMatchObject({ error: 'HTTP 500', durationMs: expect.any(Number) });
    expect(done[1].attempts[0].error).toMatch(/^no answer within/);
    expect(done[2].attempts[0].error).toMatch(/^ECONNREFUSED connecting to 127\.0\.0\.1$/);
    expect(Date.parse(done[0].attempts[1].at)).toBeGreaterThan(Date.parse(done[0].attempts[0].at));
    const refused = (await stack.user('GET', `/v1/webhooks/${hooks[2]!.id}/deliveries`)).json.items[0];
    expect(refused.error).toBeNull();
    expect(flaky.received).toHaveLength(2);
    const [first, second] = flaky.received;
    // The first retry came about 10 s later (±20 % jitter).
    expect(second!.at - first!.at).toBeGreaterThan(7_000);
    expect(second!.at - first!.at).toBeLessThan(14_000);
    expect(verified(hooks[0]!.secret, second!).type).toBe('webhook.test');
  }, 60_000);

  it('fails a delivery past the retry window, and redelivers it on request', async () => {
    const down = await receiver(() => 503);
    const hook = await subscribe(stack.user, down.url);
    const test = await stack.user('POST', `/v1/webhooks/${hook.id}/test`);
    // The delivery was created long ago: its window has closed by the first failure.
    await db.query(`UPDATE webhook_deliveries SET created_at = now() - interval '25 hours' WHERE id = $1`, [
      test.json.id,
    ]);
    const failed = await until('failed', async () => {
      const { json } = await stack.user('GET', `/v1/webhooks/${hook.id}/deliveries?status=failed`);
      return json.items[0];
    });
    expect(failed).toMatchObject({
      id: test.json.id,
      status: 'failed',
      responseStatus: 503,
      error: 'HTTP 503',
      nextAttemptAt: null,
    });
    down.answer = () => 200;
    const again = await stack.user('POST', `/v1/webhooks/${hook.id}/deliveries/${test.json.id}/redeliver`);
    expect(again.status).toBe(202);
    await until(
      'redelivered',
      async () => (await stack.user('GET', `/v1/webhooks/${hook.id}/deliveries?status=succeeded`)).json.items[0],
    );
    // Every failed try reached the receiver, and the redelivery once more.
    expect(down.received.length).toBe(failed.attempt + 1);
  });

  it('signs with both secrets during a rotation', async () => {
    const r = await receiver();
    const hook = await subscribe(stack.user, r.url);
    const rotated = await stack.user('POST', `/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.json.secret).not.toBe(hook.secret);
    await stack.user('POST', `/v1/webhooks/${hook.id}/test`);
    const got = await until('the test event', () => r.received[0]);
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(hook.secret, got).type).toBe('webhook.test');
    expect(verified(rotated.json.secret, got).type).toBe('webhook.test');
  });

  it('tells of details changed and grants given and taken, and an admin\'s "all" endpoint hears every creator', async () => {
    const mine = await receiver();
    const everyone = await receiver();
    const hook = await subscribe(stack.user, mine.url, { events: ['video.updated', 'grant.created', 'grant.revoked'] });
    const admin = client(stack.api.url, await token('root', ['admin']));
    const all = await subscribe(admin, everyone.url, { scope: 'all', events: ['video.created'] });
    const video = (
      await stack.user('POST', '/v1/videos', {
        title: 'before',
        contentType: 'video/mp4',
        sizeBytes: 1000,
        access: 'paid',
      })
    ).json.video;
    await stack.user('PATCH', `/v1/videos/${video.id}`, { title: 'after' });
    expect((await stack.user('PUT', `/v1/videos/${video.id}/grants/viewer-1`, {})).status).toBeLessThan(300);
    expect((await stack.user('DELETE', `/v1/videos/${video.id}/grants/viewer-1`)).status).toBeLessThan(300);
    const events = await until('three events', () =>
      mine.received.length >= 3 ? mine.received.map((r) => verified(hook.secret, r)) : undefined,
    );
    const ordered = events.filter((e) => e.data.video.id === video.id).sort((a, b) => a.sequence - b.sequence);
    expect(ordered.map((e) => e.type)).toEqual(['video.updated', 'grant.created', 'grant.revoked']);
    expect(ordered[0].data.video.title).toBe('after');
    expect(ordered[1].data.grant).toMatchObject({ videoId: video.id, userId: 'viewer-1' });
    // Sequences count every event of the video, the ones this endpoint does not take included.
    expect(ordered.map((e) => e.sequence)).toEqual([2, 3, 4]);
    const heard = await until('the admin endpoint', () =>
      everyone.received.map((r) => verified(all.secret, r)).find((e) => e.data.video.id === video.id),
    );
    expect(heard.type).toBe('video.created');
  });

  it('refuses, at creation, URLs that show a non-public address when private addresses are not allowed', async () => {
    const strict = await startApi({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    try {
      const user = client(strict.url, await token('careful'));
      for (const url of [
        'http://127.0.0.1:9/hook',
        'http://2130706433/',
        'http://0x7f.1/',
        'http://[::ffff:127.0.0.1]/',
        'http://169.254.169.254/latest/',
        'http://localhost:8080/',
      ]) {
        const answer = await user('POST', '/v1/webhooks', { url });
        expect(answer.status).toBe(422);
        expect(answer.json.code).toBe('webhook_url_not_public');
      }
      expect((await user('POST', '/v1/webhooks', { url: 'ftp://hooks.example.com/' })).json.code).toBe(
        'invalid_webhook_url',
      );
      expect((await user('POST', '/v1/webhooks', { url: 'https://hooks.example.com/velvet' })).status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('keeps endpoints to their owner and checks input', async () => {
    const r = await receiver();
    const hook = await subscribe(stack.user, r.url);
    const other = client(stack.api.url, await token('intruder'));
    expect((await other('GET', `/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await other('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(404);
    expect((await other('GET', '/v1/webhooks')).json.items).toEqual([]);
    expect((await stack.user('POST', '/v1/webhooks', { url: r.url, scope: 'all' })).json.code).toBe('forbidden');
    expect((await stack.user('POST', '/v1/webhooks', { url: r.url, events: ['video.nope'] })).status).toBe(400);
    const listed = await stack.user('GET', '/v1/webhooks');
    expect(listed.json.items.find((w: any) => w.id === hook.id)).not.toHaveProperty('secret');
  });
});

describe('webhooks, one process at a time', () => {
  let stack: Stack;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startStack({ WEBHOOK_TIMEOUT_SECONDS: '2', WEBHOOK_RELAY_INTERVAL_MS: '50' }, 'survivor');
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack.close();
  });

  it('delivers the event of a change whose process was SIGKILLed right after it committed', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const created = await stack.user('POST', '/v1/webhooks', { url: r.url, events: ['video.failed'] });
    const video = await stack.user('POST', '/v1/videos', {
      title: 'doomed',
      contentType: 'video/mp4',
      sizeBytes: 1000,
    });
    const child = spawn(
      'node',
      [
        '-r',
        join(__dirname, '../../scripts/ts-register.js'),
        join(__dirname, '../support/change-then-die.ts'),
        video.json.video.id,
      ],
      {
        env: { PATH: process.env.PATH, ...testEnv() },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const signal = await new Promise<string | null>((resolve) => child.once('exit', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    expect(out).toBe('changed\n');
    const got = await until('the failed event', () => r.received[0]);
    const event = new Webhook(created.json.secret).verify(got.body, got.headers as Record<string, string>) as any;
    expect(event).toMatchObject({
      type: 'video.failed',
      data: { video: { id: video.json.video.id, status: 'failed' } },
    });
  });

  it("never lets one slow endpoint hold back another's deliveries", async () => {
    const slow = await startReceiver(() => 'hang');
    const fast = await startReceiver();
    receivers.push(slow, fast);
    const slowHook = (await stack.user('POST', '/v1/webhooks', { url: slow.url })).json;
    const fastHook = (await stack.user('POST', '/v1/webhooks', { url: fast.url })).json;
    // More tries to the slow endpoint than the worker has delivery slots (16).
    await Promise.all(Array.from({ length: 24 }, () => stack.user('POST', `/v1/webhooks/${slowHook.id}/test`)));
    await until('the slow endpoint busy', () => slow.received.length >= 4 || undefined);
    await stack.user('POST', `/v1/webhooks/${fastHook.id}/test`);
    const got = await until('the fast delivery', () => fast.received[0]);
    // It arrived while the slow endpoint's first tries were still hanging (they time out after 2 s).
    expect(got.at).toBeLessThan(slow.received[0]!.at + 2_000);
    expect(slow.received.length).toBeLessThanOrEqual(4);
  });

  it('disables an endpoint that failed for WEBHOOK_DISABLE_AFTER_DAYS, and can enable it again', async () => {
    const r = await startReceiver(() => 500);
    receivers.push(r);
    const hook = (await stack.user('POST', '/v1/webhooks', { url: r.url })).json;
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      await db.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '6 days' WHERE id = $1`, [hook.id]);
    } finally {
      await db.end();
    }
    await stack.user('POST', `/v1/webhooks/${hook.id}/test`);
    const disabled = await until(
      'disabled',
      async () => (await stack.user('GET', `/v1/webhooks/${hook.id}`)).json.disabledAt ?? undefined,
    );
    expect(typeof disabled).toBe('string');
    const enabled = await stack.user('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true });
    expect(enabled.json.disabledAt).toBeNull();
  });
});
