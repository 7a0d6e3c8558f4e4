/**
 * The viewing history bench:analytics reads: by default 10 million raw events (20 per view, so
 * 500,000 views) over 1,000 ten-minute videos and 100,000 viewers, in the last 28 days, with each
 * viewer's progress and the daily rollups derived from the views as the ingest path keeps them.
 * Written by SQL in bulk: through the beacon route it would take most of an hour. Popularity is
 * skewed (a video's index is 1000·r², r uniform): the top video has about 3 % of the views.
 */
import { Client } from 'pg';
import { ADMIN_DB } from './services';

const env = process.env;
export const SEED = {
  events: Number(env.BENCH_ANALYTICS_EVENTS ?? 10_000_000),
  videos: Number(env.BENCH_ANALYTICS_SEED_VIDEOS ?? 1000),
  viewers: Number(env.BENCH_ANALYTICS_VIEWERS ?? 100_000),
  eventsPerView: 20,
  days: 28,
  videoSeconds: 600,
};
const FINGERPRINT = JSON.stringify(SEED);
const NAME = 'velvet_bench_analytics';
export const SEED_DATABASE_URL = ADMIN_DB.replace(/\/[^/]*$/, `/${NAME}`);

/**
 * The videos of a database an earlier run seeded with the same figures; otherwise null, and the
 * database is made again, empty (the api's migrations then create its tables).
 */
export async function seededVideos(): Promise<string[] | null> {
  const admin = new Client({ connectionString: ADMIN_DB });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [NAME]);
    if (exists.rows.length > 0) {
      const db = new Client({ connectionString: SEED_DATABASE_URL });
      await db.connect();
      try {
        const { rows } = await db.query<{ videos: string[] }>(`SELECT videos FROM bench_seed WHERE fingerprint = $1`, [
          FINGERPRINT,
        ]);
        if (rows[0]) return rows[0].videos;
      } catch {
        // No marker: an interrupted seed.
      } finally {
        await db.end();
      }
    }
    await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${NAME}`);
    return null;
  } finally {
    await admin.end();
  }
}

/** Writes the history over `videos` (already created, migrated database) and marks it done. */
export async function seedHistory(videos: string[]): Promise<string[]> {
  const db = new Client({ connectionString: SEED_DATABASE_URL });
  await db.connect();
  const started = Date.now();
  const step = async (label: string, sql: string, params: unknown[] = []) => {
    const at = Date.now();
    const { rowCount } = await db.query(sql, params);
    console.error(`seed: ${label}: ${rowCount ?? 0} rows in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  };
  try {
    await db.query(`SET synchronous_commit = off; SET timezone = 'UTC'; SELECT setseed(0.42)`);
    const views = Math.ceil(SEED.events / SEED.eventsPerView);
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const days = Array.from({ length: SEED.days + 1 }, (_, i) =>
      new Date(today - (SEED.days - i) * 86_400_000).toISOString().slice(0, 10),
    );
    for (const day of days) {
      const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
      // The store's own partition naming (postgres.analytics-store.ts), so retention would find them.
      await db.query(
        `CREATE TABLE playback_events_${day.replaceAll('-', '')} PARTITION OF playback_events FOR VALUES FROM ('${day}') TO ('${next}')`,
      );
    }
    await step(
      'views',
      `INSERT INTO playback_views (view_id, video_id, viewer_id, started_on, started_at, last_seen_at, last_seq,
         position_seconds, watched, watch_seconds, startup_ms, rebuffer_count, rebuffer_ms, errors, rendition)
       SELECT id, video_id, viewer_id, started_at::date, started_at, started_at + make_interval(secs => watched_s * 1.2),
              $5::int - 1, start_s + watched_s,
              nummultirange(numrange(start_s::numeric(10, 3), (start_s + watched_s)::numeric(10, 3))),
              watched_s * (1 + replay), startup, rebuffers, rebuffers * 700, errors, '720p'
         FROM (SELECT *, greatest(1, floor(($4::float8 - start_s) * CASE WHEN r_len < 0.4 THEN 1 ELSE r_len END)) AS watched_s
                 FROM (SELECT 'view_' || lpad(g::text, 26, '0') AS id,
                              ($1::text[])[1 + floor(cardinality($1::text[]) * power(random(), 2))::int] AS video_id,
                              CASE WHEN random() < 0.05 THEN NULL ELSE 'viewer-' || (1 + floor(random() * $2::int)::int) END AS viewer_id,
                              now() - random() * make_interval(days => $3::int) AS started_at,
                              CASE WHEN random() < 0.7 THEN 0 ELSE floor(random() * $4::float8 / 2) END AS start_s,
                              random() AS r_len,
                              CASE WHEN random() < 0.2 THEN random() * 0.5 ELSE 0 END AS replay,
                              (300 + random() * 2500)::int AS startup,
                              CASE WHEN random() < 0.15 THEN 1 + floor(random() * 4)::int ELSE 0 END AS rebuffers,
                              CASE WHEN random() < 0.02 THEN 1 ELSE 0 END AS errors
                         FROM generate_series(1, $6::int) AS g) AS drawn) AS shaped`,
      [videos, SEED.viewers, SEED.days, SEED.videoSeconds, SEED.eventsPerView, views],
    );
    for (const day of days)
      await step(
        `events of ${day}`,
        `INSERT INTO playback_events (started_on, view_id, seq, received_at, event)
         SELECT v.started_on, v.view_id, s, v.started_at + make_interval(secs => s * 10),
                jsonb_build_object('seq', s, 'type', 'heartbeat', 'positionSeconds', s * 10,
                                   'intervals', jsonb_build_array(jsonb_build_array(s * 10, s * 10 + 10)))
           FROM playback_views v CROSS JOIN generate_series(0, $2 - 1) AS s
          WHERE v.started_on = $1::date`,
        [day, SEED.eventsPerView],
      );
    await step(
      'viewer progress',
      `INSERT INTO viewer_progress (video_id, viewer_id, views, watched, watch_seconds, position_seconds, position_at, last_seen_at)
       SELECT video_id, viewer_id, count(*), range_agg(watched), sum(watch_seconds),
              (array_agg(position_seconds ORDER BY last_seen_at DESC))[1], max(last_seen_at), max(last_seen_at)
         FROM playback_views WHERE viewer_id IS NOT NULL GROUP BY video_id, viewer_id`,
    );
    await step(
      'daily rollups',
      `INSERT INTO video_daily_views (video_id, day, views, watch_seconds)
       SELECT video_id, started_on, count(*), sum(watch_seconds) FROM playback_views GROUP BY video_id, started_on`,
    );
    await step('analyze', 'ANALYZE');
    await db.query('CREATE TABLE bench_seed (fingerprint text NOT NULL, videos text[] NOT NULL)');
    await db.query('INSERT INTO bench_seed VALUES ($1, $2)', [FINGERPRINT, videos]);
    console.error(`seed: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return videos;
  } finally {
    await db.end();
  }
}
