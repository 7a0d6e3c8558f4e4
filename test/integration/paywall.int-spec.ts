import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { client, startApi, token, type Api, type RunningApi } from '../support/harness';
import { edgeAllowsSession, edgeAllowsSignedUrl, PLAYBACK_ENV } from '../support/playback-cookies';
import { testDatabaseUrl } from '../support/test-env';

const epoch = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
const session = (user: Api, id: string, playerId?: string) =>
  user('POST', `/v1/videos/${id}/playback-sessions`, playerId ? { playerId } : undefined);

describe('the paywall: collections, rentals, premieres, takedowns', () => {
  let api: RunningApi;
  let db: Client;
  let owner: Api;
  let other: Api;
  let buyer: Api;
  let late: Api;

  async function readyVideo(as: Api, title: string): Promise<string> {
    const { video } = (
      await as('POST', '/v1/videos', { title, contentType: 'video/mp4', sizeBytes: 10, access: 'paid' })
    ).json;
    await db.query(
      `UPDATE videos SET status = 'ready', hls_version = 'v1', width = 640, height = 360, ready_at = now() WHERE id = $1`,
      [video.id],
    );
    return video.id;
  }

  beforeAll(async () => {
    api = await startApi(PLAYBACK_ENV);
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    owner = client(api.url, await token('course-author'));
    other = client(api.url, await token('other-author'));
    buyer = client(api.url, await token('buyer', []));
    late = client(api.url, await token('late-buyer', []));
  });

  afterAll(async () => {
    await db.end();
    await api.close();
  });

  it('opens every video of a collection to its grant, later ones too; a removed one stays for grants live then', async () => {
    const [a, b, c] = [
      await readyVideo(owner, 'lesson 1'),
      await readyVideo(owner, 'lesson 2'),
      await readyVideo(owner, 'lesson 3'),
    ];
    const foreign = await readyVideo(other, 'not mine');
    const course = (await owner('POST', '/v1/collections', { title: 'The course', description: 'three lessons' })).json;
    expect(course.id).toMatch(/^col_/);
    await owner('PUT', `/v1/collections/${course.id}/items/${b}`, { position: 2 });
    await owner('PUT', `/v1/collections/${course.id}/items/${a}`, { position: 1 });
    expect((await owner('PUT', `/v1/collections/${course.id}/items/${foreign}`)).status).toBe(404);
    expect((await other('PUT', `/v1/collections/${course.id}/items/${foreign}`)).status).toBe(404);
    expect((await owner('GET', `/v1/collections/${course.id}`)).json.videos.map((v: any) => v.id)).toEqual([a, b]);

    expect((await session(buyer, a)).json.code).toBe('not_entitled');
    expect((await owner('PUT', `/v1/collections/${course.id}/grants/buyer`)).status).toBe(200);
    expect((await session(buyer, a)).status).toBe(201);
    expect((await session(buyer, c)).json.code).toBe('not_entitled');
    await owner('PUT', `/v1/collections/${course.id}/items/${c}`);
    expect((await session(buyer, c)).status).toBe(201);
    expect((await buyer('GET', `/v1/collections/${course.id}`)).json.videos).toHaveLength(3);
    // The grant holder sees what a viewer may of a private video; the owner sees it whole.
    await db.query(`UPDATE videos SET filename = 'IMG_0042 (private).mov' WHERE id = $1`, [a]);
    const seen = (await buyer('GET', `/v1/collections/${course.id}`)).json.videos[0];
    expect(Object.keys(seen).sort()).toEqual(
      [
        'access',
        'availableFrom',
        'availableUntil',
        'durationSeconds',
        'height',
        'id',
        'playable',
        'title',
        'width',
      ].sort(),
    );
    expect(JSON.stringify(seen)).not.toContain('IMG_0042');
    expect((await owner('GET', `/v1/collections/${course.id}`)).json.videos[0]).toMatchObject({
      filename: 'IMG_0042 (private).mov',
      ownerId: 'course-author',
    });

    expect((await owner('DELETE', `/v1/collections/${course.id}/items/${b}`)).status).toBe(204);
    expect((await session(buyer, b)).status).toBe(201);
    await owner('PUT', `/v1/collections/${course.id}/grants/late-buyer`);
    expect((await session(late, b)).json.code).toBe('not_entitled');
    expect((await session(late, a)).status).toBe(201);

    expect((await owner('DELETE', `/v1/collections/${course.id}/grants/buyer`)).status).toBe(204);
    expect((await session(buyer, a)).json.code).toBe('not_entitled');
    expect((await session(buyer, b)).json.code).toBe('not_entitled');
  });

  it('lists, renames and deletes a collection; deleting it takes its grants', async () => {
    const video = await readyVideo(owner, 'season 1, episode 1');
    const season = (await owner('POST', '/v1/collections', { title: 'Season 1' })).json;
    await owner('PUT', `/v1/collections/${season.id}/items/${video}`);
    await owner('PUT', `/v1/collections/${season.id}/grants/late-buyer`, {
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect((await owner('GET', `/v1/collections/${season.id}/grants`)).json.items).toEqual([
      expect.objectContaining({ userId: 'late-buyer', expiresAt: expect.any(String) }),
    ]);
    expect(
      (await owner('PATCH', `/v1/collections/${season.id}`, { title: 'Season one', description: null })).json,
    ).toMatchObject({ title: 'Season one', description: null });
    expect((await owner('GET', '/v1/collections')).json.items.map((c: any) => c.id)).toContain(season.id);
    expect((await other('GET', '/v1/collections')).json.items.map((c: any) => c.id)).not.toContain(season.id);
    expect((await other('PATCH', `/v1/collections/${season.id}`, { title: 'mine now' })).status).toBe(404);
    expect((await session(late, video)).status).toBe(201);
    expect((await owner('DELETE', `/v1/collections/${season.id}`)).status).toBe(204);
    expect((await session(late, video)).json.code).toBe('not_entitled');
    expect((await owner('GET', `/v1/collections/${season.id}`)).status).toBe(404);
  });

  it('runs a rental from its first session, caps the cookies at its end, and kills one never started past startBy', async () => {
    const film = await readyVideo(owner, 'film');
    const granted = await owner('PUT', `/v1/videos/${film}/grants/buyer`, {
      kind: 'rental',
      rentalSeconds: 3600,
      startBy: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(granted.json).toMatchObject({ kind: 'rental', rentalSeconds: 3600, startedAt: null, endsAt: null });
    const first = await session(buyer, film);
    expect(first.status).toBe(201);
    const [grant] = (await owner('GET', `/v1/videos/${film}/grants`)).json.items;
    expect(grant.startedAt).not.toBeNull();
    expect(new Date(grant.endsAt).getTime() - new Date(grant.startedAt).getTime()).toBe(3_600_000);
    // The clock started once: a second device's session does not restart it.
    await session(buyer, film);
    expect((await owner('GET', `/v1/videos/${film}/grants`)).json.items[0].startedAt).toBe(grant.startedAt);

    // Near its end, the cookies never outlive the rental.
    await db.query(`UPDATE grants SET started_at = now() - interval '3590 seconds' WHERE video_id = $1`, [film]);
    // Written behind the api's back: an edit of the video makes every instance read its facts again.
    await owner('PATCH', `/v1/videos/${film}`, { title: 'film, nearly over' });
    const ending = await session(buyer, film);
    expect(ending.status).toBe(201);
    expect(epoch(ending.json.expiresAt)).toBeLessThanOrEqual(epoch(grant.startedAt) + 3600);

    await db.query(`UPDATE grants SET started_at = now() - interval '2 hours' WHERE video_id = $1`, [film]);
    await owner('PATCH', `/v1/videos/${film}`, { title: 'film, over' });
    expect((await session(buyer, film)).json.code).toBe('not_entitled');

    const unstarted = await readyVideo(owner, 'never started');
    await owner('PUT', `/v1/videos/${unstarted}/grants/buyer`, {
      kind: 'rental',
      rentalSeconds: 3600,
      startBy: new Date(Date.now() - 1000).toISOString(),
    });
    expect((await session(buyer, unstarted)).json.code).toBe('not_entitled');
    expect((await owner('PUT', `/v1/videos/${unstarted}/grants/buyer`, { kind: 'rental' })).status).toBe(400);
  });

  it("gives a premiere's viewers cookies that CloudFront honours only from its start, and holds back no owner", async () => {
    const premiere = await readyVideo(owner, 'premiere');
    await owner('PUT', `/v1/videos/${premiere}/grants/buyer`);
    const start = new Date(Date.now() + 10 * 60_000);
    const patched = await owner('PATCH', `/v1/videos/${premiere}`, { availableFrom: start.toISOString() });
    expect(patched.json.availableFrom).toBe(start.toISOString());
    const early = await session(buyer, premiere);
    expect(early.status).toBe(201);
    expect(early.json.availableFrom).toBe(start.toISOString());
    expect(new Date(early.json.refreshAt).getTime()).toBeGreaterThan(start.getTime());
    expect(new Date(early.json.expiresAt).getTime()).toBeGreaterThan(start.getTime());
    const segment = early.json.manifestUrl.replace('master.m3u8', '720p/seg_00001.m4s');
    const startEpoch = Math.floor(start.getTime() / 1000);
    expect(edgeAllowsSession(early.json, segment, startEpoch - 1)).toBe(false);
    expect(edgeAllowsSession(early.json, segment, startEpoch + 1)).toBe(true);
    // The poster's signed URL waits for the premiere too.
    expect(early.json.posterUrl).toMatch(/poster\.jpg\?.*Policy=/);
    expect(edgeAllowsSignedUrl(early.json.posterUrl, startEpoch - 1)).toBe(false);
    expect(edgeAllowsSignedUrl(early.json.posterUrl, startEpoch + 1)).toBe(true);
    const own = await session(owner, premiere);
    expect(own.json.availableFrom).toBeNull();
    expect(edgeAllowsSession(own.json, segment, Math.floor(Date.now() / 1000))).toBe(true);
    expect(edgeAllowsSignedUrl(own.json.posterUrl, Math.floor(Date.now() / 1000))).toBe(true);
  });

  it('takes a video down: no cookie outlives availableUntil, no session after it, owners still play', async () => {
    const leaving = await readyVideo(owner, 'leaving');
    await owner('PUT', `/v1/videos/${leaving}/grants/buyer`);
    const until = new Date(Date.now() + 120_000);
    await owner('PATCH', `/v1/videos/${leaving}`, { availableUntil: until.toISOString() });
    const last = await session(buyer, leaving);
    expect(epoch(last.json.expiresAt)).toBeLessThanOrEqual(Math.floor(until.getTime() / 1000));
    await owner('PATCH', `/v1/videos/${leaving}`, { availableUntil: new Date(Date.now() - 1000).toISOString() });
    const gone = await session(buyer, leaving);
    expect(gone.status).toBe(403);
    expect(gone.json.code).toBe('not_available');
    expect((await session(owner, leaving)).status).toBe(201);
    expect(
      (
        await owner('PATCH', `/v1/videos/${leaving}`, {
          availableFrom: new Date(Date.now() + 86_400_000).toISOString(),
        })
      ).status,
    ).toBe(400);
  });
});

describe('concurrent streams', () => {
  let refuse: RunningApi;
  let evict: RunningApi;
  let proxied: RunningApi;
  let db: Client;
  let video: string;

  beforeAll(async () => {
    refuse = await startApi({ ...PLAYBACK_ENV, PLAYBACK_MAX_STREAMS: '2' });
    // Behind one proxy hop, the client's address is the last X-Forwarded-For entry.
    proxied = await startApi({ ...PLAYBACK_ENV, PLAYBACK_MAX_STREAMS: '2', TRUST_PROXY: '1' });
    evict = await startApi({ ...PLAYBACK_ENV, PLAYBACK_MAX_STREAMS: '2', PLAYBACK_STREAM_POLICY: 'evict-oldest' });
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    const owner = client(refuse.url, await token('streamer'));
    video = (
      await owner('POST', '/v1/videos', {
        title: 'live-ish',
        contentType: 'video/mp4',
        sizeBytes: 10,
        access: 'public',
      })
    ).json.video.id;
    await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1', ready_at = now() WHERE id = $1`, [video]);
  });

  afterAll(async () => {
    await db.end();
    await refuse.close();
    await evict.close();
    await proxied.close();
  });

  it('counts one player id sent from three addresses as three streams; DELETE frees only its own address', async () => {
    const viewer = client(proxied.url, await token('sharer', []));
    const from = (address: string) => ({ 'x-forwarded-for': address, 'content-type': 'application/json' });
    const play = (address: string) =>
      viewer('POST', `/v1/videos/${video}/playback-sessions`, { playerId: 'shared' }, from(address));
    expect((await play('198.51.100.1')).status).toBe(201);
    expect((await play('198.51.100.2')).status).toBe(201);
    const third = await play('198.51.100.3');
    expect(third.status).toBe(429);
    expect(third.json.code).toBe('too_many_streams');
    // The same device again is a renewal, not a new stream.
    expect((await play('198.51.100.1')).status).toBe(201);
    expect((await viewer('DELETE', '/v1/playback-sessions/shared', undefined, from('198.51.100.2'))).status).toBe(204);
    expect((await play('198.51.100.3')).status).toBe(201);
    expect((await viewer('DELETE', '/v1/playback-sessions/shared', undefined, from('198.51.100.2'))).status).toBe(404);
  });

  it('refuses a third player with too_many_streams, renews on heartbeat, frees on DELETE, with short cookies', async () => {
    const viewer = client(refuse.url, await token('binge', []));
    const a = await session(viewer, video, 'player-a');
    expect(a.status).toBe(201);
    // Under a limit the cookies last PLAYBACK_STREAM_TTL_SECONDS (90) rounded up to 15 s at most.
    expect(epoch(a.json.expiresAt) - epoch(a.json.issuedAt)).toBeLessThanOrEqual(105);
    expect((await session(viewer, video, 'player-b')).status).toBe(201);
    const third = await session(viewer, video, 'player-c');
    expect(third.status).toBe(429);
    expect(third.json).toMatchObject({ code: 'too_many_streams', errors: [{ path: 'limit', message: '2' }] });
    expect(third.json.detail).toMatch(/2 players/);
    expect((await session(viewer, video, 'player-a')).status).toBe(201);
    expect((await viewer('DELETE', '/v1/playback-sessions/player-b')).status).toBe(204);
    expect((await session(viewer, video, 'player-c')).status).toBe(201);
    expect((await viewer('DELETE', '/v1/playback-sessions/player-b')).status).toBe(404);
    expect((await viewer('DELETE', '/v1/playback-sessions/bad%20id')).status).toBe(400);
  });

  it('evicts the oldest lease under evict-oldest', async () => {
    const viewer = client(evict.url, await token('evictee', []));
    expect((await session(viewer, video, 'tv')).status).toBe(201);
    expect((await session(viewer, video, 'phone')).status).toBe(201);
    expect((await session(viewer, video, 'laptop')).status).toBe(201);
    // The tv's lease went; its slot is gone: DELETE finds nothing, the laptop's is there.
    expect((await viewer('DELETE', '/v1/playback-sessions/tv')).status).toBe(404);
    expect((await viewer('DELETE', '/v1/playback-sessions/laptop')).status).toBe(204);
  });
});

describe('grants at the speed of a cache', () => {
  it('applies a revocation on one api instance to another within a second', async () => {
    const one = await startApi(PLAYBACK_ENV);
    const two = await startApi(PLAYBACK_ENV);
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      const owner = client(one.url, await token('cached-owner'));
      const video = (
        await owner('POST', '/v1/videos', { title: 'cached', contentType: 'video/mp4', sizeBytes: 10, access: 'paid' })
      ).json.video.id;
      await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1', ready_at = now() WHERE id = $1`, [video]);
      await owner('PUT', `/v1/videos/${video}/grants/fan`);
      const fanOnTwo = client(two.url, await token('fan', []));
      expect((await session(fanOnTwo, video)).status).toBe(201);
      // Cached on two now: PostgreSQL is not asked again while the broadcast is up.
      expect((await session(fanOnTwo, video)).status).toBe(201);
      const revokedAt = Date.now();
      expect((await owner('DELETE', `/v1/videos/${video}/grants/fan`)).status).toBe(204);
      let refusedAt = 0;
      while (!refusedAt && Date.now() - revokedAt < 3000) {
        if ((await session(fanOnTwo, video)).status === 403) refusedAt = Date.now();
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(refusedAt).toBeGreaterThan(0);
      expect(refusedAt - revokedAt).toBeLessThan(1000);
    } finally {
      await db.end();
      await one.close();
      await two.close();
    }
  });

  it('with Redis gone, serves sessions from PostgreSQL and never a revoked grant past 5 s, never a 500', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const api = await startApi({ ...PLAYBACK_ENV, REDIS_URL: `redis://127.0.0.1:${port}` });
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      const owner = client(api.url, await token('outage-owner'));
      const video = (
        await owner('POST', '/v1/videos', { title: 'outage', contentType: 'video/mp4', sizeBytes: 10, access: 'paid' })
      ).json.video.id;
      await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1', ready_at = now() WHERE id = $1`, [video]);
      await owner('PUT', `/v1/videos/${video}/grants/patient`);
      const viewer = client(api.url, await token('patient', []));
      expect((await session(viewer, video)).status).toBe(201);
      redis.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      const during = await session(viewer, video);
      expect([201, 503]).toContain(during.status);
      // Revoked where this instance cannot hear of it (another instance, Redis down).
      await db.query('DELETE FROM grants WHERE video_id = $1', [video]);
      const revokedAt = Date.now();
      let status = 0;
      while (Date.now() - revokedAt < 7000) {
        const answer = await session(viewer, video);
        expect(answer.status).not.toBe(500);
        status = answer.status;
        if (Date.now() - revokedAt > 5200) expect(status).not.toBe(201);
        if (status === 403) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(403);
    } finally {
      redis.kill('SIGKILL');
      // Back on the same port, so the api's queues close cleanly instead of reconnecting forever.
      const again = await startRedis(port);
      await db.end();
      await api.close();
      again.kill('SIGKILL');
    }
  });
});

/** A Redis of the test's own on loopback, to kill and bring back. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 300));
  return redis;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
