/**
 * Playback beacons through the api into PostgreSQL: a session's view token, events recorded
 * once per (view, sequence number), watch time and coverage kept apart, and the viewer's own
 * progress. The browser side (the SDK player sending them) is the player's test.
 */
import { Client } from 'pg';
import { newPrefixedId } from '../../src/domain/ids';
import { signViewToken } from '../../src/domain/view-token';
import { client, startApi, startSweeps, token, type Api, type RunningApi } from '../support/harness';
import { MaintenanceService } from '../../src/services/operations/maintenance.service';
import { PLAYBACK_ENV } from '../support/playback-cookies';
import { testDatabaseUrl } from '../support/test-env';

const KEY = Buffer.alloc(32, 42);
const ENV = { ...PLAYBACK_ENV, VIEW_TOKEN_KEY: KEY.toString('base64') };

describe('playback analytics: beacons and progress', () => {
  let api: RunningApi;
  let db: Client;
  let owner: Api;
  let student: Api;
  let anonymous: Api;

  async function readyVideo(seconds: number): Promise<string> {
    const { video } = (
      await owner('POST', '/v1/videos', { title: 'lesson', contentType: 'video/mp4', sizeBytes: 10, access: 'public' })
    ).json;
    await db.query(
      `UPDATE videos SET status = 'ready', hls_version = 'v1', width = 640, height = 360, duration_seconds = $2,
         ready_at = now() WHERE id = $1`,
      [video.id, seconds],
    );
    return video.id;
  }
  const session = async (as: Api, id: string, viewToken?: string): Promise<string> => {
    const answer = await as('POST', `/v1/videos/${id}/playback-sessions`, viewToken ? { viewToken } : undefined);
    expect(answer.status).toBe(201);
    expect(typeof answer.json.viewToken).toBe('string');
    return answer.json.viewToken;
  };
  const send = (viewToken: string, events: unknown[], contentType = 'application/json') =>
    fetch(`${api.url}/v1/playback-events`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: JSON.stringify({ viewToken, events }),
    });
  const stored = async (videoId: string) =>
    (
      await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM playback_events e JOIN playback_views v USING (view_id) WHERE v.video_id = $1`,
        [videoId],
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    api = await startApi(ENV);
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    owner = client(api.url, await token('teacher'));
    student = client(api.url, await token('student', []));
    anonymous = client(api.url);
  });

  afterAll(async () => {
    await db.end();
    await api.close();
  });

  // Play 0–4 s, seek to 8, play to 10, seek back to 2, play to 4.
  const seekedAround = [
    { seq: 0, type: 'seek', positionSeconds: 8, intervals: [[0, 4]], startupMs: 850 },
    { seq: 1, type: 'seek', positionSeconds: 2, intervals: [[8, 10]], rendition: '360p' },
    { seq: 2, type: 'pause', positionSeconds: 4, intervals: [[2, 4]], rebufferCount: 1, rebufferMs: 400 },
  ];

  it('counts watch time with replays, coverage once, and resumes at the last position; a replay changes nothing', async () => {
    const id = await readyVideo(30);
    const viewToken = await session(student, id);
    const first = await send(viewToken, seekedAround);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 3, recorded: 3 });
    const progress = (await student('GET', `/v1/videos/${id}/progress`)).json;
    expect(progress).toMatchObject({ videoId: id, views: 1, completed: false });
    expect(progress.positionSeconds).toBeCloseTo(4, 1);
    expect(progress.resumeSeconds).toBeCloseTo(4, 1);
    expect(progress.watchTimeSeconds).toBeCloseTo(8, 1);
    expect(progress.coverage * 30).toBeCloseTo(6, 1);

    // The same batch again, and as sendBeacon sends it (text/plain): nothing new.
    expect(await (await send(viewToken, seekedAround)).json()).toEqual({ accepted: 3, recorded: 0 });
    expect((await send(viewToken, seekedAround.slice(1), 'text/plain;charset=UTF-8')).status).toBe(202);
    expect((await student('GET', `/v1/videos/${id}/progress`)).json).toEqual(progress);
    const view = (
      await db.query(
        `SELECT watch_seconds, startup_ms, rebuffer_count, rebuffer_ms, rendition, viewer_id FROM playback_views WHERE video_id = $1`,
        [id],
      )
    ).rows;
    expect(view).toEqual([
      {
        watch_seconds: 8,
        startup_ms: 850,
        rebuffer_count: 1,
        rebuffer_ms: '400',
        rendition: '360p',
        viewer_id: 'student',
      },
    ]);

    // Watched on to the end under the renewed session's token: completed, and resuming starts over.
    const renewed = await session(student, id, viewToken);
    expect(
      (await send(renewed, [{ seq: 3, type: 'heartbeat', positionSeconds: 29.5, intervals: [[4, 29.5]] }])).status,
    ).toBe(202);
    const done = (await student('GET', `/v1/videos/${id}/progress`)).json;
    expect(done).toMatchObject({ views: 1, completed: true, resumeSeconds: 0 });
    expect(done.positionSeconds).toBeCloseTo(29.5, 1);
    // The renewal carried the token: still one view. A new session without it is another.
    await send(await session(student, id), [{ seq: 0, type: 'heartbeat', positionSeconds: 1, intervals: [[0, 1]] }]);
    expect((await student('GET', `/v1/videos/${id}/progress`)).json.views).toBe(2);
  });

  it('never moves the position back for a beacon that arrives late, but counts what it played', async () => {
    const id = await readyVideo(30);
    const viewToken = await session(student, id);
    await send(viewToken, [{ seq: 5, type: 'pause', positionSeconds: 12, intervals: [[10, 12]] }]);
    await send(viewToken, [{ seq: 4, type: 'heartbeat', positionSeconds: 20, intervals: [[18, 20]] }]);
    const progress = (await student('GET', `/v1/videos/${id}/progress`)).json;
    expect(progress.positionSeconds).toBeCloseTo(12, 1);
    expect(progress.watchTimeSeconds).toBeCloseTo(4, 1);
    expect(progress.coverage * 30).toBeCloseTo(4, 1);
  });

  it('sums beacons of many views sent all at once (shared writes) as if they came one by one', async () => {
    const id = await readyVideo(100);
    const viewers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const as = client(api.url, await token(`crowd-${i}`, []));
        return { as, viewToken: await session(as, id) };
      }),
    );
    const beacons = viewers.flatMap(({ viewToken }) =>
      Array.from({ length: 5 }, (_, seq) => ({
        viewToken,
        events: [{ seq, type: 'heartbeat', positionSeconds: seq * 10 + 10, intervals: [[seq * 10, seq * 10 + 10]] }],
      })),
    );
    // Every beacon at once, and each a second time: the copies record nothing, wherever they land.
    const answers = await Promise.all([...beacons, ...beacons].map((b) => send(b.viewToken, b.events)));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ recorded: number }>;
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(bodies.reduce((n, b) => n + b.recorded, 0)).toBe(beacons.length);
    expect(await stored(id)).toBe(String(beacons.length));
    for (const { as } of viewers) {
      const progress = (await as('GET', `/v1/videos/${id}/progress`)).json;
      expect(progress).toMatchObject({ views: 1, positionSeconds: 50, watchTimeSeconds: 50 });
      expect(progress.coverage).toBeCloseTo(0.5, 3);
    }
    const day = await db.query(`SELECT views, watch_seconds FROM video_daily_views WHERE video_id = $1`, [id]);
    expect(day.rows).toEqual([{ views: viewers.length, watch_seconds: 50 * viewers.length }]);
  });

  it('counts anonymous viewers without progress of their own', async () => {
    const id = await readyVideo(20);
    const viewToken = await session(anonymous, id);
    expect((await send(viewToken, [{ seq: 0, type: 'ended', positionSeconds: 20, intervals: [[0, 20]] }])).status).toBe(
      202,
    );
    const rows = (await db.query(`SELECT viewer_id, watch_seconds FROM playback_views WHERE video_id = $1`, [id])).rows;
    expect(rows).toEqual([{ viewer_id: null, watch_seconds: 20 }]);
    expect((await anonymous('GET', `/v1/videos/${id}/progress`)).json.code).toBe('unauthorized');
    // The student never watched it: no progress of theirs.
    expect((await student('GET', `/v1/videos/${id}/progress`)).json).toMatchObject({ views: 0, coverage: 0 });
  });

  it("shows the owner a video's analytics and viewers, and an admin erases a viewer everywhere", async () => {
    const id = await readyVideo(100);
    const second = client(api.url, await token('second-student', []));
    await send(await session(student, id), [
      { seq: 0, type: 'seek', positionSeconds: 0, intervals: [[0, 100]], startupMs: 400 },
      { seq: 1, type: 'pause', positionSeconds: 50, intervals: [[0, 50]] },
    ]);
    await send(await session(second, id), [
      {
        seq: 0,
        type: 'pause',
        positionSeconds: 50,
        intervals: [[0, 50]],
        startupMs: 900,
        rebufferCount: 1,
        rebufferMs: 2000,
      },
    ]);
    await send(await session(anonymous, id), [
      { seq: 0, type: 'error', positionSeconds: 95, intervals: [[0, 95]], startupMs: 600, error: 'bufferStalledError' },
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const analytics = (await owner('GET', `/v1/videos/${id}/analytics`)).json;
    expect(analytics).toMatchObject({
      videoId: id,
      to: today,
      views: 3,
      uniqueViewers: 3,
      watchTimeSeconds: 295,
      startupTimeMs: { p50: 600, p95: 900 },
      days: [{ date: today, views: 3, watchTimeSeconds: 295 }],
    });
    expect(analytics.completionRate).toBeCloseTo(2 / 3, 6);
    expect(analytics.errorRate).toBeCloseTo(1 / 3, 6);
    expect(analytics.rebufferRatio).toBeCloseTo(2 / 297, 6);
    expect(analytics.retention).toHaveLength(100);
    expect(analytics.retention[10]).toBe(1);
    expect(analytics.retention[97]).toBeCloseTo(1 / 3, 6);
    expect((await owner('GET', `/v1/videos/${id}/analytics?from=2020-01-02&to=2020-01-01`)).json.code).toBe(
      'invalid_request',
    );
    expect((await student('GET', `/v1/videos/${id}/analytics`)).status).toBe(404);

    const first = (await owner('GET', `/v1/videos/${id}/viewers?limit=1`)).json;
    expect(first.viewers).toHaveLength(1);
    const rest = (await owner('GET', `/v1/videos/${id}/viewers?limit=1&cursor=${first.nextCursor}`)).json;
    expect(rest.nextCursor).toBeNull();
    const viewers = [...first.viewers, ...rest.viewers];
    expect(viewers.map((v: any) => v.userId).sort()).toEqual(['second-student', 'student']);
    expect(viewers.find((v: any) => v.userId === 'student')).toMatchObject({
      views: 1,
      watchTimeSeconds: 150,
      coverage: 1,
      lastPositionSeconds: 50,
      completed: true,
    });
    expect((await student('GET', `/v1/videos/${id}/viewers`)).status).toBe(404);
    expect((await owner('GET', `/v1/videos/${id}/viewers?cursor=nope`)).json.code).toBe('invalid_cursor');

    // Erasure: admins only; the viewer is then gone from every read and table.
    const { view_id: viewId } = (
      await db.query(`SELECT view_id FROM playback_views WHERE video_id = $1 AND viewer_id = 'student'`, [id])
    ).rows[0];
    const eventsOf = async () =>
      (await db.query(`SELECT count(*) AS n FROM playback_events WHERE view_id = $1`, [viewId])).rows[0].n;
    expect(await eventsOf()).toBe('2');
    expect((await owner('DELETE', '/v1/users/student/analytics')).status).toBe(403);
    const admin = client(api.url, await token('root', ['admin']));
    expect((await admin('DELETE', '/v1/users/student/analytics')).status).toBe(204);
    expect((await owner('GET', `/v1/videos/${id}/viewers`)).json.viewers.map((v: any) => v.userId)).toEqual([
      'second-student',
    ]);
    expect((await student('GET', `/v1/videos/${id}/progress`)).json.views).toBe(0);
    expect((await owner('GET', `/v1/videos/${id}/analytics`)).json.views).toBe(2);
    const left = await db.query(
      `SELECT (SELECT count(*) FROM playback_views WHERE viewer_id = 'student') AS views,
              (SELECT count(*) FROM viewer_progress WHERE viewer_id = 'student') AS progress`,
    );
    expect(left.rows[0]).toEqual({ views: '0', progress: '0' });
    expect(await eventsOf()).toBe('0');
  });

  it("gives a course's student their progress through it and its owner the course's analytics", async () => {
    const [a, b] = [await readyVideo(30), await readyVideo(60)];
    const course = (await owner('POST', '/v1/collections', { title: 'The course' })).json;
    await owner('PUT', `/v1/collections/${course.id}/items/${a}`, { position: 1 });
    await owner('PUT', `/v1/collections/${course.id}/items/${b}`, { position: 2 });
    expect((await owner('PUT', `/v1/collections/${course.id}/grants/student`)).status).toBe(200);
    await send(await session(student, a), [{ seq: 0, type: 'ended', positionSeconds: 30, intervals: [[0, 30]] }]);
    await send(await session(student, b), [{ seq: 0, type: 'pause', positionSeconds: 15, intervals: [[0, 15]] }]);

    const progress = (await student('GET', `/v1/collections/${course.id}/progress`)).json;
    expect(progress).toMatchObject({ collectionId: course.id, completedVideos: 1, videoCount: 2, completed: false });
    expect(progress.coverage).toBeCloseTo(45 / 90, 6);
    expect(progress.videos.map((v: any) => [v.videoId, v.completed, v.resumeSeconds])).toEqual([
      [a, true, 0],
      [b, false, 15],
    ]);
    expect((await anonymous('GET', `/v1/collections/${course.id}/progress`)).json.code).toBe('unauthorized');
    const stranger = client(api.url, await token('stranger', []));
    expect((await stranger('GET', `/v1/collections/${course.id}/progress`)).status).toBe(404);

    const analytics = (await owner('GET', `/v1/collections/${course.id}/analytics`)).json;
    expect(analytics).toMatchObject({ collectionId: course.id, views: 2, uniqueViewers: 1, watchTimeSeconds: 45 });
    expect(analytics.videos.map((v: any) => [v.videoId, v.views, v.completionRate])).toEqual([
      [a, 1, 1],
      [b, 1, 0],
    ]);
    expect((await student('GET', `/v1/collections/${course.id}/analytics`)).status).toBe(404);
  });

  it('drops raw events past their retention by whole days, keeping the views made of them', async () => {
    const id = await readyVideo(30);
    const now = Math.floor(Date.now() / 1000);
    // A view that began 100 days ago (its token signed here), and one of today.
    const old = signViewToken(
      {
        viewId: newPrefixedId('view'),
        videoId: id,
        viewerId: 'student',
        durationSeconds: 30,
        startedAtEpoch: now - 100 * 86_400,
        expiresAtEpoch: now + 600,
      },
      KEY,
    );
    const beacon = [{ seq: 0, type: 'pause', positionSeconds: 10, intervals: [[0, 10]] }];
    expect((await send(old, beacon)).status).toBe(202);
    expect((await send(await session(student, id), beacon)).status).toBe(202);
    expect(await stored(id)).toBe('2');
    const sweeps = await startSweeps({ ...ENV, ANALYTICS_RETENTION_DAYS: '90' });
    try {
      expect(await sweeps.get(MaintenanceService).dropExpiredPlaybackEvents()).toBeGreaterThanOrEqual(1);
      expect(await sweeps.get(MaintenanceService).dropExpiredPlaybackEvents()).toBe(0);
    } finally {
      await sweeps.close();
    }
    expect(await stored(id)).toBe('1');
    expect((await student('GET', `/v1/videos/${id}/progress`)).json.views).toBe(2);
    // The api had seen that day's partition: a late beacon of that view finds it made again.
    expect((await send(old, [{ ...beacon[0], seq: 1 }])).status).toBe(202);
  });

  it('refuses forged, moved, expired and malformed beacons with problem+json, storing none of them', async () => {
    const id = await readyVideo(30);
    const other = await readyVideo(30);
    const viewToken = await session(student, id);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      viewId: newPrefixedId('view'),
      videoId: other,
      viewerId: 'student',
      durationSeconds: 30,
      startedAtEpoch: now - 7200,
      expiresAtEpoch: now - 60,
    };
    const [version, , signature] = viewToken.split('.');
    const moved = `${version}.${Buffer.from(JSON.stringify([claims.viewId, other, 'student', 30, now, now + 600])).toString('base64url')}.${signature}`;
    const refusals: Array<[string, unknown[], number, string]> = [
      [signViewToken(claims, KEY), seekedAround, 401, 'invalid_view_token'],
      [
        signViewToken({ ...claims, expiresAtEpoch: now + 600 }, Buffer.alloc(32, 1)),
        seekedAround,
        401,
        'invalid_view_token',
      ],
      [moved, seekedAround, 401, 'invalid_view_token'],
      [viewToken, [{ ...seekedAround[0], intervals: [[5, 2]] }], 400, 'invalid_request'],
      [viewToken, [seekedAround[0], { ...seekedAround[1], seq: 0 }], 400, 'invalid_request'],
      [viewToken, [{ ...seekedAround[0], type: 'teleport' }], 400, 'invalid_request'],
      [viewToken, [{ ...seekedAround[0], extra: 1 }], 400, 'invalid_request'],
      [viewToken, [], 400, 'invalid_request'],
      [viewToken, Array.from({ length: 51 }, (_, seq) => ({ ...seekedAround[0], seq })), 400, 'invalid_request'],
    ];
    for (const [tokenSent, events, status, code] of refusals) {
      const answer = await send(tokenSent, events);
      expect([status, answer.headers.get('content-type')?.split(';')[0]]).toEqual([status, 'application/problem+json']);
      expect(((await answer.json()) as { code: string }).code).toBe(code);
    }
    const huge = await send(viewToken, [{ ...seekedAround[0], error: 'x'.repeat(70_000) }], 'text/plain');
    expect(huge.status).toBe(413);
    const junk = await fetch(`${api.url}/v1/playback-events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{nope',
    });
    expect(((await junk.json()) as { code: string }).code).toBe('invalid_json');
    expect(await stored(id)).toBe('0');
    expect(await stored(other)).toBe('0');
  });
});
